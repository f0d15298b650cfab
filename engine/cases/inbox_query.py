"""The inbox page: one page of an actor's open work items with their deadlines in working days.

Reads ``work_item`` rows joined to their ``case`` row only; no workflow is ever
deserialized. The query starts from the ``(role, state, due_at)`` index: only
open items of one role are touched, however many finished cases the database
holds, and each is joined to its case by primary key.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Row, Select, func, select
from sqlalchemy.orm import Session

from engine.calendar import WorkCalendar
from engine.cases.deadlines import Deadline as Deadline  # re-exported: the inbox's rows carry it
from engine.cases.deadlines import item_deadline
from engine.cases.models import Case, WorkItem
from engine.cases.queries import inbox_filter, not_indexed
from engine.clock import to_db
from engine.errors import ValidationError
from engine.people.actor import Actor

#: The status filter's values: every open item, past its deadline, due by the end of the
#: next working day, claimed by me, waiting to be claimed.
STATUSES = ("all", "overdue", "due_soon", "claimed", "unclaimed")


#: Priority codes by urgency (``work_item.urgency`` is the index).
URGENCY_CODES = ("normal", "urgent", "critical")

@dataclass(frozen=True)
class InboxFilter:
    category: str | None = None
    grid_code: str | None = None
    status: str = "all"

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValidationError("筛选条件有误", {"status": f"状态应为：{'、'.join(STATUSES)}"})


@dataclass(frozen=True)
class InboxRow:
    item_id: int
    task_name: str
    bpmn_id: str
    state: str
    role: str
    department_code: str | None
    assignee: str | None
    deadline: Deadline | None
    tracking_code: str
    title: str
    category: str
    grid_code: str | None
    #: 0 一般, 1 紧急, 2 特急 (the inbox lists the most urgent first).
    urgency: int = 0

    @property
    def priority(self) -> str:
        """``normal``, ``urgent`` or ``critical``."""
        return URGENCY_CODES[min(max(self.urgency, 0), len(URGENCY_CODES) - 1)]

    @property
    def claimed(self) -> bool:
        return self.assignee is not None


@dataclass(frozen=True)
class InboxPage:
    #: Items claimed by the actor, then the team's unclaimed ones; each part earliest deadline first.
    rows: list[InboxRow]
    page: int
    page_size: int
    #: Matching items on all pages, and how many of them are claimed by the actor.
    total: int
    total_mine: int

    @property
    def mine(self) -> list[InboxRow]:
        return [r for r in self.rows if r.claimed]

    @property
    def unclaimed(self) -> list[InboxRow]:
        return [r for r in self.rows if not r.claimed]

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def _filtered(stmt: Select, actor: Actor, flt: InboxFilter, now: datetime, calendar: WorkCalendar) -> Select:
    stmt = inbox_filter(stmt.join(Case, Case.id == WorkItem.case_id), actor)
    # Filters on the case must not drive the plan either: a category or grid spans every case ever opened.
    if flt.category:
        stmt = stmt.where(not_indexed(Case.category) == flt.category)
    if flt.grid_code:
        stmt = stmt.where(not_indexed(Case.grid_code) == flt.grid_code)
    if flt.status == "overdue":
        stmt = stmt.where(WorkItem.due_at < to_db(now))
    elif flt.status == "due_soon":
        stmt = stmt.where(WorkItem.due_at >= to_db(now), WorkItem.due_at <= to_db(calendar.add_workdays(now, 1)))
    elif flt.status == "claimed":
        stmt = stmt.where(WorkItem.assignee == actor.username)
    elif flt.status == "unclaimed":
        stmt = stmt.where(WorkItem.assignee.is_(None))
    return stmt


#: The case columns a row shows (not the whole row: the snapshot column is large).
_CASE_COLUMNS = (Case.tracking_code, Case.title, Case.category, Case.grid_code)


def _row(item: WorkItem, case: Row, now: datetime, calendar: WorkCalendar) -> InboxRow:
    return InboxRow(
        item_id=item.id, task_name=item.name, bpmn_id=item.bpmn_id, state=item.state, role=item.role,
        department_code=item.department_code, assignee=item.assignee,
        deadline=item_deadline(item, now, calendar),
        tracking_code=case.tracking_code, title=case.title, category=case.category, grid_code=case.grid_code,
        urgency=item.urgency,
    )


def inbox_page(session: Session, actor: Actor, flt: InboxFilter, *, now: datetime, calendar: WorkCalendar,
               page: int = 1, page_size: int = 25) -> InboxPage:
    """Page ``page`` (from 1) of the actor's inbox: their claimed items first, then the team queue (the page
    shows them as two sections); within each the most urgent (特急, 紧急, 一般) first, then the earliest deadline."""
    if page < 1 or page_size < 1:
        raise ValidationError("分页参数有误", {"page": "页码必须是正整数"})
    counts = dict(session.execute(
        _filtered(select(WorkItem.assignee.is_not(None), func.count(WorkItem.id)), actor, flt, now, calendar)
        .group_by(WorkItem.assignee.is_not(None))
    ).tuples().all())
    stmt = _filtered(select(WorkItem, *_CASE_COLUMNS), actor, flt, now, calendar).order_by(
        WorkItem.assignee.is_(None), WorkItem.urgency.desc(), WorkItem.due_at.asc().nulls_last(), WorkItem.id,
    ).limit(page_size).offset((page - 1) * page_size)
    rows = [_row(row[0], row, now, calendar) for row in session.execute(stmt)]
    mine = counts.get(True, 0)
    return InboxPage(rows=rows, page=page, page_size=page_size, total=mine + counts.get(False, 0),
                     total_mine=mine)
