"""Read models of dispatch: who was summoned, who reported in and when, deadlines per department; the
supervisor's pending extension requests. They read domain rows and work items, never the workflow."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.cases.events import CaseEvent
from engine.cases.access import check_may_view
from engine.cases.models import Case, WorkItem
from engine.cases.queries import find_case
from engine.civic.models import Assignment
from engine.clock import to_db
from engine.dispatch.models import ExtensionRequest
from engine.errors import PermissionDenied
from engine.people.actor import Actor
from engine.people.queries import department_names, user_by_name
from engine.people.roles import Role

#: Labels of an assignment's part in a dispatch.
PART_LABELS = {"sole": "承办", "lead": "牵头", "co": "协办"}
#: Labels of an assignment's state.
STATE_LABELS = {"pending": "待报到", "accepted": "已报到", "on_site": "已到场", "completed": "已办结",
                "returned": "已退单", "reassigned": "已改派"}


@dataclass(frozen=True)
class Extension:
    id: int
    requested_due: datetime
    reason: str
    requested_at: datetime
    requested_by: str
    #: pending, approved or refused.
    state: str
    decided_at: datetime | None
    decision_note: str | None


@dataclass(frozen=True)
class OpenTask:
    work_item_id: int
    bpmn_id: str
    name: str
    due_at: datetime | None
    overdue: bool


@dataclass
class SummonedDepartment:
    """One department's turn in one dispatch of the case."""

    department_code: str
    department_name: str
    #: ``sole`` (direct dispatch), ``lead`` (牵头) or ``co`` (协办); ``part_label`` in Chinese.
    part: str
    part_label: str
    round: int
    state: str
    state_label: str
    summoned_at: datetime
    accept_due: datetime | None
    reported_in_at: datetime | None
    onsite_due: datetime | None
    on_site_at: datetime | None
    complete_due: datetime | None
    done_at: datetime | None
    return_reason: str | None
    escalations: int
    #: The department's open task now (accept, on site, report, complete), for the 催办 / 延期 buttons.
    open_task: OpenTask | None = None
    extensions: list[Extension] = field(default_factory=list)
    urges: int = 0
    last_urged_at: datetime | None = None


@dataclass
class DispatchBoard:
    tracking_code: str
    priority: str
    suggested_department: str | None
    #: Every department summoned, newest dispatch first, the lead before its co-departments.
    departments: list[SummonedDepartment] = field(default_factory=list)

    @property
    def current_round(self) -> int:
        return max((d.round for d in self.departments), default=0)


_PART_ORDER = {"lead": 0, "sole": 0, "co": 1}


def dispatch_board(session: Session, case_ref: str | int, actor: Actor, now: datetime) -> DispatchBoard:
    case = find_case(session, case_ref)
    check_may_view(session, actor, case)
    names = department_names(session)
    board = DispatchBoard(case.tracking_code, case.priority, case.suggested_department)
    assignments = list(session.scalars(select(Assignment).where(Assignment.case_id == case.id)))
    assignments.sort(key=lambda a: (-a.round, _PART_ORDER.get(a.role, 2), a.id))
    items = {i.department_code: i for i in session.scalars(
        select(WorkItem).where(WorkItem.case_id == case.id, WorkItem.state.in_(WorkItem.OPEN_STATES),
                               WorkItem.role == Role.DEPARTMENT.value).order_by(WorkItem.id))}
    extensions: dict[str | None, list[Extension]] = {}
    for r in session.scalars(select(ExtensionRequest).where(ExtensionRequest.case_id == case.id)
                             .order_by(ExtensionRequest.id)):
        extensions.setdefault(r.department_code, []).append(Extension(
            r.id, r.requested_due, r.reason, r.requested_at, r.requested_by, r.state, r.decided_at, r.decision_note))
    urges: dict[str | None, list[datetime]] = {}
    for event in session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.type == "urged")):
        urges.setdefault(json.loads(event.payload).get("department"), []).append(event.at)
    seen_open: set[str] = set()
    for a in assignments:
        item = items.get(a.department_code) if a.state in ("pending", "accepted", "on_site") \
            and a.department_code not in seen_open else None
        if item is not None:
            seen_open.add(a.department_code)
        task = OpenTask(item.id, item.bpmn_id, item.name, item.due_at,
                        item.due_at is not None and item.due_at < to_db(now)) if item else None
        when = urges.get(a.department_code, [])
        board.departments.append(SummonedDepartment(
            a.department_code, names.get(a.department_code, a.department_code), a.role,
            PART_LABELS.get(a.role, a.role), a.round, a.state, STATE_LABELS.get(a.state, a.state), a.assigned_at,
            a.accept_due, a.accepted_at, a.onsite_due, a.on_site_at, a.complete_due, a.completed_at,
            a.return_reason, a.escalations, task, extensions.get(a.department_code, []), len(when),
            max(when) if when else None))
    return board


@dataclass(frozen=True)
class PendingExtension:
    """A row of the supervisor's 待审批延期 list."""

    id: int
    tracking_code: str
    case_title: str
    department_code: str | None
    department_name: str
    work_item_id: int
    work_item_name: str
    current_due: datetime | None
    requested_due: datetime
    reason: str
    requested_at: datetime
    requested_by: str
    requested_by_name: str


def pending_extensions(session: Session, actor: Actor, limit: int = 200) -> list[PendingExtension]:
    if actor.role != Role.SUPERVISOR.value:
        raise PermissionDenied("只有街道督办可以审批延期")
    names = department_names(session)
    rows = session.execute(
        select(ExtensionRequest, Case.tracking_code, Case.title, WorkItem.name)
        .join(Case, Case.id == ExtensionRequest.case_id).join(WorkItem, WorkItem.id == ExtensionRequest.work_item_id)
        .where(ExtensionRequest.state == "pending").order_by(ExtensionRequest.requested_at).limit(limit))
    result = []
    for r, code, title, item_name in rows:
        user = user_by_name(session, r.requested_by)
        result.append(PendingExtension(
            r.id, code, title, r.department_code, names.get(r.department_code or "", r.department_code or ""),
            r.work_item_id, item_name, r.current_due, r.requested_due, r.reason, r.requested_at, r.requested_by,
            user.display_name if user is not None else r.requested_by))
    return result
