"""The audit workspace: case search, replay, integrity checks, checkpoints, exports, unmasking and the access log.

Each view loads through the engine's :class:`~engine.audit.service.AuditService` (which checks
access again) and renders; nothing here reads the database.
"""
from __future__ import annotations

import io

from flask import Response, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine.audit.access_log_query import KIND_LABELS
from engine.audit.service import AuditService
from engine.errors import ValidationError
from web import services
from web.access import current_actor, roles
from web.audit.blueprint import bp
from web.audit.forms import AccessLogForm, AuditSearchForm, DecisionForm, ReasonForm, UnmaskForm
from web.cases import labels
from web.cases.timeline import describe
from web.pdf import document_pdf, pdf_response
from web.wording import names_in_words

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: The audit workspace: auditors, and supervisors who may look over their shoulder.
AUDITORS = ("auditor", "supervisor")
#: Who may ask to see sensitive fields unmasked (the engine narrows grid workers to their own grid).
UNMASKERS = ("supervisor", "grid_worker")


def audit() -> AuditService:
    return current_app.extensions["casegrid.audit"]


def _search_form() -> AuditSearchForm:
    people = services.people()
    return AuditSearchForm(formdata=request.args, categories=people.categories(), grids=people.grids(),
                           departments=people.departments(), outcomes=audit().outcomes())


def _field_labels() -> dict[str, str]:
    """Words for what an access-log entry says was shown."""
    return {"reporter_name": _("反映人姓名"), "reporter_phone": _("反映人电话"), "bundle": _("完整签名记录"),
            "party_phone": _("当事人电话"), "party_address": _("当事人住址")}


def _reason_errors(form: ReasonForm, error: ValidationError) -> None:
    # The engine's fixed wording has an English translation in this blueprint's catalogue.
    form.reason.errors = [*form.reason.errors, _(error.field_errors.get("reason", error.message))]


@bp.route("")
@roles(*AUDITORS)
def index() -> ResponseReturnValue:
    form = _search_form()
    if not form.validate():
        return render_template("audit/index.html", form=form, results=None, labels=labels,
                               grids=names_in_words(services.people().grids()), latest=audit().latest_checkpoint(),
                               counts=audit().counts()), 400
    results = audit().search(current_actor(), form.filters(), page=form.page_number,
                             page_size=current_app.config["INBOX_PAGE_SIZE"])
    return render_template("audit/index.html", form=form, results=results, labels=labels,
                           grids=names_in_words(services.people().grids()), latest=audit().latest_checkpoint(),
                           counts=audit().counts())


@bp.route("/cases/<code>")
@roles(*AUDITORS)
def replay(code: str) -> ResponseReturnValue:
    wanted = request.args.get("seq")
    if wanted is not None and not wanted.isdigit():
        abort(400)
    history = audit().replay(code, current_actor())
    if wanted is not None and int(wanted) not in {s.seq for s in history.steps}:
        abort(404)
    step = history.step(int(wanted) if wanted else None)
    return render_template("audit/replay.html", replay=history, current=step, labels=labels, describe=describe,
                           form=ReasonForm())


@bp.route("/cases/<code>/summary.pdf")
@roles(*AUDITORS)
def summary_pdf(code: str) -> ResponseReturnValue:
    """The case's audit summary as a PDF: its facts and every event of its history in words, with the
    fingerprint of the state each left (free text masked as on the replay page)."""
    history = audit().replay(code, current_actor())
    page = render_template("audit/summary.html", replay=history, labels=labels, describe=describe)
    data = document_pdf(page, title=f"{_('审计摘要')} {history.case.tracking_code}", root="//main")
    return pdf_response(data, f"audit-summary-{history.case.tracking_code}.pdf")


@bp.route("/cases/<code>/verify", methods=["POST"])
@roles(*AUDITORS)
def verify_case(code: str) -> ResponseReturnValue:
    report = audit().verify_case(code, current_actor())
    return render_template("audit/integrity.html", report=report, code=code.strip().upper())


@bp.route("/verify", methods=["POST"])
@roles(*AUDITORS)
def verify_all() -> ResponseReturnValue:
    report = audit().verify_all(current_actor())
    return render_template("audit/integrity.html", report=report, code=None)


