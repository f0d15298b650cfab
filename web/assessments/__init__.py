"""Assessments: the stored runs of the weekly dispatch, monthly analysis and quarterly KPIs, with charts and exports.

Read-only for supervisors, auditors and the council; the runs themselves come from
``casegrid assess`` or the Prefect flows (``workflows/``).
"""
from __future__ import annotations

from flask import Flask

from engine.assessments import AssessmentService
from web.assessments import helpers, views  # noqa: F401  (they register on the blueprint)
from web.assessments.blueprint import bp


def init_app(app: Flask) -> None:
    cases = app.extensions["casegrid.cases"]
    app.extensions["casegrid.assessments"] = AssessmentService(cases.db, cases.clock)
    app.register_blueprint(bp)
