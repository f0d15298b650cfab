"""State changes of cases. Each runs inside the caller's transaction and never commits.

Every function locks the case first, checks the actor against the object, and
writes its events in the same transaction as the change it records.
"""
from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from engine.cases.chain import GENESIS, append_event
from engine.bpmn.forms import validate_form
from engine.cases.access import check_may_act, check_may_change, check_may_view, unit_for_new_case
from engine.cases.hooks import HookRegistry
from engine.cases.intake import Intake, check_intake, default_title, new_tracking_code
from engine.cases.models import Case, Notification, WorkItem
from engine.cases.queries import find_case, lock_case
from engine.cases.reporter_key import check_reporter
from engine.cases.reporter_key import issue as issue_reporter_key
from engine.cases.steps import StepResult, run_engine_event
from engine.clock import to_db
from engine.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from engine.evidence.operations import MAX_PER_CASE, attach_form_files
from engine.people.actor import SYSTEM, Actor
from engine.people.queries import option_values, user_by_name
from engine.people.roles import Role
from engine.specs.decisions import pin_for
from engine.specs.queries import current_version
from engine.specs.registry import parsed_version, process_of


def open_case(session: Session, intake: Intake, *, actor: Actor, at: datetime, hooks: HookRegistry,
              process_key: str = "civic_loop", key_holder: str | None = None) -> StepResult:
    """Register an issue as a new case on the current version of ``process_key``.

    The result carries the case's reporter key (:mod:`engine.cases.reporter_key`): the caller hands it
    to the reporter in the private link now — it cannot be read again, only replaced. ``key_holder``: the
    account the key is issued to when it is not ``actor`` (as :func:`engine.public.my_reports.keep_for_account`
    records it afterwards, without reading the row back).
    """
    grid = check_intake(session, intake)
    version = current_version(session, process_key)
    process = parsed_version(version)
    pinned = pin_for(session, process.decision_refs)
    case = Case(
        tracking_code=new_tracking_code(session, at), uuid=str(uuid.uuid4()), process_key=version.key,
        process_version_id=version.id, status="open", phase="collect", title=default_title(intake),
        category=intake.category, grid_code=intake.grid_code, community=grid.community if grid else None,
        address=intake.address, description=intake.description.strip(), channel=intake.channel,
        priority=intake.priority, privacy_mode=bool(intake.privacy_mode),
        decision_version_id=pinned.id if pinned else None,
        opened_at=to_db(at), opened_by=actor.username, snapshot="", version=0, last_seq=0, head_hash=GENESIS,
        unit_id=unit_for_new_case(session, actor, intake.grid_code),
    )
    session.add(case)
    session.flush()
    for opened in hooks.case_opened:  # the domains keep what the intake carries beyond the case row
        opened(session, case, intake)
    data = {
        "title": case.title, "category": case.category, "grid": case.grid_code, "community": case.community,
        "address": case.address, "description": case.description, "channel": case.channel,
        "priority": case.priority,
    }
    payload: dict[str, Any] = {
        "case_uuid": case.uuid, "tracking_code": case.tracking_code,
        "process": {"key": version.key, "version": version.version, "sha256": version.sha256},
        "data": data,
    }
    if pinned is not None:  # the routing table this case uses, for good: replay evaluates the same version
        payload["decisions"] = {"id": pinned.id, "key": pinned.key, "version": pinned.version, "sha256": pinned.sha256}
    result = run_engine_event(session, case, event_type="case_opened", payload=payload, actor=actor, at=at,
                              hooks=hooks, process=process)
    result.reporter_key = issue_reporter_key(session, case, at=at, by=key_holder or actor.username, new=True)
    return result


def _locked_item(session: Session, work_item_id: int) -> tuple[Case, WorkItem]:
    item = session.get(WorkItem, work_item_id)
    if item is None:
        raise NotFound("任务不存在")
    case = lock_case(session, item.case_id)
    if session.get_bind().dialect.name != "sqlite":
        # Re-read under the row lock: another transaction may have just finished it. (SQLite's write
        # transaction began with BEGIN IMMEDIATE before the first read, so the row is already current.)
        session.refresh(item)
    return case, item


def _require_open(item: WorkItem) -> None:
    if item.state == "completed":
        when = item.finished_at.strftime("%Y-%m-%d %H:%M") if item.finished_at else ""
        raise ConflictError(f"该任务已由 {item.completed_by} 于 {when} 办理完成")
    if item.state == "cancelled":
        raise ConflictError("该任务已取消（可能已超时上报或被改派）")


