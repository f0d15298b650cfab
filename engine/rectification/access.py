"""Who reads and reports which rectification items: the one place that says it.

The street's and community's staff follow every item. A department follows the items it is the responsible unit
of (责任清单 names units by name, and a department's name is how the list names it) and reports its own
rectification for them; it sees no other unit's items and cannot verify, so the street office still checks what
a department says it did.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import PermissionDenied
from engine.people.actor import Actor
from engine.people.models import Department
from engine.people.roles import Role
from engine.rectification.models import RectificationItem

#: Staff who follow every list.
STAFF_READERS = frozenset({Role.GRID_WORKER.value, Role.COUNCIL.value, Role.SUPERVISOR.value, Role.AUDITOR.value,
                           Role.ADMIN.value})
#: Staff who report a rectification for any responsible unit (the community's staff take its report in).
STAFF_REPORTERS = frozenset({Role.GRID_WORKER.value, Role.COUNCIL.value, Role.SUPERVISOR.value})


def department_unit(session: Session, actor: Actor) -> str | None:
    """The responsible-unit name a department user acts for (None: not a department user, or no department)."""
    if actor.role != Role.DEPARTMENT.value or not actor.department_code:
        return None
    # One lookup per transaction: an item page asks it for the scope, the item and the report form.
    known: dict[str, str | None] = session.info.setdefault("casegrid_department_units", {})
    if actor.department_code not in known:
        known[actor.department_code] = session.scalar(
            select(Department.name).where(Department.code == actor.department_code))
    return known[actor.department_code]


def reading_scope(session: Session, actor: Actor) -> list[Any]:
    """The conditions on the items ``actor`` may read (none for the staff; PermissionDenied for anyone else)."""
    if actor.role in STAFF_READERS:
        return []
    unit = department_unit(session, actor)
    if unit is None:
        raise PermissionDenied("只有街道、社区工作人员和责任部门可以查看整改清单")
    return [RectificationItem.responsible_unit == unit]


def check_staff(actor: Actor) -> None:
    """Only the street's and community's staff see a source's problems before they are listed."""
    if actor.role not in STAFF_READERS:
        raise PermissionDenied("只有街道、社区工作人员可以列入整改事项")


def check_may_read_item(session: Session, actor: Actor, item: RectificationItem) -> None:
    if actor.role in STAFF_READERS:
        return
    if department_unit(session, actor) != item.responsible_unit or item.responsible_unit is None:
        raise PermissionDenied("只能查看本部门负责的整改事项")


def may_report(session: Session, actor: Actor, item: RectificationItem) -> bool:
    if actor.role in STAFF_REPORTERS:
        return True
    unit = department_unit(session, actor)
    return unit is not None and unit == item.responsible_unit


def check_may_report(session: Session, actor: Actor, item: RectificationItem) -> None:
    if not may_report(session, actor, item):
        raise PermissionDenied("只有网格员、社区治理委员会、街道督办和该事项的责任部门可以登记整改情况")
