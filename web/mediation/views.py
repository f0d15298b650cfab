"""The mediator's workspace: load → check access (in the engine) → act.

The mediation's tasks can all be done from the inbox's generic task form; the pages here
add what a mediator needs around them: the parties, the sessions so far, one answer per
party for consent and for the agreement, and the printable agreement.
"""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine import BusyError, ConflictError, ValidationError
from engine.cases.views import TaskView
from engine.mediation.views import TaskLink
from web import services
from web.access import current_actor, roles
from web.errors import render_error
from web.inbox.task_form import TaskForm
from web.mediation import labels
from web.mediation.blueprint import bp
from web.mediation.forms import (
    AgreementForm,
    AssignForm,
    ConsentForm,
    IntakeForm,
    ListForm,
)
from web.mediation.links import mediation

#: Roles with a mediation workspace (which mediations each sees is the engine's rule).
VIEWERS = ("mediator", "grid_worker", "supervisor", "council", "auditor")
#: Roles that register disputes.
OPENERS = ("grid_worker", "supervisor")
#: The workspace's own page for a task, by form key; other tasks use the inbox's form.
TASK_PAGES = {"mediation_assignment": "mediation.assign", "mediation_consent": "mediation.consent",
              "mediation_session": "mediation.session", "mediation_agreement": "mediation.agreement"}


def task_url(task: TaskLink) -> str:
    """Where a person goes to do ``task``: the workspace's own page for it, else the inbox's form."""
    return url_for(TASK_PAGES.get(task.form_key or "", "inbox.task"), item_id=task.item_id)


@bp.route("")
@roles(*VIEWERS)
def index() -> ResponseReturnValue:
    form = ListForm(formdata=request.args)
    if not form.validate():
        return render_template("mediation/index.html", form=form, rows=None, labels=labels), 400
    rows = mediation().my_mediations(current_actor(), form.status.data)
    return render_template("mediation/index.html", form=form, rows=rows, labels=labels)


@bp.route("/new", methods=["GET", "POST"])
@roles(*OPENERS)
def new() -> ResponseReturnValue:
    source = request.values.get("source") or None
    issue = services.cases().case_page(source, current_actor()).case if source else None  # 404 for a case out of reach
    grids = services.people().grids()
    defaults = {"parties": [{"party_role": "applicant"}, {"party_role": "respondent"}, {"party_role": "third_party"}],
                "grid_code": current_actor().grid_code or ""}
    if issue is not None:
        defaults.update(source=issue.tracking_code, dispute_type="邻里纠纷", summary=issue.description,
                        grid_code=issue.grid_code or "", address=issue.address or "", channel=issue.channel)
    form = IntakeForm(grids=grids, data=defaults)
    if not form.is_submitted():
        return _intake_page(form, issue)
    if "add_party" in request.form:  # one more row, nothing checked yet
        if len(form.parties.entries) < form.parties.max_entries:
            form.parties.append_entry({"party_role": "third_party"})
        return _intake_page(form, issue)
    if not form.validate():
        return _intake_page(form, issue, 400)
    try:
        case = mediation().open_mediation(form.to_intake(), current_actor(), issue.tracking_code if issue else None)
    except ValidationError as error:
        return _intake_page(form, issue, 400, form.add_engine_errors(error.field_errors) or
                            ([] if error.field_errors else [error.message]))
    flash(_("已登记调解案件 %(code)s，请指派调解员", code=case.tracking_code))
    return redirect(url_for("mediation.detail", code=case.tracking_code))


def _intake_page(form: IntakeForm, issue: object, status: int = 200,
                 messages: list[str] | None = None) -> ResponseReturnValue:
    return render_template("mediation/new.html", form=form, issue=issue, messages=messages or []), status


@bp.route("/<code>")
@roles(*VIEWERS)
def detail(code: str) -> ResponseReturnValue:
    page = mediation().mediation_page(code, current_actor())
    return render_template("mediation/detail.html", page=page, labels=labels, task_url=task_url)


@bp.route("/<code>/agreements/<int:number>")
@roles(*VIEWERS)
def agreement_print(code: str, number: int) -> ResponseReturnValue:
    document = mediation().agreement_document(code, number, current_actor())
    return render_template("mediation/agreement_print.html", doc=document, labels=labels)


# -- the task pages -------------------------------------------------------------------------------

def _task(item_id: int, form_key: str) -> tuple[TaskView, ResponseReturnValue | None]:
    """The task if it is the right kind and still the actor's to do; else the page that says why not."""
    view = services.cases().task(item_id, current_actor())  # 404 for another mediator's task
    if view.form.key != form_key:
        return view, render_error(404, _("任务不存在"))
    if not view.is_open:
        return view, render_error(409, _("该任务已办理完成或已取消。"))
    if view.held_by_other(current_actor()):
        return view, render_error(403, _("该任务已由 %(who)s 认领，只有认领人可以办理。",
                                         who=view.assignee_name or view.assignee))
    return view, None


def _done(view: TaskView) -> ResponseReturnValue:
    flash(_("已办理：%(task)s（%(code)s）", task=view.task_name, code=view.case.tracking_code))
    return redirect(url_for("mediation.detail", code=view.case.tracking_code))


