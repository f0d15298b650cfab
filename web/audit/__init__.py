"""Auditors replay case histories, check the record's integrity and export signed histories.

Also the data-use log (数据使用备案): unmasking a sensitive field needs a reason and is
logged, exports are logged, and auditors read the log.
"""
from __future__ import annotations

from pathlib import Path

from flask import Flask

from engine.audit.keys import LazyKey, configured_key
from engine.audit.service import AuditService
from web.audit import views  # noqa: F401  (registers the routes on the blueprint)
from web.audit.blueprint import bp


def init_app(app: Flask) -> None:
    cases = app.extensions["casegrid.cases"]
    # CASEGRID_AUDIT_KEY arrives as AUDIT_KEY (from_prefixed_env); otherwise a key file in the instance folder.
    text, instance = app.config.get("AUDIT_KEY"), Path(app.config["INSTANCE"])
    key = LazyKey(lambda: configured_key(str(text) if text else None, instance))
    app.extensions["casegrid.audit"] = AuditService(cases.db, cases.clock, key)
    app.register_blueprint(bp)
