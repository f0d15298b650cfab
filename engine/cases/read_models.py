"""Read models for the people working cases: a task with its case, a case page, a case search.

Plain frozen dataclasses, built in a read session and safe to use after it
closed. Texts a person reads (task names, form labels, option labels) come
from the diagram; the interface translates only its own words around them.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import labels
from engine.cases.events import CaseEvent
from engine.bpmn.forms import FormField, FormSpec
from engine.bpmn.parser import ParsedProcess
from engine.calendar import WorkCalendar
from engine.cases.access import check_may_see_item, check_may_view
from engine.cases.deadlines import Deadline, item_deadline, priority_deadline
from engine.cases.escalations import MissedDeadline, missed_deadline
from engine.cases.models import Case, WorkItem
from engine.cases.queries import find_case, open_work_items
from engine.cases.steps import load_instance
from engine.civic.contact import Contact, contact_of
from engine.civic.models import Assignment, Resolution
from engine.clock import as_utc
from engine.errors import NotFound
from engine.people.actor import Actor
from engine.people.models import Department, Grid, User
from engine.privacy.keys import ERASED, ERASED_EVENT, REASONS
from engine.specs.queries import version_by_id
from engine.specs.registry import parsed

# -- shared pieces --------------------------------------------------------------------------------

@dataclass(frozen=True)
class CaseSummary:
    id: int
    tracking_code: str
    title: str
    description: str
    status: str
    phase: str
    outcome: str | None
    category: str
    channel: str
    grid_code: str | None
    grid_name: str | None
    community: str | None
    address: str | None
    department_code: str | None
    department_name: str | None
    opened_at: datetime
    opened_by: str
    opened_by_name: str | None
    closed_at: datetime | None
    #: The optimistic-lock counter when this was read: a task form sends it back.
    version: int
    #: 一般 / 紧急 / 特急: ``normal``, ``urgent`` or ``critical``.
    priority: str = "normal"
    #: The resident chose 隐私保护模式 (the reporter's contact is hidden, not merely masked).
    privacy_mode: bool = False


@dataclass(frozen=True)
class FieldValue:
    """One answered form field: the diagram's label and the value as a person reads it."""

    label: str
    #: Text (option labels and department names resolved), a number, or a bool the interface words.
    value: str | int | bool


@dataclass(frozen=True)
class CompletedStep:
    """A human task done earlier in the case, with what was entered."""

    seq: int
    at: datetime
    actor: str
    actor_name: str | None
    task_name: str
    bpmn_id: str
    values: tuple[FieldValue, ...]


class Names:
    """Display names for the codes a case mentions, read once per view."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.departments: dict[str, str] = dict(session.execute(select(Department.code, Department.name)).tuples().all())
        self.grids: dict[str, str] = {code: f"{community} / {name}" for code, community, name
                                      in session.execute(select(Grid.code, Grid.community, Grid.name))}
        self._users: dict[str, str | None] = {}

    def users(self, usernames: Iterable[str | None]) -> dict[str, str | None]:
        wanted = {u for u in usernames if u and u not in self._users}
        if wanted:
            found = dict(self.session.execute(
                select(User.username, User.display_name).where(User.username.in_(wanted))).tuples().all())
            self._users.update({u: found.get(u) for u in wanted})
        return self._users

    def user(self, username: str | None) -> str | None:
        return self.users([username]).get(username) if username else None


def case_summary(case: Case, names: Names) -> CaseSummary:
    return CaseSummary(
        id=case.id, tracking_code=case.tracking_code, title=case.title, description=case.description,
        status=case.status, phase=case.phase, outcome=case.outcome, category=case.category, channel=case.channel,
        grid_code=case.grid_code, grid_name=names.grids.get(case.grid_code or ""), community=case.community,
        address=case.address, department_code=case.department_code,
        department_name=names.departments.get(case.department_code or ""),
        opened_at=as_utc(case.opened_at), opened_by=case.opened_by, opened_by_name=names.user(case.opened_by),
        closed_at=as_utc(case.closed_at) if case.closed_at else None, version=case.version,
        priority=case.priority, privacy_mode=case.privacy_mode,
    )


def shown_value(f: FormField, value: Any, names: Names) -> str | int | bool:
    if f.id in labels.PERSON_FIELDS and isinstance(value, str):
        return names.user(value) or value
    if f.multiple and isinstance(value, list):
        return "、".join(str(shown_value(replace(f, multiple=False), v, names)) for v in value)
    if f.type == "enum":
        return next((o.label for o in f.options if o.id == value), str(value))
    if f.options_source == "departments":
        return names.departments.get(str(value), str(value))
    if f.options_source == "grids":
        return names.grids.get(str(value), str(value))
    return value if isinstance(value, (bool, int)) else str(value)


def _values(form: FormSpec, data: dict[str, Any], names: Names) -> tuple[FieldValue, ...]:
    return tuple(FieldValue(field_label(f), shown_value(f, data[f.id], names)) for f in form.fields
                 if data.get(f.id) not in (None, "", []))


def field_label(f: FormField) -> str:
    """The diagram's label, unless engine/labels.py words the field better (a username field reads as a person)."""
    return labels.PERSON_FIELDS.get(f.id, f.label)


