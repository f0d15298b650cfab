"""The unit a new row belongs to when its creator named none (issue 25): one rule, at every flush.

A row of a grid (a case reported in it) belongs to the grid's community; a department account to its
department's unit; configuration (a model whose ``__unit_default__`` is ``"root"``: categories, routing
tables) to the city above the default street; anything else to the default street (:func:`engine.org.service.default_street`) — so a
single-street install, whose code never names a unit, puts every row where migration 0043 put the old ones.
A city's creators name the unit themselves (Open311's jurisdiction, a unit's own pages, the simulation).
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from engine.org.models import Unit
from engine.org.service import community_unit, default_street
from engine.people.models import Department, Grid, User


def grid_unit(session: Session, community: str, street: Unit | None = None) -> int | None:
    """The community unit a grid of ``community`` hangs under: the community of that name under ``street``
    (default: the default street), created the first time a grid names it."""
    street = street or default_street(session)
    return community_unit(session, street, community).id if street is not None else None


def _unit_for(session: Session, row: Any, defaults: list[Unit | None]) -> int | None:
    grid_code = getattr(row, "grid_code", None)
    if grid_code and not isinstance(row, User):
        unit_id = session.scalar(select(Grid.unit_id).where(Grid.code == grid_code))
        if unit_id is not None:
            return unit_id
    if isinstance(row, User) and row.department_code:
        unit_id = session.scalar(select(Department.unit_id).where(Department.code == row.department_code))
        if unit_id is not None:
            return unit_id
    if not defaults:  # [default street, its city], read once per flush
        street = default_street(session)
        defaults += [street, session.get(Unit, street.parent_id) if street is not None and street.parent_id else None]
    at = defaults[1] if getattr(type(row), "__unit_default__", "street") == "root" else defaults[0]
    return at.id if at is not None else None


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    pending = [row for row in session.new
               if not isinstance(row, (Unit, Grid)) and getattr(row, "unit_id", 0) is None]
    if not pending:
        return
    defaults: list[Unit | None] = []
    with session.no_autoflush:
        for row in pending:
            row.unit_id = _unit_for(session, row, defaults)


def install() -> None:
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)


install()
