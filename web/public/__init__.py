"""Resident pages (no login): report an issue, track it by code, rate the result through the private link."""
from __future__ import annotations

from flask import Flask

from engine.public import PublicService
from web.public import board, mine, photos, report, track  # noqa: F401  (importing them adds their routes to ``bp``)
from web.public.blueprint import bp


def init_app(app: Flask) -> None:
    cases = app.extensions["casegrid.cases"]
    app.extensions["casegrid.public"] = PublicService(cases.db, cases.clock)
    app.register_blueprint(bp)
