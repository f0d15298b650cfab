"""Assessments: the stored runs of the weekly dispatch, monthly analysis and quarterly KPIs, with charts and exports.

Supervisors, auditors and the council read them; supervisors and auditors also start a run from
the UI (web/assessments/launch.py: a thread here, or a Prefect flow run when a server is configured).
Scheduled runs come from the Prefect flows (``workflows/``), one-off ones from ``casegrid assess``.
"""
from __future__ import annotations

from flask import Flask

from engine.assessments import AssessmentService
from web.assessments import helpers, views  # noqa: F401  (they register on the blueprint)
from web.assessments.blueprint import bp
from web.assessments.launch import launcher_for


def init_app(app: Flask) -> None:
    cases = app.extensions["casegrid.cases"]
    service = AssessmentService(cases.db, cases.clock)
    app.extensions["casegrid.assessments"] = service
    app.extensions["casegrid.assessment_launcher"] = launcher_for(service, app.config.get("PREFECT_API_URL"))
    app.register_blueprint(bp)
