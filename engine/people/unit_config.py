"""A unit's effective configuration (issue 25, part 2): what it inherits from the units above it.

Configuration rows belong to a unit (``unit_id``); a unit uses its own and its ancestors', the nearest first.
Today categories and departments are read this way; routing tables and process versions are still one for the
whole install, and :func:`effective_configuration` says so rather than pretending otherwise.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.org.models import Unit
from engine.org.scope import ancestor_ids, unit_by_code
from engine.people.category import Category
from engine.people.models import Department, Grid


@dataclass(frozen=True)
class Inherited:
    """One configured item and the unit it comes from (the unit itself or an ancestor)."""

    name: str
    code: str | None
    from_unit: str
    active: bool = True


@dataclass(frozen=True)
class UnitConfiguration:
    unit: Unit
    #: The unit's ancestors, the root first (names), and the path of codes that reads as the tree.
    lineage: tuple[str, ...]
    categories: tuple[Inherited, ...]
    #: The departments that serve the unit: its own and those of the district and city above it.
    departments: tuple[Inherited, ...]
    grids: tuple[Inherited, ...]


def _lineage(session: Session, unit: Unit) -> list[Unit]:
    ids = ancestor_ids(unit.path)
    by_id = {u.id: u for u in session.scalars(select(Unit).where(Unit.id.in_(ids)))}
    return [by_id[i] for i in ids if i in by_id]


def serving_unit_ids(session: Session, unit: Unit) -> list[int]:
    """The units whose configuration ``unit`` uses: itself and its ancestors, the nearest first."""
    return list(reversed(ancestor_ids(unit.path)))


def effective_configuration(session: Session, code: str) -> UnitConfiguration:
    """What the unit ``code`` uses, each item with the unit it is inherited from (:class:`NotFound` if none)."""
    unit = unit_by_code(session, code)
    lineage = _lineage(session, unit)
    names = {u.id: u.code for u in lineage}
    serving = serving_unit_ids(session, unit)
    rows = list(session.scalars(select(Category).where(Category.unit_id.in_(serving))
                                .order_by(Category.sort_order, Category.id)))
    categories: dict[str, Inherited] = {}
    for unit_id in serving:  # the nearest unit's category of a name hides an ancestor's
        for category in (c for c in rows if c.unit_id == unit_id and c.name not in categories):
            categories[category.name] = Inherited(category.name, category.process_key, names[unit_id], category.active)
    departments = [Inherited(d.name, d.code, names[d.unit_id], d.active) for d in session.scalars(
        select(Department).where(Department.unit_id.in_(serving)).order_by(Department.code))
        if d.unit_id is not None]
    under = select(Unit.id).where(Unit.path.startswith(unit.path, autoescape=True))
    grids = [Inherited(g.name, g.code, g.community) for g in session.scalars(
        select(Grid).where(Grid.unit_id.in_(under)).order_by(Grid.code))]
    return UnitConfiguration(unit, tuple(u.name for u in lineage), tuple(categories.values()), tuple(departments),
                             tuple(grids))

