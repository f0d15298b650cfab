"""The grid worker in the field: due visits, the visit log (民情日志), households' flags, 恳谈会 and plans."""
from __future__ import annotations

from flask import Flask

from engine.field.service import FieldService
from web.field import offline_views, views, volunteer_views  # register the routes on the blueprint
from web.field.blueprint import bp

__all__ = ["init_app", "offline_views", "views", "volunteer_views"]


def init_app(app: Flask) -> None:
    cases = app.extensions["casegrid.cases"]
    app.extensions["casegrid.field"] = FieldService(cases.db, cases.clock, cases.hooks, cases.max_files_per_case)
    app.register_blueprint(bp)
