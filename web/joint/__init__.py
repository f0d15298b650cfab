"""Joint meetings (联席会议) for staff: committees and their member units, sittings with attendance and
resolutions, the chair's approval of the minutes, and resolutions marked carried out."""
from __future__ import annotations

from flask import Flask

from engine.joint.service import JointService
from web.joint import views  # registers the routes on the blueprint
from web.joint.blueprint import bp

__all__ = ["init_app", "views"]


def init_app(app: Flask) -> None:
    cases = app.extensions["casegrid.cases"]
    app.extensions["casegrid.joint"] = JointService(cases.db, cases.clock)
    app.register_blueprint(bp)
