"""Resident pages (no login): report an issue, track it by code, rate the result."""
from __future__ import annotations

from flask import Flask

from web.public.blueprint import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
