"""The one scoping rule (issue 25): what a role held at a unit sees is that unit's subtree.

Every scoped read — inbox, case search, a case page, the API, Open311, exports — asks :func:`in_subtree` for
its SQL condition, so the rule is written once. A subtree is a prefix of :attr:`Unit.path`, which the
``ix_org_unit_path`` index answers; the rows themselves carry only ``unit_id``.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import Session

from engine.errors import NotFound
from engine.org.models import Unit


def in_subtree(unit_column: Any, path: str | None) -> ColumnElement[bool]:
    """SQL condition: ``unit_column`` (a row's ``unit_id``) names a unit at or under ``path``.

    ``path`` None means unscoped (the engine itself, a command line, a resident holding a case's key): true.
    A row without a unit is outside every subtree.
    """
    if path is None:
        return true()
    return unit_column.in_(select(Unit.id).where(Unit.path.startswith(path, autoescape=True)))


def path_contains(outer: str | None, inner: str | None) -> bool:
    """Whether the unit at ``inner`` is at or under the unit at ``outer`` (None outer: unscoped, always)."""
    return outer is None or (inner is not None and inner.startswith(outer))


def unit_id_of_path(path: str | None) -> int | None:
    """The unit a path ends at (``/1/4/9/`` → 9)."""
    if not path:
        return None
    return int(path.rstrip("/").rsplit("/", 1)[-1])


def is_root_path(path: str | None) -> bool:
    """Whether ``path`` is a root unit's (the city's, in a city's tree)."""
    return path is not None and path.count("/") == 2


def unit_path(session: Session, unit_id: int | None) -> str | None:
    if unit_id is None:
        return None
    return session.scalar(select(Unit.path).where(Unit.id == unit_id))


def unit_by_code(session: Session, code: str) -> Unit:
    unit = session.scalar(select(Unit).where(Unit.code == code.strip()))
    if unit is None:
        raise NotFound(f"单位 {code} 不存在")
    return unit


def ancestor_ids(path: str) -> list[int]:
    """The ids on ``path``, the root first and the unit itself last (``/1/4/9/`` → [1, 4, 9])."""
    return [int(part) for part in path.strip("/").split("/") if part]


def unit_code(session: Session, unit_id: int | None) -> str:
    """The unit's code, or ``-`` for a row without a unit."""
    code = session.scalar(select(Unit.code).where(Unit.id == unit_id)) if unit_id is not None else None
    return code or "-"
