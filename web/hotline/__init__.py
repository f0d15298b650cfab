"""12345 work orders (热线工单) for the street's supervisors: the list by state and deadline, one order with its
callbacks to the platform and their delivery, and sending a failed callback again (engine/hotline/board.py)."""
from __future__ import annotations

from flask import Flask

from engine.hotline import HotlineBoard
from web.hotline import views  # noqa: F401  (the routes register on the blueprint)
from web.hotline.blueprint import bp


def init_app(app: Flask) -> None:
    cases = app.extensions["casegrid.cases"]
    app.extensions["casegrid.hotline_board"] = HotlineBoard(cases.db, cases.clock)
    app.register_blueprint(bp)
