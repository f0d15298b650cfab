"""Read-replica routing: the inbox, case search and assessment pages may read a PostgreSQL replica.

``CASEGRID_READ_REPLICA_URL`` (config ``READ_REPLICA_URL``) names a replica of ``DATABASE_URL``. When it is set,
the services these pages use (:func:`cases_for_reading`, :func:`assessments_for_reading`) hold a handle of the
database whose reads go to the replica (:meth:`engine.db.Database.with_replica`); every other service, and
every write anywhere, stays on the primary.

A replica lags, so it is read only when a little lag cannot mislead:

- only in GET/HEAD requests: a POST's own reads (the item it claims, the case it completes) are the primary's,
  so a stale replica never makes a write path act on old rows;
- not just after a write by the same browser (read-your-writes): a write request stamps the signed session
  with ``REPLICA_STICKY_SECONDS`` (default 10) of primary reads, so the page a POST redirects to, and the next
  few, show what was just done. A replica further behind than that shows older lists until it catches up;
  the primary still decides every action taken from them;
- never outside a request (background sweeps, the assessment launcher's thread): those read the primary.

The stamp lives in the session cookie, which is signed and shared by every worker (no server-side store).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import Flask, current_app, has_request_context, request, session
from flask.typing import ResponseReturnValue

from engine import CaseService
from engine.assessments import AssessmentService

#: Session key: until when (UTC timestamp) this browser reads the primary after its last write.
STICKY_KEY = "primary_until"
#: Methods that write; after one, reads stay on the primary for ``REPLICA_STICKY_SECONDS``.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: ``app.extensions`` keys of the services used by the replica-tolerant pages.
CASES_KEY = "casegrid.cases_reading"
ASSESSMENTS_KEY = "casegrid.assessments_reading"


def _now() -> datetime:
    clock = current_app.extensions["casegrid.cases"].clock
    return clock.now()  # type: ignore[no-any-return]


def replica_allowed() -> bool:
    """Whether the current request may read the replica: a GET/HEAD not right after this browser wrote."""
    if not has_request_context() or request.method not in ("GET", "HEAD"):
        return False
    until = session.get(STICKY_KEY)
    return not (isinstance(until, (int, float)) and _now().timestamp() < until)


def _stamp_writes(response: ResponseReturnValue) -> ResponseReturnValue:
    if request.method not in SAFE_METHODS:
        seconds = float(current_app.config["REPLICA_STICKY_SECONDS"])
        session[STICKY_KEY] = (_now() + timedelta(seconds=seconds)).timestamp()
    return response


def init_app(app: Flask) -> None:
    """The reading services: on the replica when ``READ_REPLICA_URL`` is set, else the primary's own."""
    cases: CaseService = app.extensions["casegrid.cases"]
    assessments: AssessmentService = app.extensions["casegrid.assessments"]
    url = app.config.get("READ_REPLICA_URL")
    if not url:
        app.extensions[CASES_KEY] = cases
        app.extensions[ASSESSMENTS_KEY] = assessments
        return
    routed = cases.db.with_replica(str(url), replica_allowed)
    app.extensions[CASES_KEY] = CaseService(routed, cases.clock, cases.hooks, cases.max_files_per_case)
    app.extensions[ASSESSMENTS_KEY] = AssessmentService(routed, assessments.clock, assessments.weights)
    app.after_request(_stamp_writes)  # type: ignore[arg-type]


def cases_for_reading() -> CaseService:
    """The case service for inbox and search pages (the replica's reads when configured and allowed)."""
    return current_app.extensions[CASES_KEY]  # type: ignore[no-any-return]


def assessments_for_reading() -> AssessmentService:
    """The assessment service for the pages that list and show stored runs."""
    return current_app.extensions[ASSESSMENTS_KEY]  # type: ignore[no-any-return]
