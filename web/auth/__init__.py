"""Logging in and out, the language switch, and who the current user is."""
from __future__ import annotations

from flask import Flask

from web.auth.blueprint import bp
from web.auth.user import load_user
from web.extensions import login_manager


def init_app(app: Flask) -> None:
    login_manager.user_loader(load_user)
    login_manager.login_view = "auth.login"
    app.register_blueprint(bp)