def event_payload(event: CaseEvent) -> dict[str, Any]:
    try:
        payload = json.loads(event.payload)
    except ValueError:
        return {}
    return payload if isinstance(payload, dict) else {}


def case_events(session: Session, case: Case, types: Iterable[str] | None = None) -> list[CaseEvent]:
    stmt = select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)
    if types is not None:
        stmt = stmt.where(CaseEvent.type.in_(tuple(types)))
    return list(session.scalars(stmt))


def _completed_steps(session: Session, case: Case, process: ParsedProcess, names: Names) -> list[CompletedStep]:
    events = case_events(session, case, ["task_completed"])
    names.users(e.actor for e in events)
    steps = []
    for event in events:
        payload = event_payload(event)
        human = process.human_tasks.get(str(payload.get("bpmn_id")))
        if human is None:
            continue
        data: dict[str, Any] = payload["data"] if isinstance(payload.get("data"), dict) else {}
        steps.append(CompletedStep(event.seq, as_utc(event.at), event.actor, names.user(event.actor), human.name,
                                   human.bpmn_id, _values(human.form, data, names)))
    return steps


# -- a task and its case --------------------------------------------------------------------------

@dataclass(frozen=True)
class TaskView:
    """A work item as its form page shows it: the form, the case, what was decided before."""

    item_id: int
    task_name: str
    bpmn_id: str
    role: str
    state: str
    department_code: str | None
    department_name: str | None
    assignee: str | None
    assignee_name: str | None
    deadline: Deadline | None
    completed_by: str | None
    completed_by_name: str | None
    finished_at: datetime | None
    form: FormSpec
    case: CaseSummary
    history: tuple[CompletedStep, ...]
    #: Field id → the value the form starts with, from the workflow variable its ``prefill`` names.
    prefill: Mapping[str, Any] = field(default_factory=dict)
    #: For a task opened by an escalation: the deadline that was missed, when, and by how much.
    missed: MissedDeadline | None = None

    @property
    def is_open(self) -> bool:
        return self.state in WorkItem.OPEN_STATES

    def held_by_other(self, actor: Actor) -> bool:
        """Claimed by someone else: only they may complete or release it."""
        return self.is_open and self.assignee is not None and self.assignee != actor.username


def task_view(session: Session, item_id: int, actor: Actor, *, now: datetime, calendar: WorkCalendar) -> TaskView:
    """The work item ``item_id`` for ``actor``: :class:`NotFound` for another unit's item or none,
    :class:`PermissionDenied` for an item of another role.

    Items a colleague holds and finished items are returned too (see ``held_by_other``
    and ``is_open``): the page says who holds or finished it.
    """
    item = session.get(WorkItem, item_id)
    if item is None:
        raise NotFound("任务不存在")
    case = session.get(Case, item.case_id)
    assert case is not None
    check_may_see_item(session, actor, item, case)
    process = parsed(version_by_id(session, case.process_version_id))
    human = process.human_tasks.get(item.bpmn_id)
    if human is None:
        raise NotFound(f"流程中没有任务 {item.bpmn_id}")
    names = Names(session)
    names.users([item.assignee, item.completed_by, case.opened_by])
    return TaskView(
        item_id=item.id, task_name=item.name, bpmn_id=item.bpmn_id, role=item.role, state=item.state,
        department_code=item.department_code, department_name=names.departments.get(item.department_code or ""),
        assignee=item.assignee, assignee_name=names.user(item.assignee),
        deadline=item_deadline(item, now, calendar) if item.is_open else None,
        completed_by=item.completed_by, completed_by_name=names.user(item.completed_by),
        finished_at=as_utc(item.finished_at) if item.finished_at else None,
        form=human.form, case=case_summary(case, names),
        history=tuple(_completed_steps(session, case, process, names)),
        prefill=_prefill(session, case, item, human.form) if item.is_open else {},
        missed=missed_deadline(session, case, item, process, names.departments, now=now, calendar=calendar),
    )


