"""The audit workspace: case search, replay, integrity checks, checkpoints, exports, unmasking and the access log.

Each view loads through the engine's :class:`~engine.audit.service.AuditService` (which checks
access again) and renders; nothing here reads the database.
"""
from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine.audit.service import AuditService
from engine.errors import ValidationError
from web import services
from web.access import current_actor, roles
from web.audit.blueprint import bp
from web.audit.forms import AccessLogForm, AuditSearchForm, ReasonForm
from web.cases import labels
from web.cases.timeline import describe

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
    return {"reporter_name": _("反映人姓名"), "reporter_phone": _("反映人电话"), "bundle": _("完整签名记录")}


def _reason_errors(form: ReasonForm, error: ValidationError) -> None:
    # The engine's fixed wording has an English translation in this blueprint's catalogue.
    form.reason.errors = [*form.reason.errors, _(error.field_errors.get("reason", error.message))]


@bp.route("")
@roles(*AUDITORS)
def index() -> ResponseReturnValue:
    form = _search_form()
    if not form.validate():
        return render_template("audit/index.html", form=form, results=None, labels=labels,
                               grids=services.people().grids(), latest=audit().latest_checkpoint(),
                               counts=audit().counts()), 400
    results = audit().search(current_actor(), form.filters(), page=form.page_number,
                             page_size=current_app.config["INBOX_PAGE_SIZE"])
    return render_template("audit/index.html", form=form, results=results, labels=labels,
                           grids=services.people().grids(), latest=audit().latest_checkpoint(),
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
        flash(_("已签名检查点 #%(id)d：%(changed)d 个案件的链头（共 %(cases)d 件案件、%(events)d 个事件）。",
                id=result.checkpoint.id, changed=result.checkpoint.changed, cases=result.checkpoint.cases,
                events=result.checkpoint.events), "success")
    else:
        flash(_("自检查点 #%(id)d 以来没有新的事件，无需重新签名。", id=result.checkpoint.id), "info")
    return redirect(url_for("audit.index"))


@bp.route("/access-log")
@roles(*AUDITORS)
def access_log() -> ResponseReturnValue:
    form = AccessLogForm(formdata=request.args)
    if not form.validate():
        return render_template("audit/access_log.html", form=form, log=None, field_labels=_field_labels()), 400
    log = audit().access_log(current_actor(), username=form.username.data, tracking_code=form.code.data,
                             kind=form.kind.data or None, page=form.page_number)
    return render_template("audit/access_log.html", form=form, log=log, field_labels=_field_labels())


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


@bp.route("/cases/<code>/unmask", methods=["GET", "POST"])
@roles(*UNMASKERS)
def unmask(code: str) -> ResponseReturnValue:
    audit().check_may_unmask(code, current_actor())
    page = services.cases().case_page(code, current_actor())
    form = ReasonForm()
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("audit/unmask.html", form=form, page=page, shown=None), status
    try:
        shown = audit().unmask_reporter(code, current_actor(), form.reason.data)
    except ValidationError as error:
        _reason_errors(form, error)
        return render_template("audit/unmask.html", form=form, page=page, shown=None), 400
    response = current_app.make_response(render_template("audit/unmask.html", form=form, page=page, shown=shown))
    response.headers["Cache-Control"] = "no-store"
    return response
