"""Auditors replay case histories, check the record's integrity and export signed histories.

Also the data-use log (数据使用备案): unmasking a sensitive field needs a reason and is
logged, exports are logged, and auditors read the log.
"""
from __future__ import annotations

from flask import Flask

from engine.audit.keys import LazyKey, environment_key, environment_ring
from engine.audit.service import AuditService
from web.audit import views  # noqa: F401  (registers the routes on the blueprint)
from web.audit.blueprint import bp


def init_app(app: Flask) -> None:
    cases = app.extensions["casegrid.cases"]
    # The signing key and public ring from the environment ($CASEGRID_AUDIT_SIGNING_KEY, the default path
    # outside the instance, $CASEGRID_AUDIT_PUBLIC_KEYS): never a key file in the instance folder.
    app.extensions["casegrid.audit"] = AuditService(cases.db, cases.clock, LazyKey(environment_key), environment_ring,
                                                    evidence_store=app.extensions["casegrid.evidence"].store)
    app.register_blueprint(bp)