def _prefill(session: Session, case: Case, item: WorkItem, form: FormSpec) -> dict[str, Any]:
    """Starting values of the fields that name a workflow variable (read from the waiting task's data)."""
    wanted = {f.id: f.prefill for f in form.fields if f.prefill}
    if not wanted:
        return {}  # most forms: no need to load the workflow
    tasks = load_instance(session, case).workflow.tasks
    task = tasks.get(UUID(item.task_id))
    data = task.data if task is not None else {}
    return {field_id: data[name] for field_id, name in wanted.items() if data.get(name) not in (None, "", [])}


# -- the case page --------------------------------------------------------------------------------

def mask_name(name: str | None) -> str | None:
    """王阿姨 → 王**: the family name only (DESIGN.md §3, sensitive fields are masked)."""
    name = (name or "").strip()
    if not name:
        return None
    return name[0] + "*" * max(1, len(name) - 1)


def mask_phone(phone: str | None) -> str | None:
    """13812345678 → 138****5678; short numbers keep only their last two digits."""
    digits = (phone or "").strip()
    if not digits:
        return None
    if len(digits) >= 8:
        return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
    return "*" * max(1, len(digits) - 2) + digits[-2:]


@dataclass(frozen=True)
class Reporter:
    """The reporter's contact, masked."""

    name: str | None
    phone: str | None
    #: The case's data key was shredded: name and phone read 已按规定删除.
    erased: bool = False
    #: 隐私保护模式: not even the masked form is shown (nothing is, until unmasked with a purpose).
    hidden: bool = False


#: What a privacy-mode case shows for the reporter's name and phone (a contact left is not said to be missing).
HIDDEN = "已隐藏（隐私保护模式）"


def _reporter(contact: Contact, private: bool = False) -> Reporter:
    if contact.erased:
        return Reporter(ERASED, ERASED, erased=True)
    if private:
        return Reporter(HIDDEN if contact.name else None, HIDDEN if contact.phone else None, hidden=True)
    return Reporter(mask_name(contact.name), mask_phone(contact.phone))


@dataclass(frozen=True)
class CurrentTask:
    item_id: int
    task_name: str
    role: str
    state: str
    department_code: str | None
    department_name: str | None
    grid_code: str | None
    assignee: str | None
    assignee_name: str | None
    deadline: Deadline | None


@dataclass(frozen=True)
class TimelineEntry:
    """One event of the log in a person's terms; the interface turns ``type`` into a sentence."""

    seq: int
    at: datetime
    type: str
    actor: str
    #: ``user``, ``system``, ``reporter`` (verified by the reporter key), ``resident`` (the web form) or
    #: ``code_holder`` (only the public tracking code: records from before reporter keys).
    actor_kind: str
    actor_name: str | None
    role: str
    #: The task the event is about, by its diagram name.
    task_name: str | None = None
    #: The decision in words: the option label of the completed form's first choice field.
    summary: str | None = None
    department_name: str | None = None
    assignee_name: str | None = None
    reason: str | None = None
    #: For ``information_added``: what the reporter added.
    text: str | None = None
    #: For ``rating``: satisfied / basically / dissatisfied, and whether it is the 7-day default.
    rating: str | None = None
    default_rating: bool = False
    #: Counts and settings of a household vote event (households, buildings, closes_at, yes, no …).
    vote: Mapping[str, Any] | None = None
    #: How many events of this type in a row the entry stands for (household votes are shown as one line).
    repeats: int = 1
    #: seq of the last event the entry stands for.
    last_seq: int | None = None
    #: For dispatch events: ``direct`` or ``whistle`` (``dispatched``), the co-departments' names (协办),
    #: a deadline or requested date (``extension_*``, ``deadline_moved``), whether an extension was approved.
    mode: str | None = None
    co_department_names: tuple[str, ...] = ()
    due: str | None = None
    approved: bool | None = None
    #: For a department's report-in, arrival or completion: whether it was within its deadline.
    on_time: bool | None = None


