"""The JSON API for the same operations, described by an OpenAPI document."""
from __future__ import annotations

from flask import Flask

from web.api.blueprint import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
