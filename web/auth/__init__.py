"""Logging in and out, the language switch, and who the current user is."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from flask import Flask

from engine.people.lockout import LockoutPolicy
from web.auth.blueprint import bp
from web.auth.user import load_user
from web.extensions import login_manager


def init_app(app: Flask) -> None:
    login_manager.user_loader(load_user)
    login_manager.login_view = "auth.login"
    # A session cookie replayed from another address or browser is dropped, not honoured.
    login_manager.session_protection = "strong"
    app.register_blueprint(bp)


def lockout_policy(config: Mapping[str, Any]) -> LockoutPolicy:
    """The login lockout of ``LOGIN_MAX_FAILURES`` failures within ``LOGIN_FAILURE_WINDOW_MINUTES``."""
    return LockoutPolicy(max_failures=int(config["LOGIN_MAX_FAILURES"]),
                         window=timedelta(minutes=float(config["LOGIN_FAILURE_WINDOW_MINUTES"])),
                         lock_for=timedelta(minutes=float(config["LOGIN_LOCK_MINUTES"])))
