"""Reading cases and work items. Inbox queries read ``work_item`` rows only."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, SQLColumnExpression, func, select
from sqlalchemy.orm import Session

from engine.cases.models import Case, WorkItem
from engine.clock import to_db
from engine.errors import NotFound
from engine.org.scope import in_subtree
from engine.people.actor import Actor
from engine.people.roles import Role


def lock_case(session: Session, case_id: int) -> Case:
    """The case, locked for this transaction (row lock on PostgreSQL; SQLite holds the write lock already)."""
    stmt = select(Case).where(Case.id == case_id).execution_options(populate_existing=True)
    if session.get_bind().dialect.name != "sqlite":
        stmt = stmt.with_for_update()
    case = session.scalar(stmt)
    if case is None:
        raise NotFound(f"案件 {case_id} 不存在")
    return case


#: The largest row id the id columns hold (PostgreSQL ``integer``): a bigger number names no row.
MAX_ID = 2**31 - 1


def find_case(session: Session, ref: str | int) -> Case:
    """A case by database id or tracking code (whatever ``ref`` is, an unknown case is :class:`NotFound`)."""
    case = None
    # Only plain ASCII digits within the id column's range: "²" is a digit to str.isdigit() but not to int(),
    # and an id beyond 32 bits overflows the PostgreSQL integer column.
    if isinstance(ref, int) or (isinstance(ref, str) and ref.isascii() and ref.isdigit()):
        if 0 < int(ref) <= MAX_ID:
            case = session.get(Case, int(ref))
    if case is None and isinstance(ref, str) and len(ref) <= 64:
        case = session.scalar(select(Case).where(Case.tracking_code == ref.strip().upper()))
    if case is None:
        raise NotFound(f"案件 {ref} 不存在")
    return case


def list_cases(session: Session, *, process_key: str | None = None, status: str | None = None,
               limit: int | None = None) -> list[Case]:
    stmt = select(Case).order_by(Case.id)
    if process_key:
        stmt = stmt.where(Case.process_key == process_key)
    if status:
        stmt = stmt.where(Case.status == status)
    if limit:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt))


def not_indexed(column: SQLColumnExpression[Any]) -> ColumnElement[str]:
    """``column`` with NULL as ``''``, written so that no index on it can drive the query."""
    return func.coalesce(column, "")


def inbox_filter(stmt: Select, actor: Actor) -> Select:
    """Open items of the actor's role and unit that are unclaimed or claimed by the actor, of the cases in the
    actor's unit's subtree (``stmt`` joins ``case``).

    Only the ``(role, state, due_at)`` index may drive this: a role's *open* items
    are few however many cases were closed, while a department's or a person's
    items pile up for ever. SQLite's planner, which has no histograms, would
    otherwise read every item a department ever had through its index, so the
    unit and assignee terms are wrapped to keep those indexes out of the plan.
    """
    stmt = stmt.where(WorkItem.state.in_(WorkItem.OPEN_STATES), WorkItem.role == actor.role)
    if actor.role == Role.DEPARTMENT.value:
        stmt = stmt.where(not_indexed(WorkItem.department_code) == (actor.department_code or ""))
    if actor.role == Role.GRID_WORKER.value and actor.grid_code:
        stmt = stmt.where(not_indexed(WorkItem.grid_code).in_(("", actor.grid_code)))
    if actor.unit_path is not None:  # + 0: the case's unit index must not drive the plan either
        stmt = stmt.where(in_subtree(Case.unit_id + 0, actor.unit_path))
    return stmt.where(not_indexed(WorkItem.assignee).in_(("", actor.username)))


def inbox(session: Session, actor: Actor, *, limit: int = 50, offset: int = 0) -> list[WorkItem]:
    """The actor's claimed items and their team's unclaimed ones, overdue (earliest deadline) first."""
    stmt = inbox_filter(select(WorkItem).join(Case, Case.id == WorkItem.case_id), actor)
    stmt = stmt.order_by(WorkItem.urgency.desc(), WorkItem.due_at.asc().nulls_last(), WorkItem.id)
    stmt = stmt.limit(limit).offset(offset)
    return list(session.scalars(stmt))


def open_work_items(session: Session, case_id: int) -> list[WorkItem]:
    return list(session.scalars(select(WorkItem).where(
        WorkItem.case_id == case_id, WorkItem.state.in_(WorkItem.OPEN_STATES)).order_by(WorkItem.id)))


def due_case_ids(session: Session, now: datetime, limit: int = 500) -> list[int]:
    """Cases with a timer due strictly before ``now`` (SpiffWorkflow fires a timer once its time has passed)."""
    return list(session.scalars(
        select(Case.id).where(Case.next_timer_at < to_db(now)).order_by(Case.next_timer_at, Case.id).limit(limit)
    ))


def held_work_items(session: Session, username: str) -> int:
    """Open work items ``username`` has claimed: nobody else can act on them until a supervisor reassigns."""
    return session.scalar(select(func.count(WorkItem.id)).where(
        WorkItem.assignee == username, WorkItem.state.in_(WorkItem.OPEN_STATES))) or 0
