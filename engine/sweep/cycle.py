"""One sweep cycle: take the lease, run every stage (each failure isolated), record what each did."""
from __future__ import annotations

import json
import logging
import os
import socket
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete

from engine.clock import Clock, to_db
from engine.db import Database
from engine.errors import ConflictError
from engine.incidents.operations import describe
from engine.sweep import lease
from engine.sweep.models import SweepRun
from engine.sweep.stages import Stage, SweepContext

log = logging.getLogger("casegrid.sweep")

#: How long the record of cycles is kept (the operations page shows the last day).
KEEP_RUNS = timedelta(days=7)
#: A lease outlives its holder's silence by this many intervals before another process takes over.
LEASE_INTERVALS = 3
#: The shortest lease (a one-off run has no interval; a long cycle must not lose it half-way).
MIN_LEASE = timedelta(minutes=5)


def new_holder(kind: str = "web") -> str:
    """A name for this process's sweeper that no other process has (host, pid and a random part)."""
    return f"{kind}:{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def lease_ttl(interval: timedelta | None) -> timedelta:
    return max(MIN_LEASE if interval is None else LEASE_INTERVALS * interval, timedelta(seconds=1))


@dataclass
class CycleReport:
    holder: str
    started_at: datetime
    finished_at: datetime | None = None
    #: Stage name → its counts, or ``{"error": …}`` for a stage that raised.
    stages: dict[str, dict[str, int | str]] = field(default_factory=dict)

    def count(self, stage: str, name: str) -> int:
        value = self.stages.get(stage, {}).get(name, 0)
        return value if isinstance(value, int) else 0

    @property
    def errors(self) -> dict[str, str]:
        return {name: str(counts["error"]) for name, counts in self.stages.items() if "error" in counts}


def _take(db: Database, holder: str, now: datetime, ttl: timedelta) -> bool:
    """Hold the lease for this cycle. Read first: a lease held by another process costs no write, and
    one this holder renewed at the end of its last cycle needs none (every commit is an fsync)."""
    with db.reading() as s:
        held = lease.state(s)
    if held.holder != holder and held.held_at(now):
        return False
    if held.holder == holder and held.expires_at is not None and held.expires_at - now > ttl / 2:
        return True
    try:
        with db.transaction() as s:
            return lease.take(s, holder, now, ttl)
    except ConflictError:  # the lease row is locked by another sweeper this instant: it is theirs
        return False


def _run_stage(stage: Stage, ctx: SweepContext) -> dict[str, int | str]:
    try:
        return {name: int(value) for name, value in stage.run(ctx).items()}
    except Exception as error:  # noqa: BLE001  (one stage's failure must not stop the others)
        log.exception("sweep stage %s failed", stage.name)
        return {"error": describe(error)[1]}


def run_cycle(db: Database, clock: Clock, stages: Sequence[Stage], *, holder: str,
              interval: timedelta | None = None) -> CycleReport | None:
    """Run ``stages`` once under the lease; None when another process holds it (it sweeps, not us).

    ``interval``: how soon this holder sweeps again (it keeps the lease meanwhile); None for a one-off
    run, which gives the lease back at the end. A cycle with nothing to do writes once (its record, which
    renews the lease): it runs every minute in every installation.
    """
    now = clock.now()
    ttl = lease_ttl(interval)
    if not _take(db, holder, now, ttl):
        return None
    report = CycleReport(holder, now)
    ctx = SweepContext(db, clock, now)
    renewed = now
    for stage in stages:
        # A long cycle (a backlog) renews its lease before it could run out; a quick one does not need to.
        if clock.now() - renewed > ttl / 3:
            renewed = clock.now()
            if not _take(db, holder, renewed, ttl):
                log.warning("sweep lease lost to another process before stage %s; it sweeps now", stage.name)
                break
        report.stages[stage.name] = _run_stage(stage, ctx)
    report.finished_at = clock.now()
    _record(db, report, holder, interval)
    return report


def _record(db: Database, report: CycleReport, holder: str, interval: timedelta | None) -> None:
    """The cycle's record for the operations page (older ones pruned); a one-off run gives the lease back."""
    finished = report.finished_at or report.started_at
    try:
        with db.transaction() as s:
            s.add(SweepRun(holder=holder, started_at=to_db(report.started_at), finished_at=to_db(finished),
                           interval_seconds=int(interval.total_seconds()) if interval else None,
                           stages=json.dumps(report.stages, ensure_ascii=False, sort_keys=True)))
            s.execute(delete(SweepRun).where(SweepRun.started_at < to_db(finished - KEEP_RUNS)))
            if interval is None:
                lease.release(s, holder)
            else:  # renewed here, with the record: the next cycle's start then writes nothing
                lease.take(s, holder, finished, lease_ttl(interval))
    except ConflictError:  # the record is only for the operations page: the next cycle writes its own
        log.warning("the sweep's record could not be written (database busy)")


def release(db: Database, holder: str) -> None:
    """Give the lease up (the process is stopping), so another process takes over at once."""
    with db.transaction() as s:
        lease.release(s, holder)


def counts_line(report: CycleReport, labels: Mapping[str, str] | None = None) -> str:
    """``timers: cases 3, failed 1 …; outbox: sent 2 …`` for logs and the command line."""
    parts = []
    for name, counts in report.stages.items():
        label = (labels or {}).get(name, name)
        parts.append(f"{label}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return "; ".join(parts)
