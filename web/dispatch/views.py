"""吹哨 from the case page, a department's extension request, the supervisor's decision and urging.

Load (the engine checks the actor may see the case or item: another unit's is 404) → check the form →
act through :class:`~engine.dispatch.service.DispatchService`, which checks the role and the object again
and refuses bad input with field errors that are shown next to the same fields. Nothing changes on error.
"""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine import ConflictError, NotFound, PermissionDenied, ValidationError
from engine.calendar import china_date
from engine.dispatch.board import DispatchBoard, SummonedDepartment
from web import services
from web.access import current_actor, roles
from web.dispatch.blueprint import bp
from web.dispatch.forms import ExtensionDecisionForm, ExtensionRequestForm, UrgeForm, WhistleForm
from web.dispatch.links import dispatch, waiting_for_dispatch, whistler
from web.wording import names_in_words

#: Who may blow the whistle on a case: its grid worker, the community (council) and the street.
WHISTLERS = ("grid_worker", "council", "supervisor")


def _refused(form: WhistleForm | ExtensionRequestForm | ExtensionDecisionForm | UrgeForm,
             error: ValidationError) -> list[str]:
    """The engine's field errors next to their fields; the rest (and a bare message) above the form."""
    return form.add_engine_errors(error.field_errors) or ([] if error.field_errors else [error.message])


# -- 吹哨 -------------------------------------------------------------------------------------------

def _whistle_page(code: str, form: WhistleForm, status: int = 200,
                  messages: list[str] | None = None) -> ResponseReturnValue:
    page = services.cases().case_page(code, current_actor())
    return render_template("dispatch/whistle.html", case=page.case, form=form, messages=messages or []), status


@bp.route("/cases/<code>/whistle", methods=["GET", "POST"])
@roles(*WHISTLERS)
def whistle(code: str) -> ResponseReturnValue:
    case = services.cases().case_page(code, current_actor()).case  # 404 for a case the actor may not see
    if not whistler(case.grid_code):
        raise PermissionDenied("只有本网格的网格员、社区或街道督办可以吹哨")
    if not waiting_for_dispatch(case.tracking_code):
        raise ConflictError("案件正在议事、办结或评价中，现在不能吹哨")
    form = WhistleForm(departments=names_in_words(services.people().departments()))
    if not form.is_submitted():
        return _whistle_page(code, form)
    if not form.validate():
        return _whistle_page(code, form, 400)
    try:
        dispatch().blow_whistle(case.tracking_code, lead=form.lead.data, co_departments=list(form.co_departments.data),
                                actor=current_actor(), reason=form.reason.data)
    except ValidationError as error:
        return _whistle_page(code, form, 400, _refused(form, error))
    flash(_("已吹哨：%(n)d 个部门已收到报到通知", n=1 + len(form.co_departments.data)))
    return redirect(url_for("cases.detail", code=case.tracking_code) + "#dispatch-heading")


# -- 申请延期 (the department) and its decision (the supervisor) ----------------------------------------

def _extension_page(item_id: int, form: ExtensionRequestForm, status: int = 200,
                    messages: list[str] | None = None) -> ResponseReturnValue:
    view = services.cases().task(item_id, current_actor())
    return render_template("dispatch/extension.html", view=view, form=form, messages=messages or []), status


@bp.route("/dispatch/items/<int:item_id>/extension", methods=["GET", "POST"])
@roles("department")
def request_extension(item_id: int) -> ResponseReturnValue:
    view = services.cases().task(item_id, current_actor())  # 404 for another department's item
    form = ExtensionRequestForm(today=china_date(services.cases().clock.now()))
    if not form.is_submitted():
        return _extension_page(item_id, form)
    if not form.validate():
        return _extension_page(item_id, form, 400)
    try:
        dispatch().request_extension(item_id, new_due=form.new_due.data, reason=form.reason.data,
                                     actor=current_actor())
    except ValidationError as error:
        return _extension_page(item_id, form, 400, _refused(form, error))
    flash(_("延期申请已提交，等待街道审批：%(task)s（%(code)s）", task=view.task_name, code=view.case.tracking_code))
    return redirect(url_for("cases.detail", code=view.case.tracking_code) + "#dispatch-heading")


def _extensions_page(status: int = 200, forms: dict[int, ExtensionDecisionForm] | None = None,
                     messages: dict[int, list[str]] | None = None) -> ResponseReturnValue:
    pending = dispatch().pending_extensions(current_actor())
    forms = forms or {}
    return render_template("dispatch/extensions.html", pending=pending,
                           forms={p.id: forms.get(p.id) or ExtensionDecisionForm(formdata=None, prefix=f"x{p.id}")
                                  for p in pending},
                           messages=messages or {}), status


@bp.route("/dispatch/extensions")
@roles("supervisor")
def extensions() -> ResponseReturnValue:
    return _extensions_page()


@bp.route("/dispatch/extensions/<int:extension_id>", methods=["POST"])
@roles("supervisor")
def decide_extension(extension_id: int) -> ResponseReturnValue:
    form = ExtensionDecisionForm(prefix=f"x{extension_id}")
    if not form.validate_on_submit():
        return _extensions_page(400, {extension_id: form})
    approve = form.decision.data == "approve"
    try:
        dispatch().decide_extension(extension_id, approve=approve, note=form.note.data or "", actor=current_actor())
    except ValidationError as error:
        return _extensions_page(400, {extension_id: form}, {extension_id: _refused(form, error)})
    flash(_("已同意延期") if approve else _("已不同意延期"))
    return redirect(url_for("dispatch.extensions"))


# -- 催办 -------------------------------------------------------------------------------------------

def _urged_unit(code: str, item_id: int) -> tuple[DispatchBoard, SummonedDepartment]:
    """The case's board and the department whose open task ``item_id`` is (404 for another case's item)."""
    board = dispatch().board(code, current_actor())
    unit = next((u for u in board.departments if u.open_task and u.open_task.work_item_id == item_id), None)
    if unit is None:
        raise NotFound("该案件没有这项待办")
    return board, unit


def _urge_page(code: str, item_id: int, form: UrgeForm, status: int = 200,
               messages: list[str] | None = None) -> ResponseReturnValue:
    board, unit = _urged_unit(code, item_id)
    return render_template("dispatch/urge.html", board=board, unit=unit, item_id=item_id, form=form,
                           messages=messages or []), status


@bp.route("/cases/<code>/items/<int:item_id>/urge", methods=["GET", "POST"])
@roles("supervisor")
def urge(code: str, item_id: int) -> ResponseReturnValue:
    _urged_unit(code, item_id)  # the item must be an open task of this case's departments
    form = UrgeForm()
    if not form.is_submitted():
        return _urge_page(code, item_id, form)
    if not form.validate():
        return _urge_page(code, item_id, form, 400)
    try:
        dispatch().urge(item_id, message=form.message.data, actor=current_actor())
    except ValidationError as error:
        return _urge_page(code, item_id, form, 400, _refused(form, error))
    flash(_("已催办，部门已收到通知"))
    return redirect(url_for("cases.detail", code=code) + "#dispatch-heading")