def complete_task(session: Session, work_item_id: int, form: Mapping[str, Any], *, actor: Actor,
                  at: datetime, hooks: HookRegistry,
                  expected_version: int | None = None,
                  process_data: Mapping[str, Any] | None = None,
                  max_files_per_case: int = MAX_PER_CASE) -> StepResult:
    """Complete a human task with the submitted form data.

    ``process_data`` are values the caller computed rather than a person typed (a household vote's
    number of households and closing time): they join the task's data after the form is checked.

    Raises :class:`ConflictError` when the task was completed meanwhile or the case
    moved past ``expected_version``; :class:`ValidationError` naming the bad fields.
    """
    case, item = _locked_item(session, work_item_id)
    check_may_act(session, actor, item, case)
    _require_open(item)
    if expected_version is not None and case.version != expected_version:
        raise ConflictError("案件已被他人更新，请刷新后重试")
    process = process_of(session, case.process_version_id)
    human = process.human_tasks[item.bpmn_id]
    needs_options = any(f.options_source for f in human.form.fields)
    data = validate_form(human.form, form, option_values(session) if needs_options else None)
    data = {**data, **(process_data or {})}
    if (validate := hooks.get(item.form_key, case.process_key).validate) is not None:
        validate(session, case, data, at)
    attach_form_files(session, case, human.form, data, actor=actor, at=at, max_per_case=max_files_per_case)
    payload = {"task_id": item.task_id, "bpmn_id": item.bpmn_id, "data": data}
    return run_engine_event(session, case, event_type="task_completed", payload=payload, actor=actor,
                            at=at, hooks=hooks, completed_item=item, completed_data=data, process=process)


def claim(session: Session, work_item_id: int, *, actor: Actor, at: datetime) -> WorkItem:
    """Take an item from the team queue so that colleagues see it is being handled."""
    case, item = _locked_item(session, work_item_id)
    check_may_act(session, actor, item, case)
    _require_open(item)
    if item.assignee == actor.username:
        return item
    item.assignee, item.state, item.claimed_at = actor.username, "claimed", to_db(at)
    case.version += 1
    append_event(session, case, type="claimed", actor=actor.username, role=actor.role, at=at,
                 payload={"work_item": item.bpmn_id, "task_id": item.task_id})
    return item


def release(session: Session, work_item_id: int, *, actor: Actor, at: datetime) -> WorkItem:
    """Put a claimed item back into the team queue."""
    case, item = _locked_item(session, work_item_id)
    _require_open(item)
    if item.assignee != actor.username and actor.role != Role.SUPERVISOR.value:
        raise PermissionDenied("只能退回自己认领的任务")
    item.assignee, item.state, item.claimed_at = None, "ready", None
    case.version += 1
    append_event(session, case, type="released", actor=actor.username, role=actor.role, at=at,
                 payload={"work_item": item.bpmn_id, "task_id": item.task_id})
    return item


def reassign(session: Session, work_item_id: int, *, actor: Actor, at: datetime, reason: str,
             hooks: HookRegistry, department: str | None = None,
             assignee: str | None = None) -> WorkItem:
    """A supervisor moves an open item to another department and/or person (改派)."""
    if actor.role != Role.SUPERVISOR.value:
        raise PermissionDenied("只有街道督办可以改派任务")
    if not (reason or "").strip():
        raise ValidationError("改派信息有误", {"reason": "改派必须说明理由"})
    if not department and not assignee:
        raise ValidationError("改派信息有误", {"department": "请选择改派的部门或人员"})
    case, item = _locked_item(session, work_item_id)
    _require_open(item)
    errors = {}
    if department and (item.role != Role.DEPARTMENT.value or department not in option_values(session)["departments"]):
        errors["department"] = "只能把职能部门的任务改派给有效的部门"
    target = user_by_name(session, assignee) if assignee else None
    if assignee and (target is None or target.role != item.role):
        errors["assignee"] = f"{assignee} 不是可以办理此任务的用户"
    if errors:
        raise ValidationError("改派信息有误", errors)
    if department:
        # The department lives in the process data too, so later tasks of this assignment follow it.
        run_engine_event(session, case, event_type="task_data_set", actor=actor, at=at, hooks=hooks,
                         payload={"task_id": item.task_id, "data": {"responsible_department": department}})
        previous = item.department_code
        item.department_code = case.department_code = department
        if (moved := hooks.get(item.form_key, case.process_key).reassigned) is not None:
            moved(session, case, item, previous, at)
    previous_assignee = item.assignee
    if target is not None:
        item.assignee, item.state, item.claimed_at = target.username, "claimed", to_db(at)
    else:
        item.assignee, item.state = None, "ready"
    case.version += 1
    # Who held the task before is in the record (and tells the notifications whom to tell it was taken away).
    append_event(session, case, type="reassigned", actor=actor.username, role=actor.role, at=at,
                 payload={"work_item": item.bpmn_id, "department": department, "assignee": assignee,
                          "previous_assignee": previous_assignee, "reason": reason.strip()})
    return item


