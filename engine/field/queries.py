"""Aggregates of field work for the assessments (SQL GROUP BY, no rows loaded into Python)."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from engine.calendar import china_date
from engine.clock import as_utc
from engine.field.models import DueVisit, Volunteer, VolunteerService
from engine.people.models import Grid


def coverage_cells(session: Session, start: datetime, cutoff: datetime) -> list[tuple[str, int, int]]:
    """(community, due visits whose deadline fell in [start, cutoff), of which made on time) per community.

    走访覆盖率: a due visit counts once its deadline has passed; it is met when a visit fulfilled it by then.
    ``start`` and ``cutoff`` are stored (naive UTC) times.
    """
    stmt = (select(DueVisit.community, func.count(), func.count().filter(DueVisit.on_time.is_(True)))
            .where(DueVisit.due_at >= start, DueVisit.due_at < cutoff).group_by(DueVisit.community))
    return [(community, int(n), int(met)) for community, n, met in session.execute(stmt)]


def volunteer_cells(session: Session, start: datetime, cutoff: datetime) -> list[tuple[str, int, int, int]]:
    """(community, volunteers on the register by ``cutoff``, of them with a confirmed service in the period,
    confirmed minutes of those services) per community. Only volunteers not stood down count.

    The period's days are China dates: services given from the day of ``start`` to the day before ``cutoff``
    (the day of ``cutoff`` itself when it falls inside a day, i.e. "now").
    """
    first, last = china_date(as_utc(start)), china_date(as_utc(cutoff) - timedelta(microseconds=1))
    registered = dict(session.execute(
        select(Grid.community, func.count(Volunteer.id)).join(Grid, Grid.code == Volunteer.grid_code)
        .where(Volunteer.active.is_(True), Volunteer.registered_at < cutoff).group_by(Grid.community)).tuples().all())
    served = {community: (int(people), int(minutes or 0)) for community, people, minutes in session.execute(
        select(Grid.community, func.count(distinct(VolunteerService.volunteer_id)), func.sum(VolunteerService.minutes))
        .join(Volunteer, Volunteer.id == VolunteerService.volunteer_id).join(Grid, Grid.code == Volunteer.grid_code)
        .where(Volunteer.active.is_(True), Volunteer.registered_at < cutoff, VolunteerService.status == "confirmed",
               VolunteerService.served_on >= first, VolunteerService.served_on <= last)
        .group_by(Grid.community))}
    return [(community, int(count), *served.get(community, (0, 0))) for community, count in sorted(registered.items())]
