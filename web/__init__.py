"""casegrid's web UI: server-rendered Flask, Chinese first. Build it only through :func:`create_app`."""
from __future__ import annotations

from typing import Any

from flask import Flask

from engine import CaseService, Clock, Database, SystemClock
from engine.bootstrap import init_database
from engine.service import PeopleService
from web import (
    admin,
    api,
    assessments,
    audit,
    auth,
    cases,
    converters,
    council,
    errors,
    i18n,
    inbox,
    input_guard,
    mediation,
    navigation,
    open311,
    processes,
    proxy,
    public,
    security_headers,
)
from web.config import defaults
from web.extensions import babel, csrf, limiter, login_manager


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """The WSGI app. ``test_config`` may carry ``DATABASE_URL``, a ready ``DATABASE`` and a ``CLOCK``."""
    app = Flask(__name__)
    app.config.from_mapping(defaults())
    app.config.from_prefixed_env("CASEGRID")
    if test_config:
        app.config.from_mapping(test_config)

    db: Database = app.config.get("DATABASE") or init_database(app.config["DATABASE_URL"])[0]
    clock: Clock = app.config.get("CLOCK") or SystemClock()
    app.extensions["casegrid.cases"] = CaseService(db, clock)
    app.extensions["casegrid.people"] = PeopleService(db, clock, auth.lockout_policy(app.config))

    converters.init_app(app)
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale,
                   default_translation_directories=i18n.init_app(app))

    errors.init_app(app)
    input_guard.init_app(app)
    security_headers.init_app(app)
    proxy.init_app(app)
    navigation.init_app(app)
    for part in (auth, inbox, cases, public, admin, api, open311, assessments, processes, audit, mediation,
                 council):
        part.init_app(app)
    return app
