"""The public read model of a case: progress and published outcome (公示), without personal data.

Built from the case row, its open work items, the civic domain rows and the event
log's payloads — never from the workflow snapshot. Event actors are never read:
residents see what happened and which department did it, not who.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit.models import CaseEvent
from engine.calendar import CHINA_TZ
from engine.cases.models import Case, WorkItem
from engine.civic.models import Assignment, Rating, ReporterContact, Resolution
from engine.clock import as_utc
from engine.people.models import Department, Grid
from engine.public.privacy import redact, summary

#: What the case waits for, by the open task (BPMN id first, then the task's role).
STAGE_BY_TASK = {
    "triage": "triage", "deliberate": "negotiating", "accept": "accept", "on_site": "on_site",
    "complete": "working", "handle_escalation": "supervising", "review_return": "supervising",
    "final_decision": "supervising", "rate": "rating",
}
STAGE_BY_ROLE = {
    "grid_worker": "triage", "council": "negotiating", "department": "working", "supervisor": "supervising",
    "resident": "rating", "mediator": "mediating",
}


@dataclass(frozen=True)
class Step:
    """One line of the public timeline. ``kind`` is a code the interface words."""

    #: received, on_spot, negotiating, merged, adopted, rejected, deferred, accepted, returned, reassigned,
    #: on_site, completed, escalated, extended, rated, closed_by_supervisor, closed
    kind: str
    #: Local time (Asia/Shanghai).
    at: datetime
    #: Department *name* (never its code or any person).
    department: str | None = None
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

    @property
    def closed(self) -> bool:
        return self.status == "closed"


def local(moment: datetime) -> datetime:
    """A stored (naive UTC) time as Beijing time."""
    return as_utc(moment).astimezone(CHINA_TZ)


def public_case(session: Session, case: Case) -> PublicCase:
    """Everything the tracking page shows about ``case``."""
    names = {code: name for code, name in session.execute(select(Department.code, Department.name))}
    contact = session.get(ReporterContact, case.id)
    secrets = (contact.name, contact.phone) if contact is not None else ()
    events = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq))
    steps = timeline(events, names, secrets)
    items = list(session.scalars(select(WorkItem).where(
        WorkItem.case_id == case.id, WorkItem.state.in_(WorkItem.OPEN_STATES)).order_by(WorkItem.id)))
    rating_item = next((i for i in items if i.role == "resident" and i.form_key == "rating"), None)
    stage, department = _stage(case, items, names)
    if case.status == "closed" and case.closed_at is not None:
        steps.append(Step("closed", local(case.closed_at), value=case.outcome))
    grid = session.scalar(select(Grid).where(Grid.code == case.grid_code)) if case.grid_code else None
    return PublicCase(
        tracking_code=case.tracking_code, title=redact(case.title, secrets) or "", category=case.category,
        community=grid.community if grid is not None else case.community, opened_at=local(case.opened_at),
        status=case.status, phase=case.phase, stage=stage, stage_department=department, steps=steps,
        outcome=published_outcome(session, case, names, secrets) if case.status == "closed" else None,
        can_rate=rating_item is not None,
        rate_until=local(rating_item.due_at) if rating_item and rating_item.due_at else None,
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


def timeline(events: Iterable[CaseEvent], names: Mapping[str, str], secrets: Iterable[str | None] = ()) -> list[Step]:
    """The public steps of an event log, oldest first.

    The department of a step is the one responsible at that moment: set by an adopted
    resolution, changed by each reassignment.
    """
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
            step = _task_step(payload.get("bpmn_id"), data, at, names.get(department or ""), secrets)
            if step is not None:
                steps.append(step)
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
    if bpmn_id == "triage":
        kind = {"on_spot": "on_spot", "negotiate": "negotiating", "duplicate": "merged"}.get(
            str(data.get("triage_decision")))
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
    if bpmn_id == "complete":
        return Step("completed", at, department=department,
                    detail=summary(redact(data.get("completion_report"), secrets)))
    if bpmn_id == "handle_escalation" and data.get("escalation_action") in ("extend", "escalate"):
        return Step("extended", at)
    if bpmn_id == "final_decision" and data.get("final_action") == "close":
        return Step("closed_by_supervisor", at)
    return None


def published_outcome(session: Session, case: Case, names: Mapping[str, str],
                      secrets: Iterable[str | None] = ()) -> Outcome:
    """The 公示 of a closed case: the reason of a rejection; the completion report and rating of a resolution."""
    secrets = tuple(secrets)
    kind = case.outcome or "completed"
    at = local(case.closed_at) if case.closed_at else None
    if kind == "rejected":
        resolution = session.scalar(select(Resolution).where(
            Resolution.case_id == case.id, Resolution.decision == "reject").order_by(Resolution.id.desc()).limit(1))
        return Outcome(kind, at, reason=redact(resolution.reason, secrets) if resolution else None)
    if kind == "merged":
        return Outcome(kind, at)
    assignment = session.scalar(select(Assignment).where(
        Assignment.case_id == case.id, Assignment.state == "completed").order_by(Assignment.id.desc()).limit(1))
    rating = session.scalar(select(Rating).where(Rating.case_id == case.id).order_by(Rating.id.desc()).limit(1))
    return Outcome(
        kind, at,
        report=summary(redact(assignment.completion_report, secrets)) if assignment else None,
        department=names.get(assignment.department_code) if assignment else None,
        rating=rating.value if rating else None, rating_default=bool(rating and rating.is_default),
    )
