"""The civic loop's domain rows, kept beside the event log so assessments can use SQL.

Registered in a :class:`~engine.cases.hooks.HookRegistry` by form key.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from engine.cases.hooks import FormHooks, HookRegistry, Record
from engine.cases.models import Case, WorkItem
from engine.civic import rules
from engine.civic.contact import keep_reporter_contact
from engine.civic.models import Rating, Resolution
from engine.clock import to_db
from engine.dispatch import records as dispatch
from engine.dispatch import rules as dispatch_rules
from engine.people.actor import Actor


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
        return [("dispatched", {"mode": "council", "lead": data["responsible_department"], "co_departments": [],
                                "suggested": case.suggested_department, "overridden": False, "reason": None,
                                "priority": case.priority, "by": item.bpmn_id})]
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


#: The process whose forms these are.
CIVIC_LOOP = "civic_loop"


def register(hooks: HookRegistry) -> None:
    """Register the civic loop's forms (the ``camunda:formKey`` values in ``bpmn/civic_loop.bpmn``)."""
    hooks.own_intake(CIVIC_LOOP, "report")
    hooks.on_case_opened(keep_reporter_contact)  # the reporter's contact, whatever the process
    registry = hooks.for_process(CIVIC_LOOP)
    registry.register("triage", FormHooks(validate=dispatch_rules.validate_triage, opened=dispatch.triage_opened,
                                          completed=dispatch.triage_completed, cancelled=dispatch.triage_missed))
    registry.register("resolution", FormHooks(validate=rules.validate_resolution,
                                              completed=_resolution_completed))
    registry.register("acceptance", FormHooks(validate=dispatch_rules.validate_acceptance,
                                              opened=dispatch.acceptance_opened,
                                              completed=dispatch.acceptance_completed,
                                              cancelled=dispatch.deadline_missed, reassigned=dispatch.department_moved))
    registry.register("on_site", FormHooks(opened=dispatch.on_site_opened, completed=dispatch.on_site_completed,
                                           cancelled=dispatch.deadline_missed, reassigned=dispatch.department_moved))
    registry.register("part_report", FormHooks(opened=dispatch.part_opened, completed=dispatch.part_report_completed,
                                               cancelled=dispatch.deadline_missed,
                                               reassigned=dispatch.department_moved))
    registry.register("completion", FormHooks(opened=dispatch.completion_opened,
                                              completed=dispatch.completion_completed,
                                              cancelled=dispatch.deadline_missed,
                                              reassigned=dispatch.department_moved))
    registry.register("return_review", FormHooks(validate=rules.validate_return_review,
                                                 completed=_reassignment_completed("review_action")))
    registry.register("escalation", FormHooks(validate=rules.validate_escalation,
                                              completed=_reassignment_completed("escalation_action")))
    registry.register("final_decision", FormHooks(validate=rules.validate_final_decision,
                                                  completed=_reassignment_completed("final_action")))
    registry.register("rating", FormHooks(completed=_rating_completed, cancelled=_rating_cancelled))
