"""Assessment pages: the list of runs, one run's figures with charts, and its CSV / XLSX downloads."""
from __future__ import annotations

import io

from flask import current_app, flash, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine.assessments import AssessmentService
from engine.assessments.service import APPRAISED, NOT_STARTED
from engine.assessments.export import file_stem, to_csv, to_xlsx
from engine.assessments.formatting import KIND_LABELS
from engine.assessments.periods import EXAMPLES, KINDS
from engine.errors import NotFound, ValidationError
from web.access import current_actor, roles
from web.assessments import charts
from web.assessments.blueprint import bp
from web.assessments.forms import RunForm
from web.pdf import document_pdf, pdf_response
from web.replica import assessments_for_reading
from web.rectification.views import RAISERS as RECTIFICATION_RAISERS

#: Who reads assessments: the street office (supervisor), third-party evaluators (auditor), the council.
READERS = ("supervisor", "auditor", "council")
#: Who may start a run: the street office and the third-party evaluators (the council reads them).
RUNNERS = ("supervisor", "auditor")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _service() -> AssessmentService:
    return current_app.extensions["casegrid.assessments"]


def _reads() -> AssessmentService:
    """The service for pages that only show stored runs: reads a replica when one is configured."""
    return assessments_for_reading()


@bp.route("/")
@roles(*READERS)
def index() -> ResponseReturnValue:
    kind = request.args.get("kind")
    kind = kind if kind in KINDS else None
    runs = _reads().runs(kind, limit=200)
    # The latest monthly 红黑榜 heads the list (the monthly run holds it).
    monthly = _reads().runs("monthly", limit=1) if kind in (None, "monthly") else []
    board = _reads().report(monthly[0].id) if monthly else None
    return render_template("assessments/index.html", runs=runs, kind=kind, kinds=KINDS, board=board)


@bp.route("/<int:run_id>")
@roles(*READERS)
def run(run_id: int) -> ResponseReturnValue:
    service = _reads()
    report = service.report(run_id)
    history = service.history(report.run.kind) if report.run.kind in APPRAISED else {}
    # A year and three years show like a quarter (the same indicators and the weighted appraisal).
    page = "quarterly" if report.run.kind in APPRAISED else report.run.kind
    return render_template(f"assessments/{page}.html", report=report, units=report.units(),
                           chart_data=charts.chart_data(report, history),
                           may_raise=current_actor().role in RECTIFICATION_RAISERS)


@bp.route("/<int:run_id>/report")
@roles(*READERS)
def print_report(run_id: int) -> ResponseReturnValue:
    """The quarterly report for the assessment meeting, laid out for printing (and the browser's PDF)."""
    report = _reads().report(run_id)
    if report.run.kind != "quarterly":
        raise NotFound(_("只有季评估有会议报告"))
    return render_template("assessments/report.html", report=report, units=report.units())


@bp.route("/<int:run_id>/report.pdf")
@roles(*READERS)
def report_pdf(run_id: int) -> ResponseReturnValue:
    """The quarterly meeting report as a PDF (A4 landscape), from the print page."""
    report = _reads().report(run_id)
    if report.run.kind != "quarterly":
        raise NotFound(_("只有季评估有会议报告"))
    page = render_template("assessments/report.html", report=report, units=report.units())
    data = document_pdf(page, title=f"{_('季度考核评估报告')} {report.run.period}", root="//main", wide=True)
    return pdf_response(data, f"{file_stem(report)}-report.pdf")


@bp.route("/<int:run_id>.csv")
@roles(*READERS)
def download_csv(run_id: int) -> ResponseReturnValue:
    report = _reads().report(run_id)
    return send_file(io.BytesIO(to_csv(report)), mimetype="text/csv; charset=utf-8", as_attachment=True,
                     download_name=f"{file_stem(report)}.csv")


@bp.route("/<int:run_id>.xlsx")
@roles(*READERS)
def download_xlsx(run_id: int) -> ResponseReturnValue:
    report = _reads().report(run_id)
    return send_file(io.BytesIO(to_xlsx(report)), mimetype=XLSX, as_attachment=True,
                     download_name=f"{file_stem(report)}.xlsx")


# -- runs started from the UI ---------------------------------------------------------------------

def _run_page(form: RunForm, status: int = 200) -> ResponseReturnValue:
    service = _service()
    defaults = {k: service.default_period(k).label for k in KINDS}
    return render_template("assessments/start.html", form=form, defaults=defaults,
                           requests=service.recent_requests(10)), status


def _period_problem(error: ValidationError, kind: str) -> str:
    """The engine's check in the page's words (its own text names the kind by its code)."""
    if error.field_errors.get("period") == NOT_STARTED:
        return _(NOT_STARTED)
    return _("评估期写法有误：%(kind)s应写作 %(example)s。", kind=_(KIND_LABELS[kind]), example=EXAMPLES[kind])


@bp.route("/run", methods=["GET", "POST"])
@roles(*RUNNERS)
def start() -> ResponseReturnValue:
    form = RunForm()
    if not form.validate_on_submit():
        return _run_page(form, 400 if request.method == "POST" else 200)
    launcher = current_app.extensions["casegrid.assessment_launcher"]
    try:
        queued = _service().request(form.kind.data, (form.period.data or "").strip() or None,
                                    by=current_actor().username, runner=launcher.runner)
    except ValidationError as error:
        form.period.errors = [*form.period.errors, _period_problem(error, form.kind.data)]
        return _run_page(form, 400)
    try:
        launcher.start(queued.id)
    except Exception as exc:  # noqa: BLE001 — the Prefect server may be down: say so, keep serving
        current_app.logger.warning("assessment request %s could not start: %s", queued.id, exc)
        _service().fail_request(queued.id, "无法交给定时任务服务器运行")
        flash(_("无法交给定时任务服务器运行，请稍后重试或联系管理员。"), "error")
    return redirect(url_for("assessments.progress", request_id=queued.id))


@bp.route("/requests/<int:request_id>")
@roles(*RUNNERS)
def progress(request_id: int) -> ResponseReturnValue:
    return render_template("assessments/progress.html", job=_service().request_status(request_id))
