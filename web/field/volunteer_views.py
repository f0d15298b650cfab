"""The volunteer pages of the field blueprint: 志愿者 of a grid, their services, points and time bank.

A grid worker keeps their own grid's volunteers (the engine checks the grid on every object); the supervisor and
the auditor read every grid, with the grids short of 1 grid worker and 2 volunteers named.
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine import ConflictError, ValidationError
from engine.calendar import china_date
from engine.field.volunteers import ACCOUNTS, STATUS_LABELS, VOLUNTEERS_PER_GRID, WORKERS_PER_GRID
from web import services
from web.access import current_actor, roles
from web.field.blueprint import bp
from web.field.forms import ActiveForm, DecideForm, ServiceForm, SpendForm, VolunteerForm, place_engine_errors
from web.field.views import READERS, RECORDERS, field


@bp.route("/volunteers")
@roles(*READERS)
def volunteers() -> ResponseReturnValue:
    return _list_page(VolunteerForm())


def _list_page(form: VolunteerForm, messages: list[str] | None = None, status: int = 200) -> ResponseReturnValue:
    actor = current_actor()
    keeps = actor.role in RECORDERS
    return render_template("field/volunteers.html", rows=field().volunteer_rows(actor),
                           staffing=field().staffing(actor), pending=field().pending_services(actor),
                           form=form if keeps else None, decide=DecideForm() if keeps else None,
                           messages=messages or [], workers_per_grid=WORKERS_PER_GRID,
                           volunteers_per_grid=VOLUNTEERS_PER_GRID), status


@bp.route("/volunteers", methods=["POST"])
@roles(*RECORDERS)
def register_volunteer() -> ResponseReturnValue:
    form = VolunteerForm()
    if not form.validate():
        return _list_page(form, None, 400)
    try:
        volunteer_id = field().register_volunteer(form.to_input(), current_actor())
    except ValidationError as error:
        return _list_page(form, place_engine_errors(form, error.field_errors), 400)
    flash(_("已登记志愿者"))
    return redirect(url_for("field.volunteer", volunteer_id=volunteer_id))


@bp.route("/volunteers/<int:volunteer_id>")
@roles(*READERS)
def volunteer(volunteer_id: int) -> ResponseReturnValue:
    return _volunteer_page(volunteer_id)


def _volunteer_page(volunteer_id: int, status: int = 200, *, service: ServiceForm | None = None,
                    spend: SpendForm | None = None, messages: list[str] | None = None) -> ResponseReturnValue:
    actor = current_actor()
    page = field().volunteer_page(volunteer_id, actor)
    keeps = actor.role in RECORDERS
    today = china_date(services.cases().clock.now()).isoformat()
    return render_template("field/volunteer.html", page=page, statuses=STATUS_LABELS, accounts=ACCOUNTS,
                           service=(service or ServiceForm(data={"served_on": today})) if keeps else None,
                           spend=(spend or SpendForm()) if keeps else None, decide=DecideForm() if keeps else None,
                           toggle=ActiveForm() if keeps else None, messages=messages or []), status


@bp.route("/volunteers/<int:volunteer_id>/services", methods=["POST"])
@roles(*RECORDERS)
def record_service(volunteer_id: int) -> ResponseReturnValue:
    form = ServiceForm()
    if not form.validate():
        return _volunteer_page(volunteer_id, 400, service=form)
    try:
        field().record_service(volunteer_id, form.to_input(), current_actor())
    except ValidationError as error:
        return _volunteer_page(volunteer_id, 400, service=form,
                               messages=place_engine_errors(form, error.field_errors)
                               or ([] if error.field_errors else [error.message]))
    except ConflictError as error:
        return _volunteer_page(volunteer_id, 409, service=form, messages=[error.message])
    flash(_("已登记服务记录，待确认时长"))
    return redirect(url_for("field.volunteer", volunteer_id=volunteer_id))


@bp.route("/services/<int:service_id>/decide", methods=["POST"])
@roles(*RECORDERS)
def decide_service(service_id: int) -> ResponseReturnValue:
    form = DecideForm()
    if not form.validate() or form.decision.data not in ("confirm", "reject"):
        abort(400)
    confirm = form.decision.data == "confirm"
    try:
        volunteer_id = field().decide_service(service_id, confirm, current_actor(), note=form.note.data or "")
    except ValidationError as error:
        flash("；".join(error.field_errors.values()) or error.message, "error")
        return redirect(url_for("field.volunteers"))
    except ConflictError as error:
        flash(error.message, "error")
        return redirect(url_for("field.volunteers"))
    flash(_("已确认服务时长，积分和时间银行已入账") if confirm else _("已退回服务记录"))
    return redirect(url_for("field.volunteer", volunteer_id=volunteer_id))


@bp.route("/volunteers/<int:volunteer_id>/spend", methods=["POST"])
@roles(*RECORDERS)
def spend(volunteer_id: int) -> ResponseReturnValue:
    form = SpendForm()
    if not form.validate():
        return _volunteer_page(volunteer_id, 400, spend=form)
    try:
        left = field().spend(volunteer_id, form.account.data, form.amount.data, form.reason.data, current_actor())
    except ValidationError as error:
        return _volunteer_page(volunteer_id, 400, spend=form,
                               messages=place_engine_errors(form, error.field_errors)
                               or ([] if error.field_errors else [error.message]))
    flash(_("已记账，余额 %(left)d", left=left))
    return redirect(url_for("field.volunteer", volunteer_id=volunteer_id))


@bp.route("/volunteers/<int:volunteer_id>/active", methods=["POST"])
@roles(*RECORDERS)
def set_volunteer_active(volunteer_id: int) -> ResponseReturnValue:
    form = ActiveForm()
    if not form.validate() or form.active.data not in ("0", "1"):
        abort(400)
    field().set_volunteer_active(volunteer_id, form.active.data == "1", current_actor())
    flash(_("已恢复志愿者") if form.active.data == "1" else _("已停用志愿者"))
    return redirect(url_for("field.volunteer", volunteer_id=volunteer_id))
