"""The public read model of a case: progress and published outcome (公示), without personal data.

Built from the case row, its open work items, the civic domain rows and the event
log's payloads — never from the workflow snapshot. Event actors are never read:
residents see what happened and which department did it, not who.
"""
from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from engine.cases.events import CaseEvent
from engine.calendar import CHINA_TZ, WorkCalendar
from engine.cases.deadlines import Deadline, item_deadline
from engine.cases.models import Case, WorkItem
from engine.civic.contact import contacts_of
from engine.civic.models import Assignment, Rating, Resolution
from engine.clock import as_utc
from engine.people.models import Department, Grid
from engine.mediation.models import Mediation, MediationParty
from engine.privacy.keys import cached_key, decrypt_token, load_keys
from engine.public.privacy import summary
from engine.public.redaction import redact

#: What the case waits for, by the open task (BPMN id first, then the task's role).
STAGE_BY_TASK = {
    "triage": "triage", "triage_overdue": "triage", "deliberate": "negotiating", "accept": "accept",
    "on_site": "on_site", "report_part": "working", "complete": "working", "handle_escalation": "supervising",
    "unit_escalation": "supervising", "review_return": "supervising", "final_decision": "supervising",
    "rate": "rating",
}
#: Triage decisions a resident is told about from the triage form; a dispatch, a whistle and a refusal
#: are told from their own events (``dispatched``, ``triage_refused``), whatever started them.
TRIAGE_STEPS = {"on_spot": "on_spot", "negotiate": "negotiating", "duplicate": "merged"}
STAGE_BY_ROLE = {
    "grid_worker": "triage", "council": "negotiating", "department": "working", "supervisor": "supervising",
    "resident": "rating", "mediator": "mediating",
}


@dataclass(frozen=True)
class Step:
    """One line of the public timeline. ``kind`` is a code the interface words."""

    #: received, on_spot, dispatched, whistled, refused, negotiating, merged, adopted, rejected, deferred,
    #: accepted, returned, reassigned, on_site, part_reported, completed, escalated, extended, rated,
    #: closed_by_supervisor, closed
    kind: str
    #: Local time (Asia/Shanghai).
    at: datetime
    #: Department *name* (never its code or any person); for ``whistled`` the lead department.
    department: str | None = None
    #: For ``whistled``: the co-departments' names (协办).
    co_departments: tuple[str, ...] = ()
    #: Published text: a reason for rejection or deferral, the completion report's summary.
    detail: str | None = None
    deadline: date | None = None
    #: satisfied, basically, dissatisfied (for ``rated``; the outcome for ``closed``).
    value: str | None = None
    #: A rating nobody gave: 7 days passed (逾期未评价，默认基本满意).
    default: bool = False
    #: For ``household_vote`` / ``household_vote_counted``: the vote, whose published result (counts only) is public.
    vote_id: int | None = None
    #: For ``household_vote_counted``: the counts (yes, no, abstain, not_voted, eligible) and whether it passed.
    counts: Mapping[str, int] | None = None


@dataclass(frozen=True)
class Outcome:
    """What is published (公示) once the case is closed."""

    #: resolved, rejected, merged, closed_by_supervisor or another outcome code.
    kind: str
    at: datetime | None
    reason: str | None = None
    report: str | None = None
    department: str | None = None
    rating: str | None = None
    rating_default: bool = False


@dataclass(frozen=True)
class PublicCase:
    tracking_code: str
    #: Category and community (:func:`public_title`): the case's own title is the reporter's words.
    title: str
    category: str
    community: str | None
    opened_at: datetime
    #: open or closed.
    status: str
    #: collect, negotiate, assign, evaluate, closed … (the case row's phase).
    phase: str
    #: What it waits for now: triage, negotiating, accept, on_site, working, supervising, rating, closed …
    stage: str
    stage_department: str | None
    steps: list[Step] = field(default_factory=list)
    outcome: Outcome | None = None
    #: The resident may rate now; until when (after that 基本满意 is recorded by default).
    can_rate: bool = False
    rate_until: datetime | None = None
    #: The deadline of the step it waits for now (None: none, or the resident's own rating).
    deadline: Deadline | None = None

    @property
    def closed(self) -> bool:
        return self.status == "closed"