#: Keys of a household vote event's payload worth showing; a household's id and choice are not among them.
_VOTE_KEYS = ("households", "buildings", "closes_at", "eligible", "yes", "no", "abstain", "not_voted", "passed",
              "channel")


def collapse_repeats(entries: list[TimelineEntry], types: frozenset[str] = frozenset({"household_vote_cast"})
                     ) -> list[TimelineEntry]:
    """One line for a run of events of ``types`` (300 households voting make one line, not 300)."""
    shown: list[TimelineEntry] = []
    for entry in entries:
        last = shown[-1] if shown else None
        if last is not None and entry.type in types and last.type == entry.type:
            shown[-1] = replace(last, repeats=last.repeats + 1, last_seq=entry.seq)
        else:
            shown.append(entry)
    return shown


@dataclass(frozen=True)
class Deadlines:
    """The deadlines the case is held to (the open work items carry their own)."""

    resolution_deadline: date | None
    accept_due: datetime | None
    onsite_due: datetime | None
    complete_due: datetime | None
    #: The same deadlines as read now, for the steps still outstanding (None once met or the case closed).
    accept_deadline: Deadline | None = None
    onsite_deadline: Deadline | None = None
    complete_deadline: Deadline | None = None


@dataclass(frozen=True)
class DiagramState:
    """BPMN element ids to highlight: the path taken and where the case waits now."""

    completed: tuple[str, ...]
    current: tuple[str, ...]


@dataclass(frozen=True)
class CasePage:
    case: CaseSummary
    reporter: Reporter | None
    deadlines: Deadlines
    tasks: tuple[CurrentTask, ...]
    timeline: tuple[TimelineEntry, ...]
    diagram: DiagramState


#: The anonymous web form, which opens a case on its reporter's behalf.
_actor_kind = labels.actor_kind


def _timeline(session: Session, case: Case, process: ParsedProcess, names: Names) -> list[TimelineEntry]:
    events = case_events(session, case)
    names.users([e.actor for e in events] + [str(event_payload(e).get("assignee") or "") for e in events])
    entries = []
    for event in events:
        p = event_payload(event)
        bpmn_id = p.get("bpmn_id") or p.get("work_item")
        human = process.human_tasks.get(str(bpmn_id)) if bpmn_id else None
        summary = None
        if event.type == "task_completed" and human is not None and isinstance(p.get("data"), dict):
            choice = next((f for f in human.form.fields if f.type == "enum" and p["data"].get(f.id)), None)
            summary = str(shown_value(choice, p["data"][choice.id], names)) if choice else None
        department = p.get("department") or p.get("lead")
        co = p.get("co_departments") if isinstance(p.get("co_departments"), list) else []
        note = p.get("reason") or p.get("message") or p.get("note")
        if event.type == ERASED_EVENT:
            note = "：".join(str(x) for x in (REASONS.get(str(p.get("reason")), p.get("reason")), p.get("detail")) if x)
        entries.append(TimelineEntry(
            seq=event.seq, at=as_utc(event.at), type=event.type, actor=event.actor,
            actor_kind=_actor_kind(event.actor), actor_name=names.user(event.actor), role=event.role,
            task_name=human.name if human else None, summary=summary,
            department_name=names.departments.get(str(department), str(department)) if department else None,
            assignee_name=(names.user(str(p["assignee"])) or str(p["assignee"])) if p.get("assignee") else None,
            reason=str(note) if note else None,
            text=str(p["text"]) if event.type == "information_added" and p.get("text") else None,
            rating=str(p["value"]) if event.type == "rating" and p.get("value") else None,
            default_rating=bool(p.get("default")) if event.type == "rating" else False,
            vote={k: p[k] for k in _VOTE_KEYS if k in p} if event.type.startswith("household_vote") else None,
            mode=str(p["mode"]) if p.get("mode") else None,
            co_department_names=tuple(names.departments.get(str(c), str(c)) for c in co),
            due=str(p.get("requested_due") or p.get("due") or "") or None,
            approved=bool(p["approved"]) if isinstance(p.get("approved"), bool) else None,
            on_time=bool(p["on_time"]) if isinstance(p.get("on_time"), bool) else None,
        ))
    return entries


