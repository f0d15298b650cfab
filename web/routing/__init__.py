"""Supervisors edit, check and publish the routing table (权责清单); auditors read any version of it."""
from __future__ import annotations

from flask import Flask

from engine.routing.service import RoutingTableService
from web.routing import editor, versions  # noqa: F401  (they register their views on bp)
from web.routing.blueprint import bp


def init_app(app: Flask) -> None:
    cases = app.extensions["casegrid.cases"]
    app.extensions["casegrid.routing"] = RoutingTableService(cases.db, cases.clock)
    app.register_blueprint(bp)
