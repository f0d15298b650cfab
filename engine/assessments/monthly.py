"""月研判: hotspots (category × grid), repeat issues at the same address, dispute hotspots.

- A *hotspot* cell counts the cases opened in the month per category and grid.
- A *repeat issue* is a case opened in the month at an address where a case of the same
  category was opened in the 90 days before it (merged duplicates left out: they are one
  report of an issue, not its return). ``lag()`` over the cases of the month and the 90 days
  before it, partitioned by address and category, finds them in one pass.
- *Disputes* are the mediation cases and the civic-loop cases of category 邻里纠纷, per grid
  and type (category): a ``process_key == 'mediation'`` case counts whatever its category.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from engine.assessments.figures import ALL, Figure
from engine.assessments.indicators import DISPUTE, HOTSPOT, REPEAT, STREET
from engine.assessments.periods import Period
from engine.assessments.quarterly import DISPUTE_CATEGORY, MEDIATION_PROCESS
from engine.assessments.sql import db_time, plus_hours
from engine.calendar import china_date
from engine.cases.models import Case
from engine.projects.operations import PROCESS_KEY as PROJECT_PROCESS

REPEAT_WINDOW_DAYS = 90
#: Placeholder code for cases without a grid.
NO_GRID = "-"


def _in_month(period: Period) -> tuple[ColumnElement[bool], ...]:
    # Governance projects are not issues: no hotspot, no repeat, no dispute (engine/projects).
    return (Case.opened_at >= db_time(period.start), Case.opened_at < db_time(period.end),
            Case.process_key != PROJECT_PROCESS)


def _hotspots(session: Session, period: Period) -> dict[tuple[str, str], int]:
    rows = session.execute(select(Case.category, Case.grid_code, func.count()).where(*_in_month(period))
                           .group_by(Case.category, Case.grid_code))
    return {(category, grid or NO_GRID): n for category, grid, n in rows}


def _disputes(session: Session, period: Period) -> dict[tuple[str, str], int]:
    dispute = or_(Case.process_key == MEDIATION_PROCESS, Case.category == DISPUTE_CATEGORY)
    rows = session.execute(select(Case.grid_code, Case.category, func.count()).where(*_in_month(period), dispute)
                           .group_by(Case.grid_code, Case.category))
    return {(grid or NO_GRID, category): n for grid, category, n in rows}


def _repeats(session: Session, period: Period) -> dict[tuple[str, str], list[dict[str, Any]]]:
    dialect = session.get_bind().dialect.name
    address = func.trim(Case.address)
    earlier = func.lag(Case.opened_at).over(partition_by=(address, Case.category),
                                             order_by=(Case.opened_at, Case.id))
    window = (select(Case.tracking_code, Case.opened_at, Case.grid_code, Case.category, address.label("address"),
                     earlier.label("earlier_at"))
              .where(Case.opened_at >= db_time(period.start - timedelta(days=REPEAT_WINDOW_DAYS)),
                     Case.opened_at < db_time(period.end), Case.address.is_not(None), address != "",
                     or_(Case.outcome.is_(None), Case.outcome != "merged"))
              .subquery())
    w = window.c
    rows = session.execute(
        select(w.address, w.category, w.tracking_code, w.opened_at, w.grid_code, w.earlier_at)
        .where(w.opened_at >= db_time(period.start), w.earlier_at.is_not(None),
               plus_hours(w.earlier_at, REPEAT_WINDOW_DAYS * 24, dialect) >= w.opened_at)
        .order_by(w.address, w.category, w.opened_at))
    found: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for address_, category, code, opened_at, grid, _earlier in rows:
        found.setdefault((address_, category), []).append(
            {"code": code, "opened": china_date(opened_at).isoformat(), "grid": grid})
    return found


def compute_month(session: Session, period: Period, *, grid_names: Mapping[str, str]) -> list[Figure]:
    """The monthly analysis figures of ``period``."""
    figures = []
    hotspots = _hotspots(session, period)
    for (category, grid), n in sorted(hotspots.items()):
        figures.append(Figure(HOTSPOT, f"{category}|{grid}", f"{category} · {grid_names.get(grid, grid)}", "cases",
                              float(n)))
    repeats = _repeats(session, period)
    for (address, category), cases in sorted(repeats.items()):
        figures.append(Figure(REPEAT, f"{address}|{category}", f"{address}（{category}）", "repeat_cases",
                              float(len(cases)), detail=cases))
    disputes = _disputes(session, period)
    for (grid, category), n in sorted(disputes.items()):
        figures.append(Figure(DISPUTE, f"{grid}|{category}", f"{grid_names.get(grid, grid)} · {category}",
                              "disputes", float(n)))
    street = "全街道"
    figures += [
        Figure(STREET, ALL, street, "cases", float(sum(hotspots.values()))),
        Figure(STREET, ALL, street, "repeat_cases", float(sum(len(c) for c in repeats.values()))),
        Figure(STREET, ALL, street, "disputes", float(sum(disputes.values()))),
    ]
    return figures