def local(moment: datetime) -> datetime:
    """A stored (naive UTC) time as Beijing time."""
    return as_utc(moment).astimezone(CHINA_TZ)


def people_of(session: Session, case_ids: Collection[int]) -> dict[int, tuple[str, ...]]:
    """What names the people of each case (reporter; parties of a mediation, or of one it led to):
    masked wherever it appears in published text."""
    found: dict[int, list[str | None]] = {case_id: [] for case_id in case_ids}
    for case_id, contact in contacts_of(session, case_ids).items():
        found[case_id] += contact.values()
    parties = select(MediationParty.case_id, Mediation.source_case_id, MediationParty.name, MediationParty.phone,
                     MediationParty.address).join(Mediation, Mediation.case_id == MediationParty.case_id)
    rows = session.execute(parties.where(or_(MediationParty.case_id.in_(case_ids),
                                             Mediation.source_case_id.in_(case_ids)))).all()
    load_keys(session, {row[0] for row in rows})
    for case_id, source_id, *tokens in rows:
        key = cached_key(session, case_id)
        values = [decrypt_token(key, token, case_id) for token in tokens]
        for owner in (case_id, source_id):
            if owner in found:
                found[owner] += values
    # Longest first: a full address before the name inside it.
    return {case_id: tuple(sorted({v for v in values if v}, key=len, reverse=True)) for case_id, values in found.items()}


def public_title(category: str, community: str | None) -> str:
    """A published title: the category and the community, never the reporter's own words."""
    return f"{community} · {category}" if community else category


def public_case(session: Session, case: Case, *, now: datetime, calendar: WorkCalendar) -> PublicCase:
    """Everything the tracking page shows about ``case`` (its current deadline as read at ``now``)."""
    names = {code: name for code, name in session.execute(select(Department.code, Department.name))}
    secrets = people_of(session, [case.id])[case.id]
    events = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq))
    # With several departments summoned at once, a task's department is its work item's, not the case's.
    task_departments = dict(session.execute(select(WorkItem.task_id, WorkItem.department_code).where(
        WorkItem.case_id == case.id, WorkItem.department_code.is_not(None))).tuples().all())
    steps = timeline(events, names, secrets, task_departments)
    items = list(session.scalars(select(WorkItem).where(
        WorkItem.case_id == case.id, WorkItem.state.in_(WorkItem.OPEN_STATES)).order_by(WorkItem.id)))
    rating_item = next((i for i in items if i.role == "resident" and i.form_key == "rating"), None)
    stage, department = _stage(case, items, names)
    if case.status == "closed" and case.closed_at is not None:
        steps.append(Step("closed", local(case.closed_at), value=case.outcome))
    grid = session.scalar(select(Grid).where(Grid.code == case.grid_code)) if case.grid_code else None
    community = grid.community if grid is not None else case.community
    return PublicCase(
        tracking_code=case.tracking_code, title=public_title(case.category, community), category=case.category,
        community=community, opened_at=local(case.opened_at),
        status=case.status, phase=case.phase, stage=stage, stage_department=department, steps=steps,
        outcome=published_outcome(session, case, names, secrets, steps) if case.status == "closed" else None,
        can_rate=rating_item is not None,
        rate_until=local(rating_item.due_at) if rating_item and rating_item.due_at else None,
        deadline=item_deadline(items[0], now, calendar) if items and rating_item is None else None,
    )


