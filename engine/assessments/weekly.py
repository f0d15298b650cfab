"""周调度: open and overdue work per department and per grid, with the oldest items named.

A snapshot at ``as_of`` (the week's end, or now for the week running): an item is open when
it was created by then and not finished by then, so a past week's figures can be rebuilt
from ``work_item`` rows at any later time. Counting is one GROUP BY over (department, grid)
cells; the oldest items come from a ``row_number()`` window, three per unit.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, literal, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from engine.assessments.figures import ALL, Figure, Tally
from engine.assessments.indicators import DEPARTMENT, GRID, STREET, WEEKLY
from engine.assessments.periods import Period
from engine.assessments.sql import count_if, db_time
from engine.calendar import WorkCalendar, china_date
from engine.cases.models import Case, WorkItem
from engine.clock import as_utc

#: How many of the oldest open items each unit's row names (the street row names twice as many).
OLDEST = 3
UNIT_TYPES = (STREET, DEPARTMENT, GRID)


def _open_at(as_of: datetime) -> ColumnElement[bool]:
    return and_(WorkItem.created_at <= as_of, or_(WorkItem.finished_at.is_(None), WorkItem.finished_at > as_of))


def _counts(session: Session, start: datetime, as_of: datetime) -> Tally:
    is_open = _open_at(as_of)
    one = count_if
    stmt = (select(WorkItem.department_code, Case.grid_code, one(is_open), one(and_(is_open, WorkItem.due_at < as_of)),
                   one(WorkItem.created_at >= start),
                   one(and_(WorkItem.state == "completed", WorkItem.finished_at >= start, WorkItem.finished_at <= as_of)))
            .select_from(WorkItem).join(Case, Case.id == WorkItem.case_id)
            .where(WorkItem.created_at <= as_of, or_(WorkItem.finished_at.is_(None), WorkItem.finished_at >= start))
            .group_by(WorkItem.department_code, Case.grid_code))
    tally = Tally(second=GRID)
    for dept, grid, n_open, n_overdue, n_new, n_done in session.execute(stmt):
        tally.add(dept, grid, open=n_open, overdue=n_overdue, new=n_new, done=n_done)
    return tally


def _oldest(session: Session, as_of: datetime,
            calendar: WorkCalendar) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """The oldest open items per unit: tracking code, task, since when, deadline, working days overdue."""
    named: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for unit_type, column, limit in ((DEPARTMENT, WorkItem.department_code, OLDEST), (GRID, Case.grid_code, OLDEST),
                                     (STREET, None, OLDEST * 2)):
        rank = func.row_number().over(partition_by=column, order_by=(WorkItem.created_at, WorkItem.id)).label("rank")
        unit = (column if column is not None else literal(ALL)).label("unit")
        ranked = (select(unit, Case.tracking_code, Case.title, WorkItem.name, WorkItem.created_at, WorkItem.due_at,
                         rank)
                  .select_from(WorkItem).join(Case, Case.id == WorkItem.case_id)
                  .where(_open_at(as_of), *([column.is_not(None)] if column is not None else []))
                  .subquery())
        rows = session.execute(select(ranked).where(ranked.c.rank <= limit).order_by(ranked.c.unit, ranked.c.rank))
        for code, tracking_code, title, task, created_at, due_at, _rank in rows:
            overdue = (calendar.workdays_between(as_utc(due_at), as_utc(as_of))
                       if due_at is not None and due_at < as_of else 0)
            named.setdefault((unit_type, code or ALL), []).append({
                "code": tracking_code, "title": title, "task": task,
                "since": china_date(created_at).isoformat(),
                "due": china_date(due_at).isoformat() if due_at else None,
                "overdue_workdays": overdue,
            })
    return named


def compute_week(session: Session, period: Period, *, as_of: datetime, calendar: WorkCalendar,
                 unit_names: Mapping[tuple[str, str], str], required: Iterable[tuple[str, str]] = (),
                 with_detail: bool = True) -> list[Figure]:
    """The weekly dispatch figures of ``period`` as they stood at ``as_of`` (``required`` units always get rows)."""
    start, cut = db_time(period.start), db_time(as_of)
    tally = _counts(session, start, cut)
    named = _oldest(session, cut, calendar) if with_detail else {}
    figures = []
    for unit in sorted({u for u in required if u[0] in UNIT_TYPES} | tally.units()):
        unit_type, code = unit
        name = unit_names.get(unit, code)
        for indicator, measure in zip(WEEKLY, ("open", "overdue", "new", "done")):
            detail = named.get(unit) if indicator.key == "open_items" else None
            figures.append(Figure(unit_type, code, name, indicator.key, float(tally.get(unit, measure)),
                                  detail=detail))
    return figures
