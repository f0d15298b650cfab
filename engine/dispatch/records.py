"""The dispatch forms' domain rows and records: who was summoned, who reported in and when, returns.

Registered by form key (``camunda:formKey``) for the civic loop, old and new diagrams alike: a case
still running the diagram it opened on (one department, a supervisor reviewing returns) uses the same
rows. Each department of a dispatch has its own :class:`~engine.civic.models.Assignment` row.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.cases.hooks import Record
from engine.cases.models import Case, WorkItem
from engine.civic.models import Assignment
from engine.clock import as_utc, to_db
from engine.dispatch import rules
from engine.people.actor import Actor

#: States of an assignment still in the department's hands.
OPEN_STATES = ("pending", "accepted", "on_site")


def _when(value: Any) -> datetime | None:
    return to_db(as_utc(datetime.fromisoformat(value))) if isinstance(value, str) and value else None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() + "Z" if value is not None else None


def _on_time(due: datetime | None, at: datetime) -> bool:
    return due is None or to_db(at) <= due


def open_assignment(session: Session, case: Case, department: str | None) -> Assignment | None:
    """The newest assignment of ``department`` on the case still in its hands."""
    return session.scalar(
        select(Assignment)
        .where(Assignment.case_id == case.id, Assignment.department_code == department,
               Assignment.state.in_(OPEN_STATES))
        .order_by(Assignment.id.desc()).limit(1))


def _round(session: Session, case: Case, data: Mapping[str, Any]) -> int:
    if isinstance(data.get("dispatch_round"), int):
        return int(data["dispatch_round"])
    # A case on the one-department diagram: each new acceptance is the next round.
    return (session.scalar(select(func.max(Assignment.round)).where(Assignment.case_id == case.id)) or 0) + 1


def acceptance_opened(session: Session, case: Case, item: WorkItem, data: Mapping[str, Any], at: datetime) -> None:
    """A department is summoned (派单 / 吹哨): its assignment row, with its own deadlines."""
    department = item.department_code or case.department_code
    assignment = open_assignment(session, case, department)
    unit = data.get("unit")
    if isinstance(unit, str) and unit != department:
        # The supervisor moved this department's part to another one (改派): the old row ends here.
        for old in session.scalars(select(Assignment).where(
                Assignment.case_id == case.id, Assignment.department_code == unit,
                Assignment.state.in_(OPEN_STATES))):
            old.state = "reassigned"
    if assignment is None and "unit" not in data:
        # One-department diagram: a reassignment leaves the previous department's row behind.
        for old in session.scalars(select(Assignment).where(Assignment.case_id == case.id,
                                                            Assignment.state.in_(OPEN_STATES))):
            old.state = "reassigned"
    if assignment is None or assignment.state != "pending":
        if assignment is not None:
            assignment.state = "reassigned"
        assignment = Assignment(case_id=case.id, department_code=department, state="pending",
                                role=str(data.get("unit_role") or "sole"), round=_round(session, case, data),
                                assigned_at=to_db(at), escalations=0)
        session.add(assignment)
    assignment.accept_due = item.due_at or _when(data.get("accept_due"))
    assignment.onsite_due = _when(data.get("onsite_due"))
    assignment.complete_due = _when(data.get("part_due") or data.get("complete_due"))
    if assignment.role in ("sole", "lead"):
        case.department_code = department


#: The state a department's part is in while each of its tasks is open (a part moved by 改派 keeps it).
STATE_AT_TASK = {"acceptance": "pending", "on_site": "accepted", "part_report": "on_site", "completion": "on_site"}


def department_moved(session: Session, case: Case, item: WorkItem, previous: str | None, at: datetime) -> None:
    """改派 of a department's open task: its part of the dispatch moves to the new department in the same round
    (same role and deadlines), the old department's row ends as reassigned."""
    old = open_assignment(session, case, previous)
    if old is None or previous == item.department_code:
        return
    old.state = "reassigned"
    session.add(Assignment(case_id=case.id, department_code=item.department_code, role=old.role, round=old.round,
                           state=STATE_AT_TASK.get(item.form_key or "", "pending"), assigned_at=to_db(at),
                           accept_due=old.accept_due, onsite_due=old.onsite_due, complete_due=old.complete_due,
                           escalations=0))
    if old.role == "co":  # the case stays with its lead department
        lead = session.scalar(select(Assignment.department_code).where(
            Assignment.case_id == case.id, Assignment.round == old.round, Assignment.role == "lead",
            Assignment.state.in_(OPEN_STATES + ("completed",))).order_by(Assignment.id.desc()).limit(1))
        case.department_code = lead or previous


def _deadline_opened(field: str):
    def opened(session: Session, case: Case, item: WorkItem, data: Mapping[str, Any], at: datetime) -> None:
        if (assignment := open_assignment(session, case, item.department_code)) is not None and item.due_at:
            setattr(assignment, field, item.due_at)
    return opened


