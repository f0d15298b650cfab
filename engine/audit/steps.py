"""The state of a case after every event of its log, computed in one replay pass.

This is what the auditor steps through: after each event, the workflow's snapshot
fingerprint, the elements completed and waiting (for the diagram), the process
data, and the work items as the inboxes had them then — the ready human tasks of
the replayed workflow, with the claims, releases, reassignments and escalations the
log records on top. Replaying N steps costs one replay, not N.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from engine.cases.events import CaseEvent
from engine.audit.replay import CalendarAt, ReplayFailed, replay_events
from engine.bpmn.parser import ParsedProcess
from engine.cases.read_models import diagram_of, event_payload
from engine.clock import as_utc
from engine.people.roles import Role
from engine.runtime import Instance


@dataclass(frozen=True)
class ItemAsItWas:
    """A work item (an open human task) as it stood after a step."""

    task_id: str
    bpmn_id: str
    name: str
    role: str
    department_code: str | None
    grid_code: str | None
    assignee: str | None
    #: ``ready`` or ``claimed``.
    state: str
    due_at: datetime | None
    escalated: bool = False


@dataclass(frozen=True)
class Step:
    """The case right after event ``seq``."""

    seq: int
    type: str
    actor: str
    role: str
    at: datetime
    payload: Mapping[str, Any]
    #: SHA-256 of the workflow snapshot after this event (None before ``case_opened``).
    snapshot_sha256: str | None
    completed: tuple[str, ...]
    current: tuple[str, ...]
    items: tuple[ItemAsItWas, ...]
    #: The process data after this event (JSON values).
    data: Mapping[str, Any]
    finished: bool


@dataclass(frozen=True)
class History:
    steps: tuple[Step, ...]
    #: Set when the log could not be replayed to its end: the steps stop before ``failed_seq``.
    failed_seq: int | None = None
    failure: str | None = None


def _json_safe(data: Mapping[str, Any]) -> dict[str, Any]:
    safe: dict[str, Any] = json.loads(json.dumps(dict(data), default=str, ensure_ascii=False))
    return safe


@dataclass
class _Tracker:
    """Called after every replayed event; keeps what the step view needs and drops the workflow."""

    grid_code: str | None
    steps: list[Step] = field(default_factory=list)
    items: dict[str, ItemAsItWas] = field(default_factory=dict)
    #: The department the case is with, as far as the log says (for department tasks whose data names none).
    department: str | None = None
    #: Facts of the workflow after the latest engine event: a record event leaves them as they are.
    snapshot_sha256: str | None = None
    completed: tuple[str, ...] = ()
    current: tuple[str, ...] = ()
    data: Mapping[str, Any] = field(default_factory=dict)
    finished: bool = False
    _instance: Instance | None = None

    def __call__(self, event: CaseEvent, instance: Instance | None) -> None:
        payload = event_payload(event)
        # Replay hands over a new instance exactly when the event changed the workflow.
        if instance is not None and instance is not self._instance:
            self._instance = instance
            self._engine_step(instance)
        else:
            self._record(event, payload)
        self.steps.append(Step(
            seq=event.seq, type=event.type, actor=event.actor, role=event.role, at=as_utc(event.at),
            payload=payload, snapshot_sha256=self.snapshot_sha256, completed=self.completed, current=self.current,
            items=tuple(self.items.values()), data=self.data, finished=self.finished,
        ))

    def _engine_step(self, instance: Instance) -> None:
        diagram = diagram_of(instance)
        self.snapshot_sha256 = hashlib.sha256(instance.snapshot().encode("utf-8")).hexdigest()
        self.completed, self.current = diagram.completed, diagram.current
        self.data = _json_safe(instance.data)
        self.finished = instance.completed
        items: dict[str, ItemAsItWas] = {}
        for task in instance.ready_tasks():
            known = self.items.get(task.task_id)
            # Kept as it was, unless a migration gave the task to another role (the item is then reset).
            if known is not None and known.role == task.human.role.value:
                items[task.task_id] = replace(known, due_at=task.due_at)
                continue
            role = task.human.role.value
            department = None
            if role == Role.DEPARTMENT.value:
                department = task.data.get("responsible_department") or self.department
                self.department = department or self.department
            items[task.task_id] = ItemAsItWas(
                task_id=task.task_id, bpmn_id=task.human.bpmn_id, name=task.human.name, role=role,
                department_code=department, grid_code=self.grid_code if role == Role.GRID_WORKER.value else None,
                assignee=None, state="ready", due_at=task.due_at)
        self.items = items

    def _record(self, event: CaseEvent, payload: Mapping[str, Any]) -> None:
        if event.type in ("claimed", "released"):
            task_id = str(payload.get("task_id"))
            if (item := self.items.get(task_id)) is not None:
                claimed = event.type == "claimed"
                self.items[task_id] = replace(item, assignee=event.actor if claimed else None,
                                              state="claimed" if claimed else "ready")
        elif event.type == "reassigned":
            department = payload.get("department")
            if department:
                self.department = str(department)
            if (item := self._open_item(payload.get("work_item"))) is not None:
                assignee = payload.get("assignee")
                self.items[item.task_id] = replace(
                    item, department_code=str(department) if department else item.department_code,
                    assignee=str(assignee) if assignee else None, state="claimed" if assignee else "ready")
        elif event.type == "escalated" and payload.get("manual") \
                and (item := self._open_item(payload.get("work_item"))) is not None:
            self.items[item.task_id] = replace(item, escalated=True)

    def _open_item(self, bpmn_id: Any) -> ItemAsItWas | None:
        return next((i for i in self.items.values() if i.bpmn_id == bpmn_id), None) if bpmn_id else None


def replay_history(process: ParsedProcess, case_uuid: str, events: Iterable[CaseEvent], calendar_at: CalendarAt,
                   *, grid_code: str | None) -> History:
    """Every step of the case, from one replay of its log; a log that cannot be replayed to
    its end gives the steps before the failing event and says why."""
    tracker = _Tracker(grid_code)
    try:
        replay_events(process, case_uuid, events, calendar_at, on_event=tracker)
    except ReplayFailed as exc:
        return History(tuple(tracker.steps), exc.seq, exc.message)
    return History(tuple(tracker.steps))