def timeline_entries(session: Session, case: Case, names: Names | None = None) -> list[TimelineEntry]:
    """Every event of the case in a person's terms (the case page's timeline; the auditor's step list)."""
    return _timeline(session, case, parsed(version_by_id(session, case.process_version_id)), names or Names(session))


def _waits_here(task: Any) -> bool:
    """A human task ready for someone, or a timer counting down (a deadline on it)."""
    if task.state == TaskState.READY:
        return bool(task.task_spec.manual)
    return task.state == TaskState.WAITING and isinstance(
        getattr(task.task_spec, "event_definition", None), TimerEventDefinition)


def diagram_state(session: Session, case: Case) -> DiagramState:
    """Completed and current elements from the case's snapshot (the one place this page reads the workflow)."""
    return diagram_of(load_instance(session, case))


def diagram_of(instance: Any) -> DiagramState:
    """Completed and current elements of a workflow instance (the case page's, or a replayed step's)."""
    # Elements completed before the task tree was compacted are remembered by the instance.
    completed = set(getattr(instance, "visited", set()))
    current = set()
    for task in instance.workflow.get_tasks():
        bpmn_id = getattr(task.task_spec, "bpmn_id", None)
        if not bpmn_id:
            continue
        if task.state == TaskState.COMPLETED:
            completed.add(bpmn_id)
        elif _waits_here(task):
            current.add(bpmn_id)
    return DiagramState(tuple(sorted(completed)), tuple(sorted(current)))


def _deadlines(session: Session, case: Case, now: datetime, calendar: WorkCalendar) -> Deadlines:
    resolution = session.scalar(select(Resolution).where(Resolution.case_id == case.id, Resolution.decision == "adopt")
                                .order_by(Resolution.id.desc()).limit(1))
    assignment = session.scalar(select(Assignment).where(Assignment.case_id == case.id)
                                .order_by(Assignment.id.desc()).limit(1))

    def utc(value: datetime | None) -> datetime | None:
        return as_utc(value) if value else None

    def pending(due: datetime | None, done: datetime | None) -> Deadline | None:
        if case.status != "open" or done is not None:
            return None
        return priority_deadline(due, case.priority, now, calendar)

    if assignment is None:
        return Deadlines(resolution.deadline if resolution else None, None, None, None)
    return Deadlines(
        resolution_deadline=resolution.deadline if resolution else None,
        accept_due=utc(assignment.accept_due), onsite_due=utc(assignment.onsite_due),
        complete_due=utc(assignment.complete_due),
        accept_deadline=pending(assignment.accept_due, assignment.accepted_at),
        onsite_deadline=pending(assignment.onsite_due, assignment.on_site_at or assignment.completed_at),
        complete_deadline=pending(assignment.complete_due, assignment.completed_at),
    )


def _viewable_case(session: Session, ref: str, actor: Actor) -> Case:
    case = find_case(session, ref)
    check_may_view(session, actor, case)
    return case


def case_page(session: Session, ref: str, actor: Actor, *, now: datetime, calendar: WorkCalendar) -> CasePage:
    """The case page of the case with tracking code (or id) ``ref``, if ``actor`` may see it."""
    case = _viewable_case(session, ref, actor)
    process = parsed(version_by_id(session, case.process_version_id))
    names = Names(session)
    items = open_work_items(session, case.id)
    names.users(i.assignee for i in items)
    contact = contact_of(session, case)
    return CasePage(
        case=case_summary(case, names),
        reporter=_reporter(contact, case.privacy_mode) if contact else None,
        deadlines=_deadlines(session, case, now, calendar),
        tasks=tuple(CurrentTask(
            item_id=i.id, task_name=i.name, role=i.role, state=i.state, department_code=i.department_code,
            department_name=names.departments.get(i.department_code or ""), grid_code=i.grid_code,
            assignee=i.assignee, assignee_name=names.user(i.assignee),
            deadline=item_deadline(i, now, calendar)) for i in items),
        timeline=tuple(collapse_repeats(_timeline(session, case, process, names))),
        diagram=diagram_state(session, case),
    )


def case_diagram_xml(session: Session, ref: str, actor: Actor) -> str:
    """The BPMN XML of the process version the case is pinned to."""
    case = _viewable_case(session, ref, actor)
    return version_by_id(session, case.process_version_id).xml


# -- case search ----------------------------------------------------------------------------------
