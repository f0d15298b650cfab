"""Operations (运行监控) for supervisors and admins: the SLA sweep's state and the incidents it raised."""
from __future__ import annotations

from flask import Flask

from engine.incidents import IncidentService
from engine.sweep.service import SweepService
from web.ops import views  # noqa: F401  (the routes register on the blueprint)
from web.ops.blueprint import bp


def init_app(app: Flask) -> None:
    cases = app.extensions["casegrid.cases"]
    app.extensions["casegrid.incidents"] = IncidentService(cases.db, cases.clock, cases.hooks)
    app.extensions["casegrid.sweep"] = SweepService(cases.db, cases.clock)
    app.register_blueprint(bp)
