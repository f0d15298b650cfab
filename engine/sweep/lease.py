"""A lease in the database: exactly one process sweeps at a time, whichever web worker or host it runs in.

Taken atomically with one conditional UPDATE (free, expired, or already ours → ours until ``expires_at``):
PostgreSQL re-checks the condition on the locked row, SQLite's writers queue on the database lock
(``BEGIN IMMEDIATE``). The holder renews it every cycle; if it dies, another takes over once it expired.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.clock import as_utc, to_db
from engine.sweep.models import SweepLease

#: The SLA sweep's lease.
SLA_SWEEP = "sla-sweep"


@dataclass(frozen=True)
class LeaseState:
    holder: str | None
    expires_at: datetime | None

    def held_at(self, now: datetime) -> bool:
        return self.holder is not None and self.expires_at is not None and self.expires_at > now


def take(session: Session, holder: str, now: datetime, ttl: timedelta, name: str = SLA_SWEEP) -> bool:
    """Take or renew the lease for ``holder`` until ``now + ttl``; False while another holds it."""
    expires = to_db(now + ttl)
    taken = session.execute(
        update(SweepLease)
        .where(SweepLease.name == name,
               or_(SweepLease.holder == holder, SweepLease.holder.is_(None), SweepLease.expires_at.is_(None),
                   SweepLease.expires_at <= to_db(now)))
        .values(holder=holder, expires_at=expires)
        .execution_options(synchronize_session=False))
    if taken.rowcount == 1:  # type: ignore[attr-defined]  # an UPDATE's result has a rowcount
        return True
    if session.get(SweepLease, name) is not None:
        return False
    try:  # the first sweep ever: create the row (two at once: one insert wins, the other is refused)
        with session.begin_nested():
            session.add(SweepLease(name=name, holder=holder, expires_at=expires))
    except IntegrityError:
        return False
    return True


def release(session: Session, holder: str, name: str = SLA_SWEEP) -> None:
    """Give the lease up (a process stopping): another process may sweep at once."""
    session.execute(update(SweepLease).where(SweepLease.name == name, SweepLease.holder == holder)
                    .values(holder=None, expires_at=None).execution_options(synchronize_session=False))


def state(session: Session, name: str = SLA_SWEEP) -> LeaseState:
    row = session.get(SweepLease, name)
    if row is None:
        return LeaseState(None, None)
    return LeaseState(row.holder, as_utc(row.expires_at) if row.expires_at else None)
