"""The mediator's workspace: load → check access (in the engine) → act.

Four of the mediation's tasks have a page of their own here (the inbox sends them here too, so a
task has one form wherever it is opened): the mediator's assignment, one answer per party for
consent, the session record, and the agreement as a document — drafted, printed, signed party by
party, then in force. The others use the inbox's form built from the diagram.
"""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine import BusyError, ConflictError, ValidationError
from engine.errors import StorageUnavailable
from engine.cases.read_models import TaskView
from engine.mediation.read_models import TaskLink
from web import services
from web.access import current_actor, roles
from web.auth.forms import EmptyForm
from web.errors import render_error
from web.inbox.task_form import TaskForm
from web.mediation import labels
from web.mediation.blueprint import bp
from web.mediation.forms import (
    AgreementDraftForm,
    AssignForm,
    ConsentForm,
    EmptyVersionForm,
    IntakeForm,
    ListForm,
    NoAgreementForm,
    SignatureForm,
)
from web.mediation.links import mediation
from web.pdf import document_pdf, pdf_response
from web.wording import names_in_words

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
    grids = names_in_words(services.people().grids())
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


def _unlogged_twice(response: ResponseReturnValue) -> ResponseReturnValue:
    """A page showing contacts is not kept by the browser: going back shows it masked, not a logged copy."""
    response = current_app.make_response(response)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<code>/contacts", methods=["POST"])
@roles("mediator")
def contacts(code: str) -> ResponseReturnValue:
    """The mediator in charge asks to see the parties' phones and addresses: this one view is logged."""
    if not EmptyForm().validate_on_submit():
        return render_error(400, _("表单已过期或缺少安全令牌，请刷新页面后重试。"))
    page = mediation().mediation_page(code, current_actor(), show_contacts=True)
    return _unlogged_twice(render_template("mediation/detail.html", page=page, labels=labels, task_url=task_url))


@bp.route("/<code>/agreements/<int:number>", methods=["GET", "POST"])
@roles(*VIEWERS)
def agreement_print(code: str, number: int) -> ResponseReturnValue:
    """The agreement laid out for printing; posted (mediator in charge), with the parties' contacts, logged."""
    show = request.method == "POST"
    if show and current_actor().role != "mediator":  # only the mediator in charge may see the contacts
        return render_error(403, _("只有本案调解员可以查看当事人的联系方式"))
    if show and not EmptyForm().validate_on_submit():
        return render_error(400, _("表单已过期或缺少安全令牌，请刷新页面后重试。"))
    document = mediation().agreement_document(code, number, current_actor(), show_contacts=show)
    scans = [f for f in services.evidence().gallery(code, current_actor()) if f.purpose == "agreement"]
    page = render_template("mediation/agreement_print.html", doc=document, labels=labels, scans=scans)
    return _unlogged_twice(page) if show else page


@bp.route("/<code>/agreements/<int:number>.pdf")
@roles(*VIEWERS)
def agreement_pdf(code: str, number: int) -> ResponseReturnValue:
    """The agreement as a PDF (contacts masked, as the print page shows them before the mediator asks):
    marked 草稿 while a draft, 未生效 when a party never signed."""
    document = mediation().agreement_document(code, number, current_actor())
    scans = [f for f in services.evidence().gallery(code, current_actor()) if f.purpose == "agreement"]
    page = render_template("mediation/agreement_print.html", doc=document, labels=labels, scans=scans)
    agreement = document.agreement
    mark = _("草稿") if agreement.is_draft else _("未生效") if agreement.never_in_force else None
    title = f"{_('人民调解协议书')} {document.document_no}"
    data = document_pdf(page, title=title, root="//article[contains(@class, 'agreement-document')]", watermark=mark)
    return pdf_response(data, f"agreement-{document.page.case.tracking_code}-{number}.pdf")


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
            page: object = None, **context: object) -> ResponseReturnValue:
    page = page or mediation().mediation_page(view.case.tracking_code, current_actor())
    return render_template(template, view=view, form=form, page=page, labels=labels,
                           messages=messages or [], **context), status


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
    if not form.validate() or not form.receive_files():
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


# -- the agreement: draft → printed draft → signatures → in force ----------------------------------

def _desk(view: TaskView, *, draft: AgreementDraftForm | None = None, signature: SignatureForm | None = None,
          status: int = 200, messages: list[str] | None = None) -> ResponseReturnValue:
    """The agreement task's one page: the draft, where each party's signature stands, and what comes next."""
    page = mediation().mediation_page(view.case.tracking_code, current_actor())
    current = page.draft
    if draft is None:
        data = {"case_version": view.case.version}
        if current is not None:
            data.update(agreement_terms=current.terms, performance_deadline=current.performance_deadline,
                        agreement_note=current.note)
        draft = AgreementDraftForm(data=data)
    return _render("mediation/agreement.html", view, draft, status, messages, page=page, signature=signature,
                   blank=SignatureForm(formdata=None, data={"case_version": view.case.version}),
                   version_form=EmptyVersionForm(formdata=None, data={"case_version": view.case.version}))