def _render(template: str, view: TaskView, form: object, status: int = 200, messages: list[str] | None = None,
            page: object = None) -> ResponseReturnValue:
    page = page or mediation().mediation_page(view.case.tracking_code, current_actor())
    return render_template(template, view=view, form=form, page=page, labels=labels,
                           messages=messages or []), status


def _conflict(template: str, item_id: int, form: object, error: ConflictError) -> ResponseReturnValue:
    """Someone changed the case first: keep the answers, take the new version (HTTP 409)."""
    view = services.cases().task(item_id, current_actor())
    if isinstance(error, BusyError):  # nothing changed: keep the answers and say the case was busy
        return _render(template, view, form, 409, [error.message])
    if not view.is_open:
        return render_error(409, _("该任务已办理完成或已取消。"))
    form.case_version.data, form.case_version.raw_data = view.case.version, [str(view.case.version)]  # type: ignore[attr-defined]
    return _render(template, view, form, 409, [_("案件在您填写期间已被他人更新，请核对最新情况后重新提交。")])


@bp.route("/tasks/<int:item_id>/assign", methods=["GET", "POST"])
@roles("grid_worker")
def assign(item_id: int) -> ResponseReturnValue:
    view, refusal = _task(item_id, "mediation_assignment")
    if refusal is not None:
        return refusal
    form = AssignForm(mediators=mediation().mediators(), data={"case_version": view.case.version})
    if not form.validate_on_submit():
        return _render("mediation/assign.html", view, form, 400 if form.is_submitted() else 200)
    try:
        services.cases().complete_task(item_id, {"mediator": form.mediator.data,
                                                 "assignment_note": form.assignment_note.data or None},
                                       current_actor(), expected_version=form.case_version.data)
    except ValidationError as error:
        for key, message in error.field_errors.items():
            target = form.mediator if key == "mediator" else form.assignment_note
            target.errors = [*target.errors, message]
        return _render("mediation/assign.html", view, form, 400, [] if error.field_errors else [error.message])
    except ConflictError as error:
        return _conflict("mediation/assign.html", item_id, form, error)
    return _done(view)


@bp.route("/tasks/<int:item_id>/consent", methods=["GET", "POST"])
@roles("mediator")
def consent(item_id: int) -> ResponseReturnValue:
    view, refusal = _task(item_id, "mediation_consent")
    if refusal is not None:
        return refusal
    page = mediation().mediation_page(view.case.tracking_code, current_actor())
    form = ConsentForm.for_parties(page.parties, data={"case_version": view.case.version})
    if not form.validate_on_submit():
        return _render("mediation/consent.html", view, form, 400 if form.is_submitted() else 200, page=page)
    try:
        mediation().record_consent(item_id, form.answers(), current_actor(), note=form.consent_note.data or None,
                                   referral_channel=form.referral_channel.data or None,
                                   expected_version=form.case_version.data)
    except ValidationError as error:
        return _render("mediation/consent.html", view, form, 400, form.add_engine_errors(error.field_errors) or
                       ([] if error.field_errors else [error.message]), page=page)
    except ConflictError as error:
        return _conflict("mediation/consent.html", item_id, form, error)
    return _done(view)


@bp.route("/tasks/<int:item_id>/session", methods=["GET", "POST"])
@roles("mediator")
def session(item_id: int) -> ResponseReturnValue:
    view, refusal = _task(item_id, "mediation_session")
    if refusal is not None:
        return refusal
    form = TaskForm.for_task(view.form, options={}, data={"case_version": view.case.version})
    if not form.is_submitted():
        return _render("mediation/session.html", view, form)
    if not form.validate():
        return _render("mediation/session.html", view, form, 400)
    try:
        services.cases().complete_task(item_id, form.engine_data(), current_actor(),
                                       expected_version=form.case_version.data)
    except ValidationError as error:
        return _render("mediation/session.html", view, form, 400, form.add_engine_errors(error.field_errors) or
                       ([] if error.field_errors else [error.message]))
    except ConflictError as error:
        return _conflict("mediation/session.html", item_id, form, error)
    return _done(view)


@bp.route("/tasks/<int:item_id>/agreement", methods=["GET", "POST"])
@roles("mediator")
def agreement(item_id: int) -> ResponseReturnValue:
    view, refusal = _task(item_id, "mediation_agreement")
    if refusal is not None:
        return refusal
    page = mediation().mediation_page(view.case.tracking_code, current_actor())
    form = AgreementForm.for_parties(page.parties, data={"case_version": view.case.version})
    if not form.validate_on_submit():
        return _render("mediation/agreement.html", view, form, 400 if form.is_submitted() else 200, page=page)
    try:
        mediation().record_agreement(item_id, form.agreement_terms.data, form.confirmations(), current_actor(),
                                     performance_deadline=form.performance_deadline.data,
                                     note=form.agreement_note.data or None, expected_version=form.case_version.data)
    except ValidationError as error:
        return _render("mediation/agreement.html", view, form, 400, form.add_engine_errors(error.field_errors) or
                       ([] if error.field_errors else [error.message]), page=page)
    except ConflictError as error:
        return _conflict("mediation/agreement.html", item_id, form, error)
    return _done(view)
