"""The civic loop's domain rows, kept beside the event log so assessments can use SQL.

Registered in a :class:`~engine.cases.hooks.HookRegistry` by form key.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.cases.hooks import FormHooks, HookRegistry, Record
from engine.cases.models import Case, WorkItem
from engine.civic import rules
from engine.civic.models import Assignment, Rating, Resolution
from engine.clock import as_utc, to_db
from engine.people.actor import Actor


def _when(value: Any) -> datetime | None:
    return to_db(as_utc(datetime.fromisoformat(value))) if isinstance(value, str) and value else None


def current_assignment(session: Session, case: Case) -> Assignment | None:
    """The newest assignment of the case that is still in the department's hands."""
    return session.scalar(
        select(Assignment)
        .where(Assignment.case_id == case.id, Assignment.state.in_(("pending", "accepted", "on_site")))
        .order_by(Assignment.id.desc())
        .limit(1)
    )


def _acceptance_opened(session: Session, case: Case, item: WorkItem, data: Mapping[str, Any],
                       at: datetime) -> None:
    department = item.department_code or case.department_code
    assignment = current_assignment(session, case)
    if assignment is not None and (assignment.department_code != department or assignment.state != "pending"):
        assignment.state = "reassigned"
        assignment = None
    if assignment is None:
        assignment = Assignment(case_id=case.id, department_code=department, state="pending",
                                assigned_at=to_db(at), escalations=0)
        session.add(assignment)
    assignment.accept_due = item.due_at or _when(data.get("accept_due"))
    assignment.onsite_due = _when(data.get("onsite_due"))
    assignment.complete_due = _when(data.get("complete_due"))
    case.department_code = department


def _on_site_opened(session: Session, case: Case, item: WorkItem, data: Mapping[str, Any], at: datetime) -> None:
    if (assignment := current_assignment(session, case)) is not None and item.due_at:
        assignment.onsite_due = item.due_at


def _completion_opened(session: Session, case: Case, item: WorkItem, data: Mapping[str, Any],
                       at: datetime) -> None:
    if (assignment := current_assignment(session, case)) is not None and item.due_at:
        assignment.complete_due = item.due_at


def _resolution_completed(session: Session, case: Case, item: WorkItem, data: Mapping[str, Any],
                          at: datetime, actor: Actor) -> list[Record]:
    session.add(Resolution(
        case_id=case.id, event_seq=case.last_seq, decision=data["decision"],
        major_matter=bool(data.get("major_matter")),
        responsible_department=data.get("responsible_department"),
        deadline=date.fromisoformat(data["deadline"]) if data.get("deadline") else None,
        votes_for=data["votes_for"], votes_against=data["votes_against"], votes_abstain=data["votes_abstain"],
        text=data.get("resolution_text"), reason=data.get("reason"),
        decided_at=to_db(at), decided_by=actor.username,
    ))
    if data["decision"] == "adopt":
        case.department_code = data["responsible_department"]
    return []


def _assignment_step(field: str, state: str):
    def completed(session: Session, case: Case, item: WorkItem, data: Mapping[str, Any],
                  at: datetime, actor: Actor) -> list[Record]:
        if (assignment := current_assignment(session, case)) is not None:
            setattr(assignment, field, to_db(at))
            assignment.state = state
            if state == "completed":
                assignment.completion_report = data.get("completion_report")
                assignment.evidence = data.get("evidence")
        return []
    return completed


def _acceptance_completed(session: Session, case: Case, item: WorkItem, data: Mapping[str, Any],
                          at: datetime, actor: Actor) -> list[Record]:
    assignment = current_assignment(session, case)
    if assignment is None:
        return []
    if data["accept_decision"] == "accepted":
        assignment.accepted_at, assignment.state = to_db(at), "accepted"
    else:
        assignment.returned_at, assignment.state = to_db(at), "returned"
        assignment.return_reason = data.get("return_reason")
    return []


def _reassignment_completed(action_field: str):
    def completed(session: Session, case: Case, item: WorkItem, data: Mapping[str, Any],
                  at: datetime, actor: Actor) -> list[Record]:
        if data.get(action_field) == "reassign" and data.get("new_department"):
            case.department_code = data["new_department"]
            return [("reassigned", {"department": data["new_department"], "by_form": item.form_key})]
        return []
    return completed


def _rating_completed(session: Session, case: Case, item: WorkItem, data: Mapping[str, Any],
                      at: datetime, actor: Actor) -> list[Record]:
    session.add(Rating(case_id=case.id, value=data["rating"], is_default=False,
                       comment=data.get("rating_comment"), rated_at=to_db(at), rated_by=actor.username))
    return [("rating", {"value": data["rating"], "default": False})]


def _rating_cancelled(session: Session, case: Case, item: WorkItem, at: datetime, by_timer: bool) -> list[Record]:
    if not by_timer:
        return []
    # 7 days without a rating count as 基本满意, marked as a default rating.
    session.add(Rating(case_id=case.id, value="basically", is_default=True, comment=None,
                       rated_at=to_db(at), rated_by="system"))
    return [("rating", {"value": "basically", "default": True})]


def _deadline_missed(session: Session, case: Case, item: WorkItem, at: datetime, by_timer: bool) -> list[Record]:
    if not by_timer:
        return []
    if (assignment := current_assignment(session, case)) is not None:
        assignment.escalations += 1
    return [("escalated", {"work_item": item.bpmn_id, "department": item.department_code,
                           "due_at": item.due_at.isoformat() + "Z" if item.due_at else None,
                           "to": "supervisor"})]


def register(registry: HookRegistry) -> None:
    """Register the civic loop's forms (the ``camunda:formKey`` values in ``bpmn/civic_loop.bpmn``)."""
    registry.register("triage", FormHooks(validate=rules.validate_triage))
    registry.register("resolution", FormHooks(validate=rules.validate_resolution,
                                              completed=_resolution_completed))
    registry.register("acceptance", FormHooks(validate=rules.validate_acceptance, opened=_acceptance_opened,
                                              completed=_acceptance_completed, cancelled=_deadline_missed))
    registry.register("on_site", FormHooks(opened=_on_site_opened, completed=_assignment_step("on_site_at", "on_site"),
                                           cancelled=_deadline_missed))
    registry.register("completion", FormHooks(opened=_completion_opened,
                                              completed=_assignment_step("completed_at", "completed"),
                                              cancelled=_deadline_missed))
    registry.register("return_review", FormHooks(validate=rules.validate_return_review,
                                                 completed=_reassignment_completed("review_action")))
    registry.register("escalation", FormHooks(validate=rules.validate_escalation,
                                              completed=_reassignment_completed("escalation_action")))
    registry.register("final_decision", FormHooks(validate=rules.validate_final_decision,
                                                  completed=_reassignment_completed("final_action")))
    registry.register("rating", FormHooks(completed=_rating_completed, cancelled=_rating_cancelled))