def escalate(session: Session, work_item_id: int, *, actor: Actor, at: datetime, reason: str) -> WorkItem:
    """Report an open item to the supervisors (上报督办) before its deadline: they are told at once. (吹哨 is
    the summons of departments: engine.dispatch.)"""
    if not (reason or "").strip():
        raise ValidationError("上报信息有误", {"reason": "请说明需要协调的问题"})
    case, item = _locked_item(session, work_item_id)
    _require_open(item)
    if actor.role != Role.SUPERVISOR.value:
        check_may_act(session, actor, item, case)
    item.escalated_at = to_db(at)
    case.version += 1
    append_event(session, case, type="escalated", actor=actor.username, role=actor.role, at=at,
                 payload={"work_item": item.bpmn_id, "reason": reason.strip(), "manual": True, "to": "supervisor"})
    session.add(Notification(case_id=case.id, recipient="supervisor", kind="escalated", created_at=to_db(at),
                             message=f"案件 {case.tracking_code} 上报督办：{reason.strip()}"))
    return item


def fire_case_timers(session: Session, case_id: int, *, at: datetime, hooks: HookRegistry) -> StepResult | None:
    """Fire the case's due timers; None when another sweep got there first (idempotent)."""
    case = lock_case(session, case_id)
    due = case.next_timer_at
    if due is None or due >= to_db(at):
        return None
    return run_engine_event(session, case, event_type="timers_fired", actor=SYSTEM, at=at, hooks=hooks,
                            payload={"due": due.isoformat(timespec="microseconds") + "Z"})


#: Who may give a resident a new reporter key, after making sure who they are (in person, or a call back).
KEY_REISSUERS = frozenset({Role.GRID_WORKER.value, Role.SUPERVISOR.value})


def replace_reporter_key(session: Session, ref: str | int, *, actor: Actor, at: datetime) -> str:
    """A new reporter key for the case (the old one stops working), recorded in the case's log; returns the key."""
    if actor.role not in KEY_REISSUERS:
        raise PermissionDenied("只有网格员和街道可以补发反映人专用链接")
    case = find_case(session, ref)
    check_may_view(session, actor, case)
    check_may_change(session, actor, case)
    tasks = process_of(session, case.process_version_id).human_tasks.values()
    if not any(t.role == Role.RESIDENT and not t.multi_instance for t in tasks):
        raise ConflictError("这类案件没有需要反映人办理的事项，不需要专用链接")
    if case.status != "open":
        raise ConflictError("案件已结案，反映人不再需要专用链接")
    case = lock_case(session, case.id)
    key = issue_reporter_key(session, case, at=at, by=actor.username)
    append_event(session, case, type="reporter_key_replaced", actor=actor.username, role=actor.role, at=at,
                 payload={})
    return key


#: The most a reporter may add at once (the report form's description allows 600 characters).
INFORMATION_MAX = 600


def add_information(session: Session, text: str, *, actor: Actor, at: datetime) -> Case:
    """The reporter adds to their open case (it got worse, the time it happens, where exactly): recorded in the
    case's log for the staff, never published. Only the verified reporter may (:func:`check_reporter`)."""
    if actor.role != Role.RESIDENT.value or not actor.tracking_code:
        raise PermissionDenied("只有反映人可以补充情况")
    case = lock_case(session, find_case(session, actor.tracking_code).id)
    check_reporter(session, actor, case)
    text = (text or "").strip()
    if not text or len(text) > INFORMATION_MAX:
        raise ValidationError("补充情况有误", {"text": f"请写下要补充的情况，最多 {INFORMATION_MAX} 字"})
    if case.status != "open":
        raise ConflictError("案件已结案，不能再补充情况")
    append_event(session, case, type="information_added", actor=actor.username, role=actor.role, at=at,
                 payload={"text": text})
    return case
