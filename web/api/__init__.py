"""The JSON API for the same operations as the UI, described by an OpenAPI document (``/api/openapi.json``)."""
from __future__ import annotations

from flask import Flask

from engine.people.tokens import TokenService
from web.api import openapi, views  # noqa: F401  (they register their views on bp)
from web.api.blueprint import bp


def init_app(app: Flask) -> None:
    cases = app.extensions["casegrid.cases"]
    app.extensions["casegrid.tokens"] = TokenService(cases.db, cases.clock)
    app.register_blueprint(bp)