@bp.route("/checkpoints", methods=["POST"])
@roles(*AUDITORS)
def checkpoint() -> ResponseReturnValue:
    result = audit().checkpoint(by=current_actor().username)
    if result.created:
        flash(_("已签名检查点 #%(id)d：Merkle 日志的树头，共 %(events)d 个叶子（新增 %(changed)d 个）。",
                id=result.checkpoint.id, changed=result.checkpoint.changed, events=result.checkpoint.events),
              "success")
    else:
        flash(_("自检查点 #%(id)d 以来没有新的事件，无需重新签名。", id=result.checkpoint.id), "info")
    return redirect(url_for("audit.index"))


def _access_log_page(form: AccessLogForm, status: int, log: object = None) -> ResponseReturnValue:
    return render_template("audit/access_log.html", form=form, log=log, field_labels=_field_labels(),
                           kind_labels=KIND_LABELS), status


@bp.route("/access-log")
@roles(*AUDITORS)
def access_log() -> ResponseReturnValue:
    form = AccessLogForm(formdata=request.args)
    if not form.validate():
        return _access_log_page(form, 400)
    log = audit().access_log(current_actor(), form.filters(), page=form.page_number)
    return _access_log_page(form, 200, log)


@bp.route("/access-log.<any(csv,xlsx):fmt>")
@roles(*AUDITORS)
def access_log_export(fmt: str) -> ResponseReturnValue:
    """The entries the filter selects (every page of them) as a spreadsheet."""
    form = AccessLogForm(formdata=request.args)
    if not form.validate():
        return _access_log_page(form, 400)
    try:
        name, data = audit().access_log_export(current_actor(), form.filters(), fmt)
    except ValidationError as error:
        for key, message in error.field_errors.items():
            target = form[key] if key in form else form.date_from
            target.errors = [*target.errors, _(message)]
        return _access_log_page(form, 400)
    mimetype = "text/csv; charset=utf-8" if fmt == "csv" else XLSX
    return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name)


@bp.route("/cases/<code>/export", methods=["GET", "POST"])
@roles(*AUDITORS)
def export(code: str) -> ResponseReturnValue:
    tracking_code = audit().check_may_export(code, current_actor())
    form = ReasonForm()
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("audit/export.html", form=form, code=tracking_code), status
    bundle = audit().export(code, current_actor(), form.reason.data)
    return Response(bundle.data, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="{bundle.filename}"',
        "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


@bp.route("/core-requests")
@roles("supervisor")
def core_requests() -> ResponseReturnValue:
    """The supervisor (社区书记) approves or refuses requests to see core data (health, family, income)."""
    return _core_requests_page(DecisionForm())


def _core_requests_page(form: DecisionForm, status: int = 200, failed: int | None = None) -> ResponseReturnValue:
    waiting, decided = audit().core_requests(current_actor())
    return render_template("audit/core_requests.html", waiting=waiting, decided=decided, form=form,
                           failed=failed), status


@bp.route("/core-requests/<int:request_id>", methods=["POST"])
@roles("supervisor")
def decide_core_request(request_id: int) -> ResponseReturnValue:
    form = DecisionForm()
    if not form.validate_on_submit():
        return _core_requests_page(form, 400, request_id)
    try:
        audit().decide_core_request(request_id, current_actor(), approve=form.decision.data == "approve",
                                    note=form.note.data)
    except ValidationError as error:
        for name, message in error.field_errors.items():
            form[name].errors = [*form[name].errors, _(message)]
        return _core_requests_page(form, 400, request_id)
    flash(_("已批准查看申请") if form.decision.data == "approve" else _("已不批准查看申请"))
    return redirect(url_for("audit.core_requests"))


@bp.route("/cases/<code>/unmask", methods=["GET", "POST"])
@roles(*UNMASKERS)
def unmask(code: str) -> ResponseReturnValue:
    audit().check_may_unmask(code, current_actor())
    page = services.cases().case_page(code, current_actor())
    form = UnmaskForm()
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("audit/unmask.html", form=form, page=page, shown=None), status
    try:
        shown = audit().unmask_reporter(code, current_actor(), form.purpose.data or "", form.detail.data or "")
    except ValidationError as error:
        for name, message in error.field_errors.items():
            form[name].errors = [*form[name].errors, _(message)]
        return render_template("audit/unmask.html", form=form, page=page, shown=None), 400
    response = current_app.make_response(render_template("audit/unmask.html", form=form, page=page, shown=shown))
    response.headers["Cache-Control"] = "no-store"
    return response
