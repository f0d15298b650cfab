"""Dispatch operations beyond the forms: 吹哨 from a case's page, 申请延期 and its decision, 催办.

Each runs inside the caller's transaction, locks the case first, checks the actor against the object
and writes its events in the same transaction as the change. Bad input is a :class:`ValidationError`
keyed by the field the interface shows it next to; nothing is written then.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.cases.chain import append_event
from engine.calendar import china_date
from engine.calendar.store import load_calendar
from engine.cases import operations as case_operations
from engine.cases.hooks import HookRegistry
from engine.cases.models import Case, WorkItem
from engine.cases.access import check_may_change
from engine.cases.queries import find_case, lock_case
from engine.cases.steps import StepResult, append_records, run_engine_event
from engine.civic.models import Assignment
from engine.clock import as_utc, to_db
from engine.dispatch.models import ExtensionRequest
from engine.dispatch.records import OPEN_STATES, open_assignment
from engine.dispatch.rules import summons_problems
from engine.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from engine.notify.triggers import local, queue_of
from engine.notify.triggers import note as notice
from engine.people.actor import Actor
from engine.people.roles import Role

#: Who may blow the whistle on a case from its page: the grid worker (首接负责制), the community (its
#: council) and the street supervisor.
WHISTLE_ROLES = frozenset({Role.GRID_WORKER.value, Role.COUNCIL.value, Role.SUPERVISOR.value})
#: Tasks where a case waits for its dispatcher: a whistle from the case page completes the open one.
TRIAGE_TASKS = ("triage", "triage_overdue")
#: Tasks of the departments' sub-process: a whistle from the case page interrupts them.
UNIT_TASKS = ("accept", "on_site", "report_part", "unit_escalation")
#: Longest text of a reason, note or message, in characters.
MAX_TEXT = 1000
#: Default for how far an extension may reach beyond the current deadline, in calendar days.
MAX_EXTENSION_DAYS = 30


def _text(value: str | None, field: str, what: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError(f"{what}信息有误", {field: f"请填写{what}理由"})
    if len(text) > MAX_TEXT:
        raise ValidationError(f"{what}信息有误", {field: f"最多 {MAX_TEXT} 个字"})
    return text


def blow_whistle(session: Session, case_ref: str | int, *, lead: str, co_departments: Sequence[str],
                 actor: Actor, reason: str, at: datetime, hooks: HookRegistry) -> StepResult:
    """吹哨报到 from the case page: summon a lead and co-departments.

    A case waiting for dispatch: its open triage task is completed with the whistle, exactly as if the
    dispatcher had chosen it there (same form, validation and events). A case whose departments are at
    work: the diagram catches the whistle (message ``whistle`` on the departments' sub-process), their open
    tasks end and the summoned departments start afresh, each with its own deadlines. Anything else (the
    council deliberating, the lead completing, closed) is a :class:`ConflictError`.
    """
    if actor.role not in WHISTLE_ROLES:
        raise PermissionDenied("只有网格员、社区和街道督办可以吹哨")
    reason = _text(reason, "reason", "吹哨")
    co = list(co_departments or [])
    errors = summons_problems(session, lead, co, lead_field="lead")
    if errors:
        raise ValidationError("吹哨信息有误", errors)
    case = find_case(session, case_ref)
    check_may_change(session, actor, case)
    if actor.role == Role.GRID_WORKER.value and actor.grid_code and case.grid_code \
            and actor.grid_code != case.grid_code:
        raise NotFound(f"案件 {case.tracking_code} 不存在")
    if case.status != "open":
        raise ConflictError(f"案件 {case.tracking_code} 已结案，不能吹哨")
    open_items = list(session.scalars(select(WorkItem).where(WorkItem.case_id == case.id,
                                                             WorkItem.state.in_(WorkItem.OPEN_STATES))))
    triage = next((i for i in open_items if i.bpmn_id in TRIAGE_TASKS), None)
    if triage is not None:
        form = {"triage_decision": "whistle", "department": lead, "co_departments": co, "triage_note": reason,
                "dispatch_reason": reason if lead != case.suggested_department else None}
        # The page's whistle is the dispatcher's decision made from elsewhere: whoever blows it completes the task.
        return case_operations.complete_task(session, triage.id, form, actor=_as_holder(actor, triage), at=at,
                                             hooks=hooks)
    if not any(i.bpmn_id in UNIT_TASKS for i in open_items):
        raise ConflictError(f"案件 {case.tracking_code} 当前不在待分拨或部门办理环节（可能在议事中或牵头部门正在办结），"
                            "不能吹哨")
    case = lock_case(session, case.id)
    # The departments at work now hand over to those summoned (their open assignments end here).
    for assignment in session.scalars(select(Assignment).where(Assignment.case_id == case.id,
                                                               Assignment.state.in_(OPEN_STATES))):
        assignment.state = "reassigned"
    result = run_engine_event(session, case, event_type="message_received", actor=actor, at=at, hooks=hooks,
                              payload={"name": "whistle", "data": {"lead": lead, "co_departments": co,
                                                                   "reason": reason}})
    result.records += append_records(session, case, [("dispatched", {
        "mode": "whistle", "lead": lead, "co_departments": co, "suggested": case.suggested_department,
        "overridden": bool(case.suggested_department) and lead != case.suggested_department, "reason": reason,
        "priority": case.priority, "by": "case_page"})], at)
    return result


def _as_holder(actor: Actor, item: WorkItem) -> Actor:
    """The actor in the role the triage task needs, keeping their name (the event says who blew the whistle)."""
    if actor.role == item.role and not item.assignee:
        return actor
    return Actor(actor.username, item.role, None, item.grid_code)


def _open_item(session: Session, work_item_id: int, actor: Actor) -> tuple[Case, WorkItem]:
    item = session.get(WorkItem, work_item_id)
    if item is None:
        raise NotFound("任务不存在")
    case = lock_case(session, item.case_id)
    check_may_change(session, actor, case)
    session.refresh(item)
    if not item.is_open:
        raise ConflictError("该任务已办结或已取消")
    return case, item


def request_extension(session: Session, work_item_id: int, *, new_due: date, reason: str, actor: Actor,
                      at: datetime, max_days: int = MAX_EXTENSION_DAYS) -> ExtensionRequest:
    """申请延期: the department holding an open task with a deadline asks to finish by the end of ``new_due``."""
    case, item = _open_item(session, work_item_id, actor)
    if actor.role != Role.DEPARTMENT.value or item.role != Role.DEPARTMENT.value:
        raise PermissionDenied("只有承办部门可以为本部门的任务申请延期")
    if actor.department_code != item.department_code:
        raise NotFound("任务不存在")
    reason = _text(reason, "reason", "延期")
    if item.due_at is None:
        raise ValidationError("延期信息有误", {"new_due": "该任务没有时限，无需延期"})
    if not isinstance(new_due, date):
        raise ValidationError("延期信息有误", {"new_due": "日期格式应为 YYYY-MM-DD"})
    calendar = load_calendar(session, at)
    wanted = calendar.end_of_day(new_due)
    current = as_utc(item.due_at)
    if new_due < china_date(at):
        raise ValidationError("延期信息有误", {"new_due": "延期后的日期不能早于今天"})
    if wanted <= current:
        raise ValidationError("延期信息有误", {"new_due": "延期后的日期应晚于当前时限"
                                                          f"（{china_date(current).isoformat()}）"})
    if wanted > current + timedelta(days=max_days):
        raise ValidationError("延期信息有误", {"new_due": f"最多延期 {max_days} 天（至 "
                                                          f"{china_date(current + timedelta(days=max_days)).isoformat()}）"})
    if session.scalar(select(ExtensionRequest.id).where(ExtensionRequest.work_item_id == item.id,
                                                        ExtensionRequest.state == "pending")) is not None:
        raise ConflictError("该任务已有一份待审批的延期申请")
    request = ExtensionRequest(case_id=case.id, work_item_id=item.id, department_code=item.department_code,
                               current_due=item.due_at, requested_due=to_db(wanted), reason=reason,
                               requested_at=to_db(at), requested_by=actor.username, state="pending")
    session.add(request)
    session.flush()
    case.version += 1
    append_event(session, case, type="extension_requested", actor=actor.username, role=actor.role, at=at,
                 payload={"extension": request.id, "work_item": item.bpmn_id, "task_id": item.task_id,
                          "department": item.department_code, "current_due": current.isoformat(),
                          "requested_due": wanted.isoformat(), "reason": reason})
    # The supervisors decide on the list of pending requests; the row still names the task it is about.
    session.add(notice(case, Role.SUPERVISOR.value, "extension_requested",
                     f"案件 {case.tracking_code}（{item.name}）申请延期至 {new_due.isoformat()}：{reason}",
                     at=to_db(at), item=item, urgent=item.urgency > 0, task=item.name, reason=reason,
                     due=new_due.isoformat(), link="/dispatch/extensions"))
    return request


def decide_extension(session: Session, extension_id: int, *, approve: bool, note: str, actor: Actor,
                     at: datetime, hooks: HookRegistry) -> ExtensionRequest:
    """The supervisor approves (the task's deadline moves) or refuses an extension request."""
    if actor.role != Role.SUPERVISOR.value:
        raise PermissionDenied("只有街道督办可以审批延期")
    request = session.get(ExtensionRequest, extension_id)
    if request is None:
        raise NotFound("延期申请不存在")
    case = lock_case(session, request.case_id)
    session.refresh(request)
    if request.state != "pending":
        raise ConflictError("该延期申请已处理")
    note = (note or "").strip()
    if len(note) > MAX_TEXT:
        raise ValidationError("审批信息有误", {"note": f"最多 {MAX_TEXT} 个字"})
    if not approve and not note:
        raise ValidationError("审批信息有误", {"note": "不同意延期时请说明理由"})
    item = session.get(WorkItem, request.work_item_id)
    if item is None or not item.is_open:
        raise ConflictError("该任务已办结或已取消，延期申请不再有效")
    request.state = "approved" if approve else "refused"
    request.decided_at, request.decided_by, request.decision_note = to_db(at), actor.username, note or None
    due = as_utc(request.requested_due)
    if approve:
        run_engine_event(session, case, event_type="deadline_moved", actor=actor, at=at, hooks=hooks,
                         payload={"task_id": item.task_id, "bpmn_id": item.bpmn_id, "due": due.isoformat()})
        if (assignment := open_assignment(session, case, item.department_code)) is not None:
            field = {"accept": "accept_due", "on_site": "onsite_due"}.get(item.bpmn_id, "complete_due")
            setattr(assignment, field, to_db(due))
    else:
        case.version += 1
    append_event(session, case, type="extension_decided", actor=actor.username, role=actor.role, at=at,
                 payload={"extension": request.id, "work_item": item.bpmn_id, "department": item.department_code,
                          "approved": approve, "due": due.isoformat() if approve else None, "note": note or None})
    verdict = f"已同意，新时限 {local(due)}" if approve else "未同意"
    session.add(notice(case, queue_of(item), "extension_decided",
                       f"案件 {case.tracking_code}（{item.name}）的延期申请{verdict}{'：' + note if note else ''}",
                       at=to_db(at), item=item, urgent=item.urgency > 0, task=item.name, approved=approve,
                       due=local(due) if approve else "", note=note))
    return request


def urge(session: Session, work_item_id: int, *, message: str, actor: Actor, at: datetime) -> None:
    """催办: the supervisor urges whoever holds an open task; the department is notified, the record keeps it."""
    if actor.role != Role.SUPERVISOR.value:
        raise PermissionDenied("只有街道督办可以催办")
    message = _text(message, "message", "催办")
    case, item = _open_item(session, work_item_id, actor)
    case.version += 1
    append_event(session, case, type="urged", actor=actor.username, role=actor.role, at=at,
                 payload={"work_item": item.bpmn_id, "task_id": item.task_id, "department": item.department_code,
                          "due_at": as_utc(item.due_at).isoformat() if item.due_at else None, "message": message})
    # Whoever sees the task: its holder if claimed, else its department's (or grid's, role's) queue.
    session.add(notice(case, queue_of(item), "urged",
                     f"街道督办催办案件 {case.tracking_code}（{item.name}）：{message}", at=to_db(at), item=item,
                     urgent=item.urgency > 0, task=item.name, reason=message))
