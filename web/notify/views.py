"""The notification centre (a person's own notifications only) and their notification settings."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from engine import ValidationError
from web import services
from web.access import login_required
from web.admin.support import show_errors
from web.auth.forms import EmptyForm
from web.errors import render_error
from web.navigation import current_language
from web.notify.blueprint import bp
from web.notify.forms import PreferencesForm

PAGE_SIZE = 30


def _same_site(link: str) -> str:
    """A notification's link is a path on this site; anything else goes to the list."""
    if link.startswith("/") and not link.startswith("//") and "\\" not in link:
        return link
    return url_for("notify.index")


@bp.route("/notifications")
@login_required
def index() -> ResponseReturnValue:
    unread_only = request.args.get("unread") == "1"
    page = request.args.get("page", "1")
    number = int(page) if page.isdigit() and 0 < int(page) < 10_000 else 1
    notices = services.notifications().notices(current_user.username, unread_only=unread_only, page=number,
                                               page_size=PAGE_SIZE, locale=current_language())
    return render_template("notify/index.html", notices=notices, form=EmptyForm(), unread_only=unread_only,
                           page=number, more=len(notices) == PAGE_SIZE)


@bp.route("/notifications/<int:delivery_id>/open", methods=["POST"])
@login_required
def open_notice(delivery_id: int) -> ResponseReturnValue:
    """Mark it read and go to its task or case (another person's id is 404, as a missing one)."""
    if not EmptyForm().validate_on_submit():
        return render_error(400, _("表单已过期或缺少安全令牌，请刷新页面后重试。"))
    notice = services.notifications().mark_read(current_user.username, delivery_id)
    return redirect(_same_site(notice.link))


@bp.route("/notifications/read-all", methods=["POST"])
@login_required
def read_all() -> ResponseReturnValue:
    if not EmptyForm().validate_on_submit():
        return render_error(400, _("表单已过期或缺少安全令牌，请刷新页面后重试。"))
    count = services.notifications().mark_all_read(current_user.username)
    flash(_("已将 %(count)s 条通知标为已读", count=count))
    return redirect(url_for("notify.index"))


@bp.route("/notifications/settings", methods=["GET", "POST"])
@login_required
def settings() -> ResponseReturnValue:
    service = services.notifications()
    if request.method == "GET":
        form = PreferencesForm.of(service.preferences(current_user.username))
        return render_template("notify/settings.html", form=form)
    form = PreferencesForm()
    if not form.validate_on_submit():
        return render_template("notify/settings.html", form=form), 400
    try:
        service.save_preferences(current_user.username, form.to_preferences())
    except ValidationError as exc:
        show_errors(form, exc)
        return render_template("notify/settings.html", form=form), 400
    flash(_("通知设置已保存"))
    return redirect(url_for("notify.settings"))
