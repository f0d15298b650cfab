"""Inboxes and task forms: my tasks, my team's unclaimed tasks, claim/release, complete."""
from __future__ import annotations

from flask import Flask

from web.inbox import views  # noqa: F401  (registers the routes on the blueprint)
from web.inbox.blueprint import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
