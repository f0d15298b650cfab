"""What the auditor's replay page shows at each step, in a person's terms (names, labels, masked text)."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from engine import labels
from engine.audit.steps import ItemAsItWas, Step, replay_history
from engine.bpmn.parser import ParsedProcess
from engine.bpmn.serializer import canonical_json
from engine.calendar.store import load_calendar
from engine.cases.models import Case
from engine.cases.queries import find_case
from engine.cases.read_models import (
    CaseSummary,
    FieldValue,
    Names,
    TimelineEntry,
    case_events,
    case_summary,
    field_label,
    shown_value,
    timeline_entries,
)
from engine.civic.contact import Contact, contact_of
from engine.public.redaction import redact
from engine.specs.queries import version_by_id
from engine.specs.registry import parsed


@dataclass(frozen=True)
class ItemView:
    """A work item as the inboxes had it after the step."""

    task_name: str
    bpmn_id: str
    role: str
    department_name: str | None
    grid_name: str | None
    assignee: str | None
    assignee_name: str | None
    #: ``ready`` or ``claimed``.
    state: str
    due_at: datetime | None
    escalated: bool


@dataclass(frozen=True)
class DataRow:
    """One process variable after the step, in words; ``changed`` when the step set or changed it."""

    name: str
    #: The form field's label or the variable's words (engine/labels.py), never the variable name.
    label: str
    #: As a person reads it: names for codes, a datetime for an ISO time (shown in local time), masked text.
    value: Any
    changed: bool
    #: The value before the step (as read), when the step changed one that was already set.
    before: Any = None
    was_set: bool = False


@dataclass(frozen=True)
class StepView:
    seq: int
    at: datetime
    type: str
    actor: str
    actor_name: str | None
    role: str
    #: The event as the case page's timeline words it.
    entry: TimelineEntry
    #: The form answers entered at this step (task completions).
    values: tuple[FieldValue, ...]
    data: tuple[DataRow, ...]
    items: tuple[ItemView, ...]
    completed: tuple[str, ...]
    current: tuple[str, ...]
    snapshot_sha256: str | None
    finished: bool
    #: For ``evidence_attached``: the file as the event records it (hash, size, type, capture metadata).
    evidence: Mapping[str, Any] | None = None

    @property
    def changes(self) -> tuple[DataRow, ...]:
        """What the step set or changed; a field left empty that was empty before is no change to read."""
        return tuple(row for row in self.data if row.changed and (row.was_set or row.value not in (None, "")))


@dataclass(frozen=True)
class CaseReplay:
    case: CaseSummary
    process_key: str
    #: The diagram's name (pages show it rather than the key).
    process_name: str
    process_version: int
    steps: tuple[StepView, ...]
    #: Set when the log could not be replayed to its end (the steps stop before it).
    failed_seq: int | None
    failure: str | None
    first_escalation: int | None
    first_rating: int | None

    def step(self, seq: int | None) -> StepView | None:
        """Step ``seq``, or the last one when ``seq`` is None or out of range."""
        if not self.steps:
            return None
        return next((s for s in self.steps if s.seq == seq), self.steps[-1])


class _Masker:
    """Free text as an auditor may read it: long numbers and the reporter's name and phone masked."""

    def __init__(self, contact: Contact | None) -> None:
        self.secrets = contact.values() if contact else []

    def __call__(self, value: Any) -> Any:
        if isinstance(value, str):
            return redact(value, self.secrets)
        if isinstance(value, (dict, list)):
            return redact(canonical_json(value), self.secrets)
        return value


def _values(process: ParsedProcess, step: Step, names: Names, mask: _Masker) -> tuple[FieldValue, ...]:
    if step.type != "task_completed":
        return ()
    human = process.human_tasks.get(str(step.payload.get("bpmn_id")))
    data = step.payload.get("data")
    if human is None or not isinstance(data, dict):
        return ()
    return tuple(FieldValue(field_label(f), mask(shown_value(f, data[f.id], names))) for f in human.form.fields
                 if data.get(f.id) not in (None, ""))


class _Reader:
    """Process variables in words: labels from the diagram's forms, values through engine/labels.py."""

    def __init__(self, process: ParsedProcess, names: Names, mask: _Masker) -> None:
        self.fields = {f.id: f for task in process.human_tasks.values() for f in task.form.fields}
        self.names = names
        self.mask = mask

    def value(self, name: str, value: Any) -> Any:
        shown = labels.readable(name, value, self.fields, self.names.departments, self.names.grids, self.names.user)
        return self.mask(shown)

    def rows(self, step: Step, before: dict[str, Any]) -> tuple[DataRow, ...]:
        rows = [DataRow(name, labels.variable_label(name, self.fields), self.value(name, value),
                        name not in before or before[name] != value,
                        self.value(name, before[name]) if name in before else None,
                        before.get(name) not in (None, ""))
                for name, value in step.data.items()]
        return tuple(sorted(rows, key=lambda r: (r.label, r.name)))


def _item(item: ItemAsItWas, names: Names) -> ItemView:
    return ItemView(task_name=item.name, bpmn_id=item.bpmn_id, role=item.role,
                    department_name=names.departments.get(item.department_code or "", item.department_code),
                    grid_name=names.grids.get(item.grid_code or "", item.grid_code), assignee=item.assignee,
                    assignee_name=names.user(item.assignee), state=item.state, due_at=item.due_at,
                    escalated=item.escalated)


def case_replay(session: Session, ref: str) -> CaseReplay:
    """Every step of the case's history (one replay of its log); access is the caller's check."""
    case: Case = find_case(session, ref)
    version = version_by_id(session, case.process_version_id)
    process = parsed(version)
    names = Names(session)
    mask = _Masker(contact_of(session, case))
    reader = _Reader(process, names, mask)
    events = case_events(session, case)
    history = replay_history(process, case.uuid, events, lambda at: load_calendar(session, at),
                             grid_code=case.grid_code)
    entries = {e.seq: e for e in timeline_entries(session, case, names)}
    names.users([s.actor for s in history.steps] + [i.assignee for s in history.steps for i in s.items])
    views = []
    before: dict[str, Any] = {}
    for step in history.steps:
        views.append(StepView(
            seq=step.seq, at=step.at, type=step.type, actor=step.actor, actor_name=names.user(step.actor),
            role=step.role, entry=entries[step.seq], values=_values(process, step, names, mask),
            data=reader.rows(step, before), items=tuple(_item(i, names) for i in step.items),
            completed=step.completed, current=step.current, snapshot_sha256=step.snapshot_sha256,
            finished=step.finished, evidence=step.payload if step.type == "evidence_attached" else None,
        ))
        before = dict(step.data)
    summary = case_summary(case, names)
    return CaseReplay(
        case=replace(summary, title=mask(summary.title), description=mask(summary.description),
                     address=mask(summary.address)), process_key=version.key, process_name=version.name,
        process_version=version.version, steps=tuple(views),
        failed_seq=history.failed_seq, failure=history.failure,
        first_escalation=next((s.seq for s in history.steps if s.type == "escalated"), None),
        first_rating=next((s.seq for s in history.steps if s.type == "rating"), None),
    )

