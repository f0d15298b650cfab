"""What the operations page shows: the sweep's last and next cycle, timers fired, failed and due, the outbox."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.cases.models import Case, Notification
from engine.clock import as_utc, to_db
from engine.incidents.queries import open_count
from engine.notify.models import FAILED, PENDING, Delivery
from engine.sweep import lease
from engine.sweep.models import SweepRun

#: The window of the "last 24 hours" totals.
RECENT = timedelta(hours=24)


@dataclass(frozen=True)
class CycleSummary:
    holder: str
    started_at: datetime
    finished_at: datetime | None
    #: Stage name → counts (or ``{"error": …}``).
    stages: dict[str, dict[str, int | str]]

    def count(self, stage: str, name: str) -> int:
        value = self.stages.get(stage, {}).get(name, 0)
        return value if isinstance(value, int) else 0

    @property
    def errors(self) -> dict[str, str]:
        return {name: str(c["error"]) for name, c in self.stages.items() if "error" in c}


@dataclass(frozen=True)
class SweepStatus:
    now: datetime
    last: CycleSummary | None
    #: When the holder of the lease sweeps next (None: nobody sweeps, or a one-off run).
    next_at: datetime | None
    #: The process sweeping now (its lease unexpired), or None: then no sweep runs at all.
    holder: str | None
    lease_expires_at: datetime | None
    #: Totals over the cycles of the last 24 hours.
    fired_recent: int
    failed_recent: int
    cycles_recent: int
    #: Cases with a timer due now (the next cycle fires them), and within the next hour.
    due_now: int
    due_next_hour: int
    open_incidents: int
    #: Notifications not yet fanned out plus deliveries waiting to be sent (first try or a retry).
    outbox_pending: int
    outbox_oldest: datetime | None
    #: Deliveries waiting for a retry after a failed attempt, and those given up on (an admin may resend).
    outbox_retrying: int
    outbox_failed: int
    #: Messages the last cycle could not send (they stay in the outbox for the next one).
    outbox_failed_last: int
    recent_errors: list[tuple[datetime, str, str]] = field(default_factory=list)

    @property
    def running(self) -> bool:
        return self.holder is not None

    @property
    def late(self) -> bool:
        """The next cycle is overdue by more than a minute: the sweeper has stopped or hangs."""
        return self.next_at is not None and self.now - self.next_at > timedelta(minutes=1)


def _summary(run: SweepRun) -> CycleSummary:
    return CycleSummary(run.holder, as_utc(run.started_at), as_utc(run.finished_at) if run.finished_at else None,
                        json.loads(run.stages or "{}"))


def sweep_status(session: Session, now: datetime) -> SweepStatus:
    last_run = session.scalar(select(SweepRun).order_by(SweepRun.started_at.desc(), SweepRun.id.desc()).limit(1))
    last = _summary(last_run) if last_run is not None else None
    held = lease.state(session)
    holder = held.holder if held.held_at(now) else None
    next_at = None
    if last_run is not None and last_run.interval_seconds and holder is not None:
        next_at = as_utc(last_run.started_at) + timedelta(seconds=last_run.interval_seconds)
    recent = [_summary(r) for r in session.scalars(select(SweepRun).where(SweepRun.started_at >= to_db(now - RECENT)))]
    errors = sorted(((c.started_at, stage, error) for c in recent for stage, error in c.errors.items()),
                    reverse=True)[:10]
    due = func.count()
    due_now = session.scalar(select(due).select_from(Case).where(Case.next_timer_at < to_db(now))) or 0
    due_hour = session.scalar(select(due).select_from(Case).where(
        Case.next_timer_at >= to_db(now), Case.next_timer_at < to_db(now + timedelta(hours=1)))) or 0
    pending, oldest = session.execute(select(func.count(), func.min(Notification.created_at))
                                      .where(Notification.sent_at.is_(None))).one()
    deliveries = dict(session.execute(select(Delivery.state, func.count()).where(Delivery.state.in_((PENDING, FAILED)))
                                      .group_by(Delivery.state)).tuples().all())
    retrying = session.scalar(select(func.count()).select_from(Delivery).where(
        Delivery.state == PENDING, Delivery.attempts > 0)) or 0
    return SweepStatus(
        now=now, last=last, next_at=next_at, holder=holder, lease_expires_at=held.expires_at if holder else None,
        fired_recent=sum(c.count("timers", "cases") for c in recent),
        failed_recent=sum(c.count("timers", "failed") for c in recent), cycles_recent=len(recent),
        due_now=due_now, due_next_hour=due_hour, open_incidents=open_count(session),
        outbox_pending=(pending or 0) + deliveries.get(PENDING, 0), outbox_oldest=as_utc(oldest) if oldest else None,
        outbox_retrying=retrying, outbox_failed=deliveries.get(FAILED, 0),
        outbox_failed_last=last.count("outbox", "failed") if last else 0, recent_errors=errors)
