"""Notifications written by the steps themselves, in the step's own transaction (so never lost, never twice).

One ``before_flush`` listener reads what a flush is about to write — new work items, new case events,
cases that changed phase — and adds the notification rows that go with them. The case operations stay
unaware of who is told what; a new event type is told about by adding a rule to :data:`EVENT_RULES`.
An escalation whose step words its own notice (a manual 吹哨 on a task with its reason, a mediation's 30 days)
keeps it; the others (a department's or triage's missed deadline) are told here.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from engine.cases.events import CaseEvent
from engine.calendar.workdays import CHINA_TZ
from engine.cases.models import Case, Notification, WorkItem
from engine.clock import as_utc
from engine.notify.models import DeadlineWatch, ResidentSubscription
from engine.notify.recipients import RESIDENT
from engine.people.models import Department
from engine.people.roles import Role

STAFF_ROLES = {r.value for r in Role} - {Role.RESIDENT.value}


def local(moment: datetime | None) -> str:
    return as_utc(moment).astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M") if moment else ""


def queue_of(item: WorkItem) -> str:
    """The recipient who sees ``item`` in their inbox."""
    if item.assignee:
        return f"user:{item.assignee}"
    if item.role == Role.DEPARTMENT.value and item.department_code:
        return f"department:{item.department_code}"
    if item.role == Role.GRID_WORKER.value and item.grid_code:
        return f"grid:{item.grid_code}"
    return item.role


def note(case: Case, recipient: str, kind: str, message: str, *, at: datetime, item: WorkItem | None = None,
         urgent: bool = False, **params: Any) -> Notification:
    row = Notification(case_id=case.id, recipient=recipient, kind=kind, message=message, created_at=at,
                       urgent=urgent, params=json.dumps(params, ensure_ascii=False, sort_keys=True))
    if item is not None:
        row.work_item = item
    return row


def _new_work(session: Session, item: WorkItem, case: Case) -> None:
    if item.role not in STAFF_ROLES:
        return
    deadline = f"，时限 {local(item.due_at)}" if item.due_at else ""
    # Urgent matters (紧急 / 特急) count minutes: their new work is not held back by anyone's quiet hours.
    session.add(note(case, queue_of(item), "new_work", f"案件 {case.tracking_code}（{case.title}）有新待办：{item.name}{deadline}",
                     at=item.created_at, item=item, urgent=item.urgency > 0, task=item.name,
                     deadline=local(item.due_at)))
    if item.due_at is not None and item.due_at > item.created_at:
        session.add(DeadlineWatch(work_item=item, next_at=item.created_at + (item.due_at - item.created_at) / 2,
                                  level_done=0))


#: The reminder levels, in per cent of a work item's time (engine.notify.reminders sends them).
LEVELS = (50, 80, 100)


def _deadline_moved(session: Session, item: WorkItem, at: datetime) -> None:
    """An extension or a refreshed deadline: remind again against the new one, from the level reached now."""
    if item.role not in STAFF_ROLES or item.due_at is None or item.due_at <= item.created_at:
        return
    span = item.due_at - item.created_at
    reached = max((lv for lv in LEVELS if item.created_at + span * lv / 100 <= at), default=0)
    later = [lv for lv in LEVELS if lv > reached]
    with session.no_autoflush:
        watch = session.get(DeadlineWatch, item.id)
    if not later:
        return
    next_at = item.created_at + span * later[0] / 100
    if watch is None:
        session.add(DeadlineWatch(work_item_id=item.id, next_at=next_at, level_done=reached))
    else:
        watch.next_at, watch.level_done = next_at, reached


def _reassigned(session: Session, ev: CaseEvent, case: Case, payload: dict[str, Any]) -> None:
    # The step may have flushed already (its rows are recorded with the event): find the item by query too.
    item = next((i for i in session.dirty if isinstance(i, WorkItem) and i.case_id == case.id
                 and i.bpmn_id == payload.get("work_item")), None) or session.scalar(
        select(WorkItem).where(WorkItem.case_id == case.id, WorkItem.bpmn_id == payload.get("work_item"),
                               WorkItem.state.in_(("ready", "claimed"))).order_by(WorkItem.id.desc()).limit(1))
    task = item.name if item is not None else str(payload.get("work_item"))
    reason = str(payload.get("reason") or "")
    if item is not None:
        session.add(note(case, queue_of(item), "reassigned",
                         f"案件 {case.tracking_code} 的任务「{task}」已改派给您，理由：{reason}",
                         at=ev.at, item=item, task=task, reason=reason))
        history = inspect(item).attrs.assignee.history.deleted
        before = payload["previous_assignee"] if "previous_assignee" in payload else (history[0] if history else None)
        if before and before != item.assignee:
            session.add(note(case, f"user:{before}", "reassigned",
                             f"您认领的案件 {case.tracking_code} 任务「{task}」已被改派，理由：{reason}",
                             at=ev.at, task=task, reason=reason))


def _returned(session: Session, ev: CaseEvent, case: Case, payload: dict[str, Any]) -> None:
    """退单: the dispatcher the case went back to is told who returned it and why (the task to re-dispatch
    is the newest open one of the case outside the departments)."""
    with session.no_autoflush:
        pending = [i for i in session.new if isinstance(i, WorkItem) and i.case_id == case.id]
        item = next((i for i in reversed(pending) if i.role != Role.DEPARTMENT.value), None) or session.scalar(
            select(WorkItem).where(WorkItem.case_id == case.id, WorkItem.state.in_(WorkItem.OPEN_STATES),
                                   WorkItem.role != Role.DEPARTMENT.value).order_by(WorkItem.id.desc()).limit(1))
        code = str(payload.get("department") or "")
        name = session.scalar(select(Department.name).where(Department.code == code)) or code
    reason = str(payload.get("reason") or "")
    recipient = queue_of(item) if item is not None else Role.SUPERVISOR.value
    session.add(note(case, recipient, "returned",
                     f"案件 {case.tracking_code}（{case.title}）被{name}退单，理由：{reason}。请重新分拨",
                     at=ev.at, item=item, urgent=case.priority != "normal", department=name, reason=reason))


def _escalated(session: Session, ev: CaseEvent, case: Case, payload: dict[str, Any]) -> None:
    """A missed deadline: the supervisors are told which task of which department, linked to the task they
    now handle it with (the escalation opened in the same step)."""
    if payload.get("manual") or any(isinstance(n, Notification) and n.kind == "escalated" and n.case_id == case.id
                                    and n.params is None for n in session.new):
        return  # the step wrote its own notice (it carries no params); ours below do, one per department
    with session.no_autoflush:
        recipient = str(payload.get("to") or Role.SUPERVISOR.value)
        code = str(payload.get("department") or "")
        pending = [i for i in session.new if isinstance(i, WorkItem) and i.case_id == case.id]
        handlers = [i for i in pending if i.role == recipient] or list(session.scalars(
            select(WorkItem).where(WorkItem.case_id == case.id, WorkItem.state.in_(WorkItem.OPEN_STATES),
                                   WorkItem.role == recipient)))
        # One task to handle it: link it. Several (a whistle's departments missed a deadline together): their
        # escalation tasks do not say whose they are, so the notice links the case page, which shows them all.
        handler = handlers[0] if len(handlers) == 1 else None
        missed = session.scalar(select(WorkItem.name).where(
            WorkItem.case_id == case.id, WorkItem.bpmn_id == str(payload.get("work_item"))
        ).order_by(WorkItem.id.desc()).limit(1)) or str(payload.get("work_item") or "")
        unit = (session.scalar(select(Department.name).where(Department.code == code)) or code) if code else ""
    due = payload.get("due_at")
    late = f"已超过时限（{local(datetime.fromisoformat(str(due).removesuffix('Z')))}）" if due else "已超时"
    session.add(note(case, recipient, "escalated",
                     f"案件 {case.tracking_code}（{case.title}）{unit + '的' if unit else ''}「{missed}」{late}，"
                     "已上报督办", at=ev.at, item=handler, urgent=case.priority != "normal", task=missed,
                     department=unit))


EventRule = Callable[[Session, CaseEvent, Case, dict[str, Any]], None]
#: Event type → what it tells whom. Other helpers' events join here.
EVENT_RULES: dict[str, EventRule] = {"reassigned": _reassigned, "dispatch_returned": _returned,
                                     "escalated": _escalated}

#: Phase a case entered → what its resident is told (Chinese; English in engine.notify.wording).
RESIDENT_UPDATES = {
    "negotiate": ("已受理，提交居民议事会协商", "accepted and put to the residents' council"),
    "assign": ("已受理并派发给职能部门办理", "accepted and dispatched to the responsible department"),
    "evaluate": ("已办理完成，请对办理结果进行评价", "completed; please rate the result"),
}


def _case_changed(session: Session, case: Case) -> None:
    state = inspect(case)
    phase, status = state.attrs.phase.history, state.attrs.status.history
    if status.added and case.status == "closed":
        text, english = f"您反映的问题（{case.tracking_code}）已办结。", "closed"
    elif phase.added and case.phase in RESIDENT_UPDATES and case.phase not in (phase.deleted or []):
        update = RESIDENT_UPDATES[case.phase]
        text, english = f"您反映的问题（{case.tracking_code}）{update[0]}。", update[1]
    else:
        return  # nothing a resident is told: no need to look for a subscription
    with session.no_autoflush:
        sub = session.get(ResidentSubscription, case.id)
    if sub is None or sub.withdrawn_at is not None:
        return
    at = case.closed_at if case.status == "closed" else None
    at = at or max((e.at for e in session.new if isinstance(e, CaseEvent) and e.case_id == case.id), default=None)
    session.add(note(case, RESIDENT, "case_update", text, at=at or case.opened_at, update_en=english,
                     link=private_link(case)))


def private_link(case: Case) -> str:
    """The resident's own page for the case (the tracking page until the private link exists)."""
    return f"/track/{case.tracking_code}"


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    new = [o for o in session.new if isinstance(o, (WorkItem, CaseEvent))]
    dirty = [o for o in session.dirty if isinstance(o, (Case, WorkItem))]
    cases = [o for o in dirty if isinstance(o, Case)]
    if not new and not dirty:
        return
    for item in dirty:
        if isinstance(item, WorkItem) and item.is_open and inspect(item).attrs.due_at.history.deleted:
            _deadline_moved(session, item, max((e.at for e in new if isinstance(e, CaseEvent)
                                                and e.case_id == item.case_id), default=item.created_at))
    for obj in new:
        case = session.identity_map.get(inspect(Case).identity_key_from_primary_key((obj.case_id,)))
        if case is None:
            continue
        if isinstance(obj, WorkItem):
            _new_work(session, obj, case)
        elif (rule := EVENT_RULES.get(obj.type)) is not None:
            rule(session, obj, case, json.loads(obj.payload))
    for case in cases:
        _case_changed(session, case)


def install() -> None:
    """Listen on every session (idempotent)."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
