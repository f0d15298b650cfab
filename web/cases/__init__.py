"""Case pages: summary, parties, current work, timeline and the diagram with the path taken."""
from __future__ import annotations

from flask import Flask

from web.cases import start, views  # noqa: F401  (registers the routes on the blueprint)
from web.cases.blueprint import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