on_site_opened = _deadline_opened("onsite_due")
part_opened = _deadline_opened("complete_due")
completion_opened = _deadline_opened("complete_due")


def acceptance_completed(session: Session, case: Case, item: WorkItem, data: Mapping[str, Any],
                         at: datetime, actor: Actor) -> list[Record]:
    department = item.department_code
    if data["accept_decision"] == "return":
        # Checked here, where the department is known: raising rolls the whole step back.
        rules.validate_acceptance(session, case, data, at, department=department)
    assignment = open_assignment(session, case, department)
    role = assignment.role if assignment is not None else "sole"
    if data["accept_decision"] == "accepted":
        if assignment is not None:
            assignment.accepted_at, assignment.state = to_db(at), "accepted"
        return [("reported_in", {"department": department, "role": role, "due_at": _iso(item.due_at),
                                 "on_time": _on_time(item.due_at, at)})]
    if assignment is not None:
        assignment.returned_at, assignment.state = to_db(at), "returned"
        assignment.return_reason = data.get("return_reason")
    return [("dispatch_returned", {"department": department, "role": role,
                                   "reason": (data.get("return_reason") or "").strip()})]


def on_site_completed(session: Session, case: Case, item: WorkItem, data: Mapping[str, Any],
                      at: datetime, actor: Actor) -> list[Record]:
    assignment = open_assignment(session, case, item.department_code)
    if assignment is not None:
        assignment.on_site_at, assignment.state = to_db(at), "on_site"
    return [("arrived_on_site", {"department": item.department_code,
                                 "role": assignment.role if assignment else "sole",
                                 "due_at": _iso(item.due_at), "on_time": _on_time(item.due_at, at)})]


def _finished(record: str, report: str, evidence: str):
    """A department's last step of its part: the report (and evidence) on its assignment, and the record."""
    def completed(session: Session, case: Case, item: WorkItem, data: Mapping[str, Any],
                  at: datetime, actor: Actor) -> list[Record]:
        assignment = open_assignment(session, case, item.department_code)
        if assignment is not None:
            assignment.completed_at, assignment.state = to_db(at), "completed"
            assignment.completion_report, assignment.evidence = data.get(report), data.get(evidence)
        return [(record, {"department": item.department_code, "role": assignment.role if assignment else "sole",
                          "due_at": _iso(item.due_at), "on_time": _on_time(item.due_at, at)})]
    return completed


#: A co-department reports its part (协办反馈); the lead (or only) department completes the whole (办结).
part_report_completed = _finished("part_reported", "part_report", "part_evidence")
completion_completed = _finished("dispatch_completed", "completion_report", "evidence")


def deadline_missed(session: Session, case: Case, item: WorkItem, at: datetime, by_timer: bool) -> list[Record]:
    """A department's deadline passed: escalate to the supervisors (per department)."""
    if not by_timer:
        return []
    if (assignment := open_assignment(session, case, item.department_code)) is not None:
        assignment.escalations += 1
    return [("escalated", {"work_item": item.bpmn_id, "department": item.department_code,
                           "due_at": _iso(item.due_at), "to": "supervisor"})]


def triage_opened(session: Session, case: Case, item: WorkItem, data: Mapping[str, Any], at: datetime) -> None:
    """Keep the routing table's suggestion on the case: triage compares the chosen department with it."""
    suggested = data.get("suggested_department")
    if isinstance(suggested, str) and suggested:
        case.suggested_department = suggested


def triage_completed(session: Session, case: Case, item: WorkItem, data: Mapping[str, Any],
                     at: datetime, actor: Actor) -> list[Record]:
    decision = data.get("triage_decision")
    if data.get("triage_priority"):
        case.priority = data["triage_priority"]
    if decision == "refuse":
        return [("triage_refused", {"reason": (data.get("refuse_reason") or "").strip(), "by": item.bpmn_id})]
    if decision not in ("dispatch", "whistle"):
        return []
    co = list(data.get("co_departments") or []) if decision == "whistle" else []
    return [("dispatched", {
        "mode": "direct" if decision == "dispatch" else "whistle", "lead": data.get("department"),
        "co_departments": co, "suggested": case.suggested_department,
        "overridden": bool(case.suggested_department) and data.get("department") != case.suggested_department,
        "reason": (data.get("dispatch_reason") or "").strip() or None, "priority": case.priority,
        "by": item.bpmn_id,
    })]


def triage_missed(session: Session, case: Case, item: WorkItem, at: datetime, by_timer: bool) -> list[Record]:
    """Triage is the first response: missing its deadline escalates, and the supervisor triages."""
    if not by_timer:
        return []
    return [("escalated", {"work_item": item.bpmn_id, "department": None, "due_at": _iso(item.due_at),
                           "to": "supervisor"})]
