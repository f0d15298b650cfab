"""Building the tree: units are added under a parent (never moved); a single-street install has two."""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import ValidationError
from engine.org.models import CHILD_KINDS, KIND_LABELS, Unit, UnitKind

#: What a fresh install (and migration 0043 for an existing one) creates: one city with one street.
DEFAULT_CITY = ("city", "本市", "City")
DEFAULT_STREET = ("street", "本街道", "Street office")

_CODE = re.compile(r"[A-Za-z0-9_-]{1,40}")


@dataclass(frozen=True)
class UnitEntry:
    id: int
    code: str
    name: str
    kind: str
    path: str
    parent_code: str | None

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[UnitKind(self.kind)]

    @property
    def depth(self) -> int:
        return self.path.count("/") - 2


def add_unit(session: Session, code: str, name: str, kind: str, *, parent: Unit | None,
             name_en: str | None = None) -> Unit:
    """A new unit under ``parent`` (None: a root, which must be a city). Raises :class:`ValidationError`."""
    errors: dict[str, str] = {}
    if not _CODE.fullmatch(code or ""):
        errors["code"] = "代码为 1–40 个字母、数字、-、_"
    elif session.scalar(select(Unit.id).where(Unit.code == code)) is not None:
        errors["code"] = f"代码 {code} 已被使用"
    if not (name or "").strip() or len(name.strip()) > 100:
        errors["name"] = "名称为 1–100 个字"
    try:
        unit_kind = UnitKind(kind)
    except ValueError:
        unit_kind = None
        errors["kind"] = f"层级应为：{'、'.join(k.value for k in UnitKind)}"
    if unit_kind is not None:
        allowed = (UnitKind.CITY,) if parent is None else CHILD_KINDS[UnitKind(parent.kind)]
        if unit_kind not in allowed:
            where = f"{KIND_LABELS[UnitKind(parent.kind)]}之下" if parent else "顶层"
            errors["kind"] = where + (f"只能是{'或'.join(KIND_LABELS[k] for k in allowed)}" if allowed
                                      else "不能再设单位（网格挂在社区之下）")
    if errors:
        raise ValidationError("单位有误", errors)
    unit = Unit(code=code, name=name.strip(), name_en=name_en, kind=unit_kind, parent_id=parent.id if parent else None,
                path="/", active=True)
    session.add(unit)
    session.flush()
    unit.path = f"{parent.path if parent else '/'}{unit.id}/"
    return unit


def ensure_default_units(session: Session) -> Unit:
    """The single-street install's city and street (created once); returns the street."""
    street = default_street(session)
    if street is not None:
        return street
    city = add_unit(session, DEFAULT_CITY[0], DEFAULT_CITY[1], UnitKind.CITY, parent=None, name_en=DEFAULT_CITY[2])
    return add_unit(session, DEFAULT_STREET[0], DEFAULT_STREET[1], UnitKind.STREET, parent=city,
                    name_en=DEFAULT_STREET[2])


def default_street(session: Session) -> Unit | None:
    """The street rows without a unit of their own belong to: the first street created."""
    return session.scalar(select(Unit).where(Unit.kind == UnitKind.STREET.value).order_by(Unit.id).limit(1))


def community_unit(session: Session, street: Unit, name: str) -> Unit:
    """The community named ``name`` under ``street``, created the first time a grid names it."""
    found = session.scalar(select(Unit).where(Unit.parent_id == street.id, Unit.name == name))
    if found is not None:
        return found
    number = 1 + len(list(session.scalars(select(Unit.id).where(Unit.parent_id == street.id))))
    code = f"{street.code}-c{number}"
    while session.scalar(select(Unit.id).where(Unit.code == code)) is not None:
        number += 1
        code = f"{street.code}-c{number}"
    return add_unit(session, code, name, UnitKind.COMMUNITY, parent=street)


def units(session: Session, under: str | None = None) -> list[UnitEntry]:
    """The tree in depth-first order (or the subtree at path ``under``)."""
    parent = {u.id: u.code for u in session.scalars(select(Unit))}
    stmt = select(Unit)
    if under is not None:
        stmt = stmt.where(Unit.path.startswith(under, autoescape=True))
    rows = sorted(session.scalars(stmt), key=lambda u: [int(p) for p in u.path.strip("/").split("/")])
    return [UnitEntry(u.id, u.code, u.name, u.kind, u.path, parent.get(u.parent_id) if u.parent_id else None)
            for u in rows]
