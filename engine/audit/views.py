"""What the auditor's replay page shows at each step, in a person's terms (names, labels, masked text)."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from engine.audit.steps import ItemAsItWas, Step, replay_history
from engine.bpmn.parser import ParsedProcess
from engine.bpmn.serializer import canonical_json
from engine.calendar.store import load_calendar
from engine.cases.models import Case
from engine.cases.queries import find_case
from engine.cases.views import (
    CaseSummary,
    FieldValue,
    Names,
    TimelineEntry,
    case_events,
    case_summary,
    shown_value,
    timeline_entries,
)
from engine.civic.models import ReporterContact
from engine.public.privacy import redact
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
    """One process variable after the step; ``changed`` when the step set or changed it."""

    name: str
    value: str | int | float | bool | None
    changed: bool


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

    @property
    def changes(self) -> tuple[DataRow, ...]:
        return tuple(row for row in self.data if row.changed)


@dataclass(frozen=True)
class CaseReplay:
    case: CaseSummary
    process_key: str
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

    def __init__(self, contact: ReporterContact | None) -> None:
        self.secrets = [contact.name, contact.phone] if contact else []

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
    return tuple(FieldValue(f.label, mask(shown_value(f, data[f.id], names))) for f in human.form.fields
                 if data.get(f.id) not in (None, ""))


def _data(step: Step, before: dict[str, Any], mask: _Masker) -> tuple[DataRow, ...]:
    return tuple(DataRow(name, mask(value), name not in before or before[name] != value)
                 for name, value in sorted(step.data.items()))


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
    mask = _Masker(session.get(ReporterContact, case.id))
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
            data=_data(step, before, mask), items=tuple(_item(i, names) for i in step.items),
            completed=step.completed, current=step.current, snapshot_sha256=step.snapshot_sha256,
            finished=step.finished,
        ))
        before = dict(step.data)
    summary = case_summary(case, names)
    return CaseReplay(
        case=replace(summary, title=mask(summary.title), description=mask(summary.description),
                     address=mask(summary.address)), process_key=version.key, process_version=version.version, steps=tuple(views),
        failed_seq=history.failed_seq, failure=history.failure,
        first_escalation=next((s.seq for s in history.steps if s.type == "escalated"), None),
        first_rating=next((s.seq for s in history.steps if s.type == "rating"), None),
    )

