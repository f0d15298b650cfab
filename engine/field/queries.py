"""Aggregates of field work for the assessments (SQL GROUP BY, no rows loaded into Python)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.field.models import DueVisit


def coverage_cells(session: Session, start: datetime, cutoff: datetime) -> list[tuple[str, int, int]]:
    """(community, due visits whose deadline fell in [start, cutoff), of which made on time) per community.

    走访覆盖率: a due visit counts once its deadline has passed; it is met when a visit fulfilled it by then.
    ``start`` and ``cutoff`` are stored (naive UTC) times.
    """
    stmt = (select(DueVisit.community, func.count(), func.count().filter(DueVisit.on_time.is_(True)))
            .where(DueVisit.due_at >= start, DueVisit.due_at < cutoff).group_by(DueVisit.community))
    return [(community, int(n), int(met)) for community, n, met in session.execute(stmt)]