def _stage(case: Case, items: list[WorkItem], names: Mapping[str, str]) -> tuple[str, str | None]:
    if case.status == "closed":
        return "closed", None
    if not items:
        return "waiting", None
    item = items[0]
    stage = STAGE_BY_TASK.get(item.bpmn_id) or STAGE_BY_ROLE.get(item.role, "working")
    code = item.department_code or (case.department_code if item.role == "department" else None)
    return stage, names.get(code) if code else None


def timeline(events: Iterable[CaseEvent], names: Mapping[str, str], secrets: Iterable[str | None] = (),
             task_departments: Mapping[str, str] | None = None) -> list[Step]:
    """The public steps of an event log, oldest first.

    The department of a step is the one responsible at that moment: set by a dispatch, a whistle
    (its lead) or an adopted resolution, changed by each reassignment — or, for a department's own
    task among several summoned ones, that task's department (``task_departments``: task id → code).
    """
    task_departments = task_departments or {}
    secrets = tuple(secrets)
    steps: list[Step] = []
    department: str | None = None
    for event in events:
        payload = json.loads(event.payload)
        at = local(event.at)
        if event.type == "case_opened":
            steps.append(Step("received", at))
        elif event.type == "task_completed":
            data = payload.get("data") or {}
            if payload.get("bpmn_id") == "deliberate" and data.get("decision") in ("adopt", "household_vote"):
                department = data.get("responsible_department") or department
            own = task_departments.get(str(payload.get("task_id")))
            step = _task_step(payload.get("bpmn_id"), data, at, names.get(own or department or ""), secrets)
            if step is not None:
                steps.append(step)
        elif event.type == "dispatched" and payload.get("lead"):
            department = payload["lead"]
            if payload.get("mode") == "council":
                continue  # the council's adoption already said who handles it
            co = payload.get("co_departments") if isinstance(payload.get("co_departments"), list) else []
            steps.append(Step("whistled" if payload.get("mode") == "whistle" else "dispatched", at,
                              department=names.get(department), co_departments=tuple(names.get(c, c) for c in co)))
        elif event.type == "extension_decided" and payload.get("approved"):
            due = datetime.fromisoformat(payload["due"]).astimezone(CHINA_TZ).date() if payload.get("due") else None
            steps.append(Step("extension_granted", at, department=names.get(str(payload.get("department"))),
                              deadline=due))
        elif event.type == "triage_refused":
            steps.append(Step("refused", at, detail=redact(payload.get("reason"), secrets)))
        elif event.type == "household_vote_opened":
            steps.append(Step("household_vote", at, vote_id=payload.get("vote"),
                              counts={"eligible": int(payload.get("households") or 0)}))
        elif event.type == "household_vote_closed":
            counts = {k: int(payload.get(k) or 0) for k in ("yes", "no", "abstain", "not_voted", "eligible")}
            if payload.get("passed") and payload.get("department"):
                department = payload["department"]
            steps.append(Step("household_vote_counted", at, vote_id=payload.get("vote"), counts=counts,
                              value="passed" if payload.get("passed") else "failed",
                              department=names.get(department or "") if payload.get("passed") else None))
        elif event.type == "reassigned" and payload.get("department"):
            department = payload["department"]
            steps.append(Step("reassigned", at, department=names.get(department)))
        elif event.type == "escalated":
            steps.append(Step("escalated", at))
        elif event.type == "rating":
            steps.append(Step("rated", at, value=payload.get("value"), default=bool(payload.get("default"))))
    return steps


