"""Admin pages of the outbox: deliveries that failed or are retrying, with their error, and resend; templates."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine import NotFound, ValidationError
from engine.notify.wording import DEFAULTS, LOCALES, SAMPLE
from web import services
from web.access import current_actor, roles
from web.admin.support import show_errors
from web.auth.forms import EmptyForm
from web.errors import render_error
from web.notify.blueprint import bp
from web.notify.forms import TemplateForm


@bp.route("/admin/outbox")
@roles("admin")
def outbox() -> ResponseReturnValue:
    service = services.notifications()
    return render_template("notify/outbox.html", problems=service.problems(), state=service.outbox_state(),
                           form=EmptyForm())


@bp.route("/admin/outbox/<int:delivery_id>/resend", methods=["POST"])
@roles("admin")
def resend(delivery_id: int) -> ResponseReturnValue:
    if not EmptyForm().validate_on_submit():
        return render_error(400, _("表单已过期或缺少安全令牌，请刷新页面后重试。"))
    services.notifications().resend(delivery_id)
    flash(_("已重新排入发送队列，下一轮发送时投递"))
    return redirect(url_for("notify.outbox"))


@bp.route("/admin/message-templates")
@roles("admin")
def templates() -> ResponseReturnValue:
    return render_template("notify/templates.html", templates=services.notifications().templates())


def _known(kind: str, locale: str) -> None:
    if kind not in DEFAULTS or locale not in LOCALES:
        raise NotFound(_("没有这种通知模板"))


@bp.route("/admin/message-templates/<kind>/<locale>", methods=["GET", "POST"])
@roles("admin")
def edit_template(kind: str, locale: str) -> ResponseReturnValue:
    _known(kind, locale)
    service = services.notifications()
    current = service.template(kind, locale)
    if request.method == "GET":
        form = TemplateForm(data={"subject": current.subject, "body": current.body})
        return render_template("notify/edit_template.html", form=form, template=current, preview=None,
                               sample=SAMPLE, reset_form=EmptyForm())
    form = TemplateForm()
    page = {"template": current, "sample": SAMPLE, "reset_form": EmptyForm()}
    if not form.validate_on_submit():
        return render_template("notify/edit_template.html", form=form, preview=None, **page), 400
    subject, body = form.subject.data or "", form.body.data or ""
    try:
        if request.form.get("action") == "preview":
            return render_template("notify/edit_template.html", form=form, preview=service.preview(subject, body),
                                   **page)
        service.save_template(kind, locale, subject, body, current_actor())
    except ValidationError as exc:
        show_errors(form, exc)
        return render_template("notify/edit_template.html", form=form, preview=None, **page), 400
    flash(_("模板已保存"))
    return redirect(url_for("notify.templates"))


@bp.route("/admin/message-templates/<kind>/<locale>/reset", methods=["POST"])
@roles("admin")
def reset_template(kind: str, locale: str) -> ResponseReturnValue:
    _known(kind, locale)
    if not EmptyForm().validate_on_submit():
        return render_error(400, _("表单已过期或缺少安全令牌，请刷新页面后重试。"))
    services.notifications().reset_template(kind, locale)
    flash(_("已恢复系统默认模板"))
    return redirect(url_for("notify.templates"))
