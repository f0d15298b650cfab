"""Supervisors edit, validate, publish, compare and migrate process diagrams."""
from __future__ import annotations

from flask import Flask

from engine.specs.service import ProcessService
from web.processes import create, editor, migration, versions  # noqa: F401  (they register their views on bp)
from web.processes.blueprint import bp


def init_app(app: Flask) -> None:
    cases = app.extensions["casegrid.cases"]
    app.extensions["casegrid.processes"] = ProcessService(cases.db, cases.clock, cases.hooks)
    app.register_blueprint(bp)
