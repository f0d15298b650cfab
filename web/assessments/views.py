"""Assessment pages: the list of runs, one run's figures with charts, and its CSV / XLSX downloads."""
from __future__ import annotations

import io

from flask import current_app, render_template, request, send_file
from flask.typing import ResponseReturnValue

from engine.assessments import AssessmentService
from engine.assessments.export import file_stem, to_csv, to_xlsx
from engine.assessments.periods import KINDS
from web.access import roles
from web.assessments import charts
from web.assessments.blueprint import bp

#: Who reads assessments: the street office (supervisor), third-party evaluators (auditor), the council.
READERS = ("supervisor", "auditor", "council")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _service() -> AssessmentService:
    return current_app.extensions["casegrid.assessments"]


@bp.route("/")
@roles(*READERS)
def index() -> ResponseReturnValue:
    kind = request.args.get("kind")
    kind = kind if kind in KINDS else None
    runs = _service().runs(kind, limit=200)
    return render_template("assessments/index.html", runs=runs, kind=kind, kinds=KINDS)


@bp.route("/<int:run_id>")
@roles(*READERS)
def run(run_id: int) -> ResponseReturnValue:
    service = _service()
    report = service.report(run_id)
    history = service.history(report.run.kind) if report.run.kind == "quarterly" else {}
    return render_template(f"assessments/{report.run.kind}.html", report=report, units=report.units(),
                           chart_data=charts.chart_data(report, history))


@bp.route("/<int:run_id>.csv")
@roles(*READERS)
def download_csv(run_id: int) -> ResponseReturnValue:
    report = _service().report(run_id)
    return send_file(io.BytesIO(to_csv(report)), mimetype="text/csv; charset=utf-8", as_attachment=True,
                     download_name=f"{file_stem(report)}.csv")


@bp.route("/<int:run_id>.xlsx")
@roles(*READERS)
def download_xlsx(run_id: int) -> ResponseReturnValue:
    report = _service().report(run_id)
    return send_file(io.BytesIO(to_xlsx(report)), mimetype=XLSX, as_attachment=True,
                     download_name=f"{file_stem(report)}.xlsx")
