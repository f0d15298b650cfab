"""The Flask application: configuration, the engine's services, every part's blueprint (``web.create_app`` builds it)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from engine import CaseService, Clock, Database, SystemClock
from engine.bootstrap import init_database
from engine.evidence.service import EvidenceService
from engine.evidence.stores import open_store
from engine.notify.service import NotificationService
from engine import PeopleService
from web import (
    admin,
    api,
    assessments,
    audit,
    auth,
    cases,
    converters,
    council,
    dispatch,
    errors,
    field,
    hotline,
    i18n,
    inbox,
    input_guard,
    joint,
    mediation,
    navigation,
    notify,
    open311,
    ops,
    processes,
    projects,
    proxy,
    public,
    rectification,
    replica,
    routing,
    security_headers,
    sso,
    throttles,
    uploads,
    wording,
)
from web.config import defaults
from web.sweeping import start_sweeper
from web.extensions import babel, csrf, limiter, login_manager


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """The WSGI app. ``test_config`` may carry ``DATABASE_URL``, a ready ``DATABASE`` and a ``CLOCK``."""
    app = Flask("web")  # the package's name: its templates, static files and translations
    app.config.from_mapping(defaults())
    app.config.from_prefixed_env("CASEGRID")
    if test_config:
        app.config.from_mapping(test_config)

    db: Database = app.config.get("DATABASE") or init_database(app.config["DATABASE_URL"])[0]
    clock: Clock = app.config.get("CLOCK") or SystemClock()
    app.extensions["casegrid.cases"] = CaseService(db, clock,
                                                   max_files_per_case=int(app.config["EVIDENCE_MAX_PER_CASE"]))
    app.extensions["casegrid.people"] = PeopleService(db, clock, auth.lockout_policy(app.config))
    app.extensions["casegrid.notify"] = NotificationService(db, clock)
    # $CASEGRID_EVIDENCE_URL / _ROOT arrive as EVIDENCE_URL / EVIDENCE_ROOT through from_prefixed_env.
    evidence = (app.config.get("EVIDENCE_URL") or app.config.get("EVIDENCE_ROOT")
                or Path(app.config["INSTANCE"]) / "evidence")
    app.extensions["casegrid.evidence"] = EvidenceService(
        db, open_store(evidence, incoming=Path(app.config["INSTANCE"]) / "evidence-incoming"), clock,
        int(app.config["EVIDENCE_MAX_FILE_BYTES"]))

    converters.init_app(app)
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale,
                   default_translation_directories=i18n.init_app(app))

    errors.init_app(app)
    input_guard.init_app(app)
    uploads.init_app(app)
    security_headers.init_app(app)
    proxy.init_app(app)
    navigation.init_app(app)
    wording.init_app(app)
    for part in (auth, inbox, cases, public, admin, api, open311, assessments, processes, audit, mediation,
                 council, ops, notify, routing, dispatch, projects, joint, field, hotline, rectification, sso):
        part.init_app(app)
    replica.init_app(app)  # after assessments: the reading services wrap the ones the parts made
    throttles.init_app(app)
    if app.config.get("SWEEP_IN_BACKGROUND"):  # gunicorn: CASEGRID_SWEEP_IN_BACKGROUND=true (see sweeping.py)
        start_sweeper(app)
    return app
