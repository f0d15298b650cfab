"""Units of the organisation: a city, its districts, their streets, the streets' communities (issue 25).

A grid (网格) is not a second row here: the ``grid`` table (:class:`engine.people.models.Grid`) hangs under
its community unit by ``grid.unit_id``, so the tree reads 市 → 区 → 街道 → 社区 and each community's grids.
"""
from __future__ import annotations

from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base


class UnitKind(StrEnum):
    CITY = "city"
    DISTRICT = "district"
    STREET = "street"
    COMMUNITY = "community"


#: Which kinds of unit may stand under which: the tree's levels in order. A street may stand right under the
#: city (a single-street install's tree, or a city whose streets answer to no district).
CHILD_KINDS: dict[UnitKind, tuple[UnitKind, ...]] = {
    UnitKind.CITY: (UnitKind.DISTRICT, UnitKind.STREET), UnitKind.DISTRICT: (UnitKind.STREET,),
    UnitKind.STREET: (UnitKind.COMMUNITY,), UnitKind.COMMUNITY: (),
}

#: The Chinese name of each kind, as pages and the CLI show it.
KIND_LABELS: dict[UnitKind, str] = {
    UnitKind.CITY: "市", UnitKind.DISTRICT: "区", UnitKind.STREET: "街道", UnitKind.COMMUNITY: "社区",
}


class Unit(Base):
    """One unit of the tree. ``path`` is the ids from the root down, ``/1/4/9/``: a subtree is a prefix."""

    __tablename__ = "org_unit"
    __table_args__ = (
        # varchar_pattern_ops: PostgreSQL uses the index for LIKE 'prefix%' whatever the database's collation.
        Index("ix_org_unit_path", "path", postgresql_ops={"path": "varchar_pattern_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Short stable code, e.g. ``xicheng`` (an identity provider's claim or Open311's jurisdiction_id names it).
    code: Mapped[str] = mapped_column(String(40), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    name_en: Mapped[str | None] = mapped_column(String(100), nullable=True)
    #: One of :class:`UnitKind`.
    kind: Mapped[str] = mapped_column(String(20), nullable=False, index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"), nullable=True, index=True)
    #: ``/<root id>/…/<own id>/``; set once when the unit is created (a unit never moves).
    path: Mapped[str] = mapped_column(String(400), nullable=False)
    active: Mapped[bool] = mapped_column(default=True, nullable=False)

    @property
    def depth(self) -> int:
        return self.path.count("/") - 1

    def __repr__(self) -> str:
        return f"<Unit {self.code} {self.kind} {self.path}>"
