"""问题清单-责任清单-整改清单 for staff: the lists with overdue items flagged, listing the problems an evaluation,
a joint meeting or an assessment found, reporting a rectification with its evidence, and verifying it."""
from __future__ import annotations

from flask import Flask

from engine.rectification.service import RectificationService
from web.rectification import views  # registers the routes on the blueprint
from web.rectification.blueprint import bp

__all__ = ["init_app", "views"]


def init_app(app: Flask) -> None:
    cases = app.extensions["casegrid.cases"]
    app.extensions["casegrid.rectification"] = RectificationService(cases.db, cases.clock)
    app.register_blueprint(bp)
