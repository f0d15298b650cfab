"""Who may see and do what in the field: the checks every operation and read model makes on the object.

A grid worker works their own grid's households only; the street's supervisor reads every grid and keeps
the visit plans; the auditor reads. Nobody else sees a household's visits (they hold personal matters).
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from engine.council.models import Household
from engine.errors import NotFound, PermissionDenied
from engine.people.actor import Actor
from engine.people.roles import Role

#: Roles that read field records (the grid worker only for their own grid).
READERS = frozenset({Role.GRID_WORKER.value, Role.SUPERVISOR.value, Role.AUDITOR.value})
#: Roles that record visits and 恳谈会 (for their own grid).
RECORDERS = frozenset({Role.GRID_WORKER.value})
#: Roles that keep the visit plans.
PLANNERS = frozenset({Role.SUPERVISOR.value})


def check_may_read(actor: Actor) -> None:
    if actor.role not in READERS:
        raise PermissionDenied("只有网格员、街道督办和监督员可以查看走访记录")


def check_may_record(actor: Actor) -> str:
    """The grid the actor records for."""
    if actor.role not in RECORDERS:
        raise PermissionDenied("只有网格员可以登记走访和恳谈会")
    if not actor.grid_code:
        raise PermissionDenied("您的账号没有所属网格，不能登记走访")
    return actor.grid_code


def check_may_plan(actor: Actor) -> None:
    if actor.role not in PLANNERS:
        raise PermissionDenied("只有街道督办可以制定走访计划")


def grid_scope(actor: Actor) -> str | None:
    """The one grid the actor sees (a grid worker's), or None for every grid."""
    check_may_read(actor)
    if actor.role == Role.GRID_WORKER.value:
        if not actor.grid_code:
            raise PermissionDenied("您的账号没有所属网格")
        return actor.grid_code
    return None


def check_grid(actor: Actor, grid_code: str | None) -> None:
    """Refuse an object of another grid than the actor's (for a grid worker)."""
    scope = grid_scope(actor)
    if scope is not None and grid_code != scope:
        raise PermissionDenied("该户不属于您的网格")


def household(session: Session, household_id: int, actor: Actor) -> Household:
    """The household, once the actor may see it."""
    row = session.get(Household, household_id)
    if row is None:
        raise NotFound("住户不存在")
    check_grid(actor, row.grid_code)
    return row