@bp.route("/tasks/<int:item_id>/agreement", methods=["GET", "POST"])
@roles("mediator")
def agreement(item_id: int) -> ResponseReturnValue:
    view, refusal = _task(item_id, "mediation_agreement")
    if refusal is not None:
        return refusal
    if request.method == "GET":
        return _desk(view)
    form = AgreementDraftForm()
    if not form.validate():
        return _desk(view, draft=form, status=400)
    try:
        number = mediation().save_agreement_draft(
            item_id, form.agreement_terms.data, current_actor(), performance_deadline=form.performance_deadline.data,
            note=form.agreement_note.data or None, expected_version=form.case_version.data)
    except ValidationError as error:
        return _desk(view, draft=form, status=400,
                     messages=form.add_engine_errors(error.field_errors) or ([] if error.field_errors else [error.message]))
    except ConflictError as error:
        return _desk_conflict(item_id, error)
    flash(_("已保存第 %(num)d 份调解协议草稿。请打印草稿交各方当事人阅读签字，再逐一记录签字情况。", num=number))
    return redirect(url_for("mediation.agreement", item_id=item_id))


def _desk_conflict(item_id: int, error: ConflictError) -> ResponseReturnValue:
    view = services.cases().task(item_id, current_actor())
    if not view.is_open:
        return render_error(409, _("该任务已办理完成或已取消。"))
    message = error.message if isinstance(error, BusyError) else _("案件在您操作期间已被他人更新，请核对最新情况后重试。")
    return _desk(view, status=409, messages=[message])


@bp.route("/tasks/<int:item_id>/agreement/signatures", methods=["POST"])
@roles("mediator")
def agreement_signature(item_id: int) -> ResponseReturnValue:
    view, refusal = _task(item_id, "mediation_agreement")
    if refusal is not None:
        return refusal
    form = SignatureForm()
    if not form.validate():
        return _desk(view, signature=form, status=400)
    scan = request.files.get("scan")
    try:
        sha256 = services.evidence().receive(scan.stream).sha256 if scan and scan.filename else None
        mediation().record_signature(item_id, form.party_id.data, current_actor(), signed=form.outcome.data == "signed",
                                     signed_on=form.signed_on.data, note=form.note.data or None, scan_sha256=sha256,
                                     expected_version=form.case_version.data)
    except StorageUnavailable as outage:
        form.scan.errors = [*form.scan.errors, _(outage.message)]
        return _desk(view, signature=form, status=503)
    except ValidationError as error:  # FileRefused included: the reason goes next to the file field
        return _desk(view, signature=form, status=400, messages=form.add_engine_errors(error.field_errors)
                     or ([] if error.field_errors else [error.message]))
    except ConflictError as error:
        return _desk_conflict(item_id, error)
    flash(_("已记录签字情况。"))
    return redirect(url_for("mediation.agreement", item_id=item_id) + "#signatures")


@bp.route("/tasks/<int:item_id>/agreement/in-force", methods=["POST"])
@roles("mediator")
def agreement_in_force(item_id: int) -> ResponseReturnValue:
    """Every party signed: the agreement takes effect. Otherwise the mediator is asked what to do — never
    decided for them."""
    view, refusal = _task(item_id, "mediation_agreement")
    if refusal is not None:
        return refusal
    form = EmptyVersionForm()
    if not form.validate():
        return render_error(400, _("表单已过期或缺少安全令牌，请刷新页面后重试。"))
    page = mediation().mediation_page(view.case.tracking_code, current_actor())
    if page.draft is None or not page.draft.all_signed or len(page.draft.confirmations) < len(page.parties):
        return render_template("mediation/agreement_choice.html", view=view, page=page, labels=labels), 409
    try:
        mediation().bring_agreement_into_force(item_id, current_actor(), expected_version=form.case_version.data)
    except ValidationError as error:
        return _desk(view, status=400, messages=list(error.field_errors.values()) or [error.message])
    except ConflictError as error:
        return _desk_conflict(item_id, error)
    flash(_("各方当事人均已签字，调解协议已生效（%(code)s）。", code=view.case.tracking_code))
    return redirect(url_for("mediation.detail", code=view.case.tracking_code))


@bp.route("/tasks/<int:item_id>/agreement/no-agreement", methods=["GET", "POST"])
@roles("mediator")
def agreement_failed(item_id: int) -> ResponseReturnValue:
    """The explicit, confirmed decision that the draft will not take effect (调解不成处置 comes next)."""
    view, refusal = _task(item_id, "mediation_agreement")
    if refusal is not None:
        return refusal
    page = mediation().mediation_page(view.case.tracking_code, current_actor())
    form = NoAgreementForm(data={"case_version": view.case.version})
    if page.draft is None:
        return redirect(url_for("mediation.agreement", item_id=item_id))
    if not form.validate_on_submit():
        return render_template("mediation/agreement_failed.html", view=view, page=page, form=form, labels=labels,
                               messages=[]), 400 if form.is_submitted() else 200
    try:
        mediation().record_no_agreement(item_id, form.reason.data, current_actor(),
                                        expected_version=form.case_version.data)
    except ValidationError as error:
        messages = form.add_engine_errors(error.field_errors) or ([] if error.field_errors else [error.message])
        return render_template("mediation/agreement_failed.html", view=view, page=page, form=form, labels=labels,
                               messages=messages), 400
    except ConflictError as error:
        return _desk_conflict(item_id, error)
    flash(_("已记录：调解协议未生效，案件转入“调解不成处置”（%(code)s）。", code=view.case.tracking_code))
    return redirect(url_for("mediation.detail", code=view.case.tracking_code))
