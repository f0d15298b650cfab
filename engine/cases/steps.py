"""Run one engine event on a locked case and save everything it changed, in the caller's transaction.

This is the only place a case's snapshot is written: the event, the snapshot,
the work items, the domain rows and the version counter move together.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from engine.cases.chain import append_event, close_event, open_event
from engine.cases.events import CaseEvent
from engine.bpmn.parser import ParsedProcess
from engine.bpmn.serializer import canonical_json
from engine.calendar.store import load_calendar
from engine.cases.hooks import HookRegistry, Record
from engine.cases.models import Case, WorkItem
from engine.cases.routing import phase_for
from engine.cases.work_items import sync_work_items
from engine.cases.workflow_cache import workflows
from engine.clock import to_db
from engine.people.actor import Actor
from engine.runtime import Instance, ReadyTask, apply_event, load, new_context
from engine.specs.decisions import decision_lookup
from engine.specs.registry import process_of


@dataclass
class StepResult:
    case: Case
    event: CaseEvent
    opened: list[WorkItem] = field(default_factory=list)
    closed: list[WorkItem] = field(default_factory=list)
    records: list[CaseEvent] = field(default_factory=list)
    fired_timers: list[str] = field(default_factory=list)
    #: The human tasks ready after the step, work items or not (instances of a multi-instance task).
    ready: list[ReadyTask] = field(default_factory=list)
    #: For a new case: its reporter key, to hand to the reporter now (only its hash is kept).
    reporter_key: str | None = field(default=None, repr=False)


def load_instance(session: Session, case: Case) -> Instance:
    return load(process_of(session, case.process_version_id), case.snapshot, case.uuid)


def run_engine_event(session: Session, case: Case, *, event_type: str, payload: dict[str, Any],
                     actor: Actor, at: datetime, hooks: HookRegistry,
                     completed_item: WorkItem | None = None,
                     completed_data: Mapping[str, Any] | None = None,
                     process: ParsedProcess | None = None, instance: Instance | None = None) -> StepResult:
    """``process`` is the case's parsed spec and ``instance`` its loaded snapshot when the caller has them
    already (each saves a lookup or a load per step). Without ``instance`` the workflow this process saved
    last for the case is used when the locked row still holds its snapshot (:mod:`engine.cases.workflow_cache`),
    else the snapshot is loaded."""
    # Apply exactly what the log will hold (key order included), so replay repeats this very step.
    payload = json.loads(canonical_json(payload))
    process = process or process_of(session, case.process_version_id)
    if instance is None and event_type != "case_opened":
        instance = workflows.take(case, process) or load(process, case.snapshot, case.uuid)
    issued = instance.ids.issued if instance else 0
    if event_type == "spec_migrated":  # the case moves to another version of its process
        process = process_of(session, int(payload["to_version_id"]))
        case.process_version_id = int(payload["to_version_id"])
    calendar = load_calendar(session, at)
    if calendar.overrides_digest is not None:  # the admin-entered days this step's deadlines used: replay checks
        payload["calendar"] = calendar.overrides_digest
    instance = apply_event(instance, process, event_type, payload,
                           new_context(case.uuid, issued, at, calendar,
                                       decision_lookup(session, case.decision_version_id)))
    # Opened now (the rows the hooks write name its seq), closed after them: the event commits to those rows.
    event = open_event(session, case, type=event_type, actor=actor.username, role=actor.role,
                       at=at, payload=payload)
    records: list[Record] = []
    if completed_item is not None:
        on_completed = hooks.get(completed_item.form_key, case.process_key).completed
        if on_completed is not None:
            records += on_completed(session, case, completed_item, completed_data or {}, at, actor)
    changes = sync_work_items(session, case, instance, at, hooks,
                              completed_task_id=completed_item.task_id if completed_item else None,
                              completed_by=actor.username, timers_fired=bool(instance.fired_timers))
    records += changes.records
    save_instance(case, instance, at)
    close_event(session, case)
    result = StepResult(case, event, changes.opened, changes.closed, fired_timers=list(instance.fired_timers),
                        ready=instance.ready_tasks())
    result.records = append_records(session, case, records, at)
    workflows.put(case, instance)  # only now: a step that raised keeps nothing it changed
    return result


def append_records(session: Session, case: Case, records: list[Record], at: datetime) -> list[CaseEvent]:
    """Log what the step meant in domain terms (who is told of them: :mod:`engine.notify.triggers`)."""
    return [append_event(session, case, type=record_type, actor="system", role="system", at=at,
                         payload=record_payload) for record_type, record_payload in records]


def save_instance(case: Case, instance: Instance, at: datetime) -> None:
    case.snapshot = instance.snapshot()
    case.version += 1
    case.next_timer_at = to_db(instance.next_timer_at())
    roles = [t.human.role.value for t in instance.ready_tasks()]
    case.phase = phase_for(roles, instance.completed)
    if instance.completed:
        case.status = "closed"
        case.outcome = str(instance.data.get("outcome") or "completed")
        case.closed_at = to_db(at)
