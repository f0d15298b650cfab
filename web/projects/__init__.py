"""Governance projects for staff: the list, a project's page, the 申报 form and the operator registry."""
from __future__ import annotations

from flask import Flask

from engine.projects.service import ProjectService
from web.projects import views  # registers the routes on the blueprint
from web.projects.blueprint import bp

__all__ = ["init_app", "views"]


def init_app(app: Flask) -> None:
    cases = app.extensions["casegrid.cases"]
    app.extensions["casegrid.projects"] = ProjectService(cases.db, cases.clock, cases.hooks)
    app.register_blueprint(bp)