def _task_step(bpmn_id: str | None, data: Mapping[str, Any], at: datetime, department: str | None,
               secrets: tuple[str | None, ...]) -> Step | None:
    if bpmn_id in ("triage", "triage_overdue"):
        kind = TRIAGE_STEPS.get(str(data.get("triage_decision")))
        return Step(kind, at) if kind else None
    if bpmn_id == "deliberate":
        decision = data.get("decision")
        if decision == "adopt":
            deadline = date.fromisoformat(data["deadline"]) if data.get("deadline") else None
            return Step("adopted", at, department=department, deadline=deadline)
        if decision in ("reject", "defer"):
            return Step("rejected" if decision == "reject" else "deferred", at,
                        detail=redact(data.get("reason"), secrets))
        return None
    if bpmn_id == "accept":
        return Step("accepted" if data.get("accept_decision") == "accepted" else "returned", at,
                    department=department)
    if bpmn_id == "on_site":
        return Step("on_site", at, department=department)
    if bpmn_id == "report_part":
        return Step("part_reported", at, department=department)
    if bpmn_id == "complete":
        return Step("completed", at, department=department,
                    detail=summary(redact(data.get("completion_report"), secrets)))
    if bpmn_id in ("handle_escalation", "unit_escalation") and data.get("escalation_action") in ("extend", "escalate"):
        return Step("extended", at)
    if bpmn_id == "final_decision" and data.get("final_action") == "close":
        return Step("closed_by_supervisor", at)
    return None


def _outcome(case: Case, names: Mapping[str, str], secrets: tuple[str | None, ...], steps: Iterable[Step],
             rejection: Resolution | None, assignment: Assignment | None, rating: Rating | None) -> Outcome:
    kind = case.outcome or "completed"
    at = local(case.closed_at) if case.closed_at else None
    if kind == "refused":
        refusal = next((step for step in reversed(list(steps)) if step.kind == "refused"), None)
        return Outcome(kind, at, reason=refusal.detail if refusal else None)
    if kind == "rejected":
        return Outcome(kind, at, reason=redact(rejection.reason, secrets) if rejection else None)
    if kind == "merged":
        return Outcome(kind, at)
    return Outcome(
        kind, at,
        report=summary(redact(assignment.completion_report, secrets)) if assignment else None,
        department=names.get(assignment.department_code) if assignment else None,
        rating=rating.value if rating else None, rating_default=bool(rating and rating.is_default),
    )


def published_outcome(session: Session, case: Case, names: Mapping[str, str],
                      secrets: Iterable[str | None] = (), steps: Iterable[Step] = ()) -> Outcome:
    """The 公示 of a closed case: the reason of a rejection or refusal; the completion report and rating of a
    resolution. ``steps`` is the case's public timeline (a refusal's published reason is on its step)."""
    return published_outcomes(session, [case], names, {case.id: tuple(secrets)}, steps)[case.id]


def published_outcomes(session: Session, cases: Collection[Case], names: Mapping[str, str],
                       secrets: Mapping[int, Iterable[str | None]],
                       steps: Iterable[Step] = ()) -> dict[int, Outcome]:
    """:func:`published_outcome` of many closed cases in three queries whatever their number (the notice
    board shows twenty): each case's last rejection, last completed assignment and last rating."""
    ids = [c.id for c in cases]
    rejections: dict[int, Resolution] = {}
    assignments: dict[int, Assignment] = {}
    ratings: dict[int, Rating] = {}
    if any(c.outcome == "rejected" for c in cases):
        for r in session.scalars(select(Resolution).where(Resolution.case_id.in_(ids), Resolution.decision == "reject")
                                 .order_by(Resolution.id)):
            rejections[r.case_id] = r
    if any(c.outcome not in ("refused", "rejected", "merged") for c in cases):
        # The last completion is the whole case's: with a whistle the lead reports after every co-department.
        for a in session.scalars(select(Assignment).where(Assignment.case_id.in_(ids), Assignment.state == "completed")
                                 .order_by(Assignment.completed_at, Assignment.id)):
            assignments[a.case_id] = a
        for rating in session.scalars(select(Rating).where(Rating.case_id.in_(ids)).order_by(Rating.id)):
            ratings[rating.case_id] = rating
    steps = list(steps)
    return {c.id: _outcome(c, names, tuple(secrets.get(c.id, ())), steps, rejections.get(c.id),
                           assignments.get(c.id), ratings.get(c.id)) for c in cases}
