"""The flows' steps as plain functions over a database URL: no Prefect here.

The tasks in :mod:`workflows.tasks` wrap these; ``casegrid assess`` calls them directly when
no Prefect server is configured, so both run exactly the same code. A URL, not an engine or
session, crosses the task boundary: Prefect hashes task inputs, and a URL is cheap to hash
and to log (no password: :func:`safe_url`).
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import lru_cache
from typing import Any

from engine.assessments import AssessmentService
from engine.assessments.formatting import KIND_LABELS
from engine.assessments.periods import Period
from engine.assessments.service import Baseline, Computation
from engine.bootstrap import init_database
from engine.config import database_url, safe_database_url
from engine.db import Database
from engine.notify import OutboxService
from engine.notify.senders import SENDER_ENV as SENDER_ENV  # re-exported: the flows' callers read it here
from engine import CaseService
from engine.sweep.cycle import CycleReport, new_holder, run_cycle
from engine.sweep.stages import TIMER_BATCH, TIMER_BATCHES, default_stages



@lru_cache(maxsize=8)
def _database(url: str) -> Database:
    # Migrated once per process and URL; the served process runs a sweep every minute.
    return init_database(url)[0]


def database(db_url: str | None = None) -> Database:
    return _database(database_url(db_url))


def safe_url(db_url: str | None = None) -> str:
    return safe_database_url(db_url)


# -- SLA sweep ------------------------------------------------------------------------------------


def fire_timers(service: CaseService) -> dict[str, int]:
    """Fire every due timer through ``service`` (escalations write their notifications to the outbox): counts
    of cases fired, timers, escalations, cases failed (now incidents) and busy cases skipped."""
    return service.sweep_timers(TIMER_BATCH, TIMER_BATCHES).counts()


def send_outbox(outbox: OutboxService) -> dict[str, int]:
    """Hand every unsent notification to the outbox's sender: counts of sent and failed."""
    report = outbox.send_pending()
    return {"sent": report.sent, "failed": len(report.failed)}


def sweep_once(db_url: str | None = None, sender: str | None = None, holder: str | None = None,
               interval: timedelta | None = None) -> CycleReport | None:
    """One SLA sweep cycle (every stage, under the lease); None when another process holds the lease (a web
    process sweeping in the background, or another flow run).

    ``interval``: when the same ``holder`` sweeps again (a scheduled flow: it keeps the lease meanwhile, so the
    operations page shows it and no web process sweeps beside it); None for a one-off run (a cron job), which
    gives the lease back at the end.
    """
    db = database(db_url)
    service = CaseService(db)
    stages = default_stages(service.hooks, sender)
    return run_cycle(db, service.clock, stages, holder=holder or new_holder("sweep"), interval=interval)


# -- assessments ----------------------------------------------------------------------------------


def assessment_service(db_url: str | None = None) -> AssessmentService:
    return AssessmentService(database(db_url))


def resolve_period(kind: str, period: str | None = None, db_url: str | None = None) -> Period:
    return AssessmentService(database(db_url)).resolve(kind, period)


def compute_figures(period: Period, db_url: str | None = None,
                    progress: Callable[[str], object] | None = None) -> Computation:
    return AssessmentService(database(db_url)).compute(period, progress=progress)


def load_baseline(computation: Computation, db_url: str | None = None,
                  progress: Callable[[str], object] | None = None) -> Baseline:
    return AssessmentService(database(db_url)).baseline(computation, progress=progress)


def store_results(computation: Computation, baseline: Baseline, db_url: str | None = None,
                  triggered_by: str = "prefect") -> int:
    service = AssessmentService(database(db_url))
    return service.store(computation, baseline, service.score(computation, baseline), triggered_by=triggered_by)


def summarise(run_id: int, db_url: str | None = None) -> dict[str, Any]:
    """What a flow returns and logs: the run, and per status how many figures."""
    report = AssessmentService(database(db_url)).report(run_id)
    statuses: dict[str, int] = {}
    for result in report.results:
        statuses[result.status] = statuses.get(result.status, 0) + 1
    flagged = sorted({f"{u.unit_type_label}:{u.unit_name}" for u in report.units() if u.flagged})
    return {"run_id": run_id, "kind": report.run.kind, "title": KIND_LABELS[report.run.kind],
            "period": report.run.period, "figures": len(report.results), "statuses": statuses,
            "flagged_units": report.run.flagged_units, "flagged": flagged, "note": report.run.note}
