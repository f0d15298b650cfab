"""What the mediation forms mean: domain rows beside the events, and who gets the mediator's tasks.

Registered in a :class:`~engine.cases.hooks.HookRegistry` by form key (the ``camunda:formKey``
values in ``bpmn/mediation.bpmn``). Every task in the mediator lane goes straight to the
mediator in charge (:attr:`Mediation.mediator`), not to the team queue: a mediation is
assigned to one person, and only that person sees it.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.cases.chain import append_event
from engine.cases.hooks import FormHooks, HookRegistry, Record
from engine.cases.models import Case, Notification, WorkItem
from engine.clock import to_db
from engine.mediation import rules
from engine.mediation.models import (
    AgreementConfirmation,
    MediationAgreement,
    MediationSession,
    MediatorAssignment,
    ThirdPartyAssessment,
)
from engine.mediation.queries import (
    current_assignment,
    latest_agreement,
    mediation_of,
    parties_of,
    parties_text,
    party_text,
)
from engine.people.actor import Actor
from engine.people.roles import Role

#: How long a round of mediation may take before the supervisor is told (the diagram's timer says the same).
ROUND_DAYS = 30


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _named_in(name: str, text: str | None) -> bool:
    return bool(text) and name.strip() in (text or "")


def _close(session: Session, case: Case, outcome: str, at: datetime, channel: str | None = None) -> None:
    mediation = mediation_of(session, case)
    mediation.outcome, mediation.closed_at = outcome, to_db(at)
    if outcome == "referred":
        mediation.referral_channel = channel or "administrative"


def _open_items(session: Session, case: Case, role: str) -> list[WorkItem]:
    return list(session.scalars(select(WorkItem).where(
        WorkItem.case_id == case.id, WorkItem.role == role, WorkItem.state.in_(WorkItem.OPEN_STATES))
        .order_by(WorkItem.id)))


def _hand_to(item: WorkItem, username: str, at: datetime) -> None:
    item.assignee, item.state, item.claimed_at = username, "claimed", to_db(at)


# -- opened -----------------------------------------------------------------------------------------

def _to_the_mediator(session: Session, case: Case, item: WorkItem, data: Mapping[str, Any], at: datetime) -> None:
    """A mediator-lane task goes to the mediator in charge of the case, due when the mediation is (its
    inbox row then reads the same deadline as the workspace)."""
    mediation = mediation_of(session, case)
    if mediation.mediator:
        _hand_to(item, mediation.mediator, at)
    if item.due_at is None:
        item.due_at = mediation.due_at


def _escalated(session: Session, case: Case, item: WorkItem, data: Mapping[str, Any], at: datetime) -> None:
    """The round ran 30 days without an agreement: the supervisors are told (吹哨)."""
    mediation = mediation_of(session, case)
    mediation.escalated_at = to_db(at)
    waiting = [i for i in _open_items(session, case, Role.MEDIATOR.value) + _open_items(
        session, case, Role.GRID_WORKER.value) if i.bpmn_id != item.bpmn_id]
    # The deadline missed is the round's, not the waiting task's: named so the supervisor's form says so.
    payload = {"work_item": waiting[0].bpmn_id if waiting else item.bpmn_id, "mediator": mediation.mediator,
               "due_at": mediation.due_at.isoformat() + "Z", "to": "supervisor",
               "deadline_name": f"调解期限（受理后 {ROUND_DAYS} 日内达成协议）"}
    # Written here, not returned: an ``opened`` hook has no records of its own.
    append_event(session, case, type="escalated", actor="system", role="system", at=at, payload=payload)
    session.add(Notification(case_id=case.id, recipient="supervisor", kind="escalated", created_at=to_db(at),
                             message=f"调解案件 {case.tracking_code} 受理满 {ROUND_DAYS} 日仍未达成协议，请督办"))


# -- completed --------------------------------------------------------------------------------------

def _assigned(session: Session, case: Case, item: WorkItem, data: Mapping[str, Any], at: datetime,
              actor: Actor) -> list[Record]:
    mediation = mediation_of(session, case)
    mediation.mediator = data["mediator"]
    session.add(MediatorAssignment(case_id=case.id, mediator=data["mediator"], state="assigned",
                                   assigned_at=to_db(at), assigned_by=actor.username,
                                   reason=data.get("assignment_note")))
    session.flush()  # the acceptance task opened next in this step looks the mediator up
    return []


def _accepted(session: Session, case: Case, item: WorkItem, data: Mapping[str, Any], at: datetime,
              actor: Actor) -> list[Record]:
    assignment = current_assignment(session, case.id)
    related = data["conflict_of_interest"] == "related"
    if assignment is not None:
        assignment.state = "recused" if related else "accepted"
        assignment.answered_at, assignment.reason = to_db(at), data.get("conflict_reason")
    if related:
        mediation_of(session, case).mediator = None
    return []


def _consent_recorded(session: Session, case: Case, item: WorkItem, data: Mapping[str, Any], at: datetime,
                      actor: Actor) -> list[Record]:
    """Every party's answer; answers recorded party by party in the same step are kept as they are."""
    refused = data["consent"] == "refused"
    for party in parties_of(session, case.id):
        if party.consent is not None:
            continue
        if not refused:
            party.consent, party.consent_at = "agreed", to_db(at)
        elif _named_in(party_text(session, party).name, data.get("refused_by")):
            party.consent, party.consent_at = "refused", to_db(at)
    if refused:
        _close(session, case, "referred", at, data.get("referral_channel"))
    return []


def _session_recorded(session: Session, case: Case, item: WorkItem, data: Mapping[str, Any], at: datetime,
                      actor: Actor) -> list[Record]:
    count = session.scalar(select(func.count(MediationSession.id)).where(MediationSession.case_id == case.id))
    held_on = _day(data["session_date"])
    assert held_on is not None  # required by the form
    session.add(MediationSession(
        case_id=case.id, number=(count or 0) + 1, round=mediation_of(session, case).rounds, held_on=held_on,
        attendees=data["attendees"], notes=data["session_notes"], next_step=data.get("next_step"),
        result=data["session_result"], event_seq=case.last_seq, recorded_at=to_db(at), recorded_by=actor.username,
    ))
    return []


def _agreement_recorded(session: Session, case: Case, item: WorkItem, data: Mapping[str, Any], at: datetime,
                        actor: Actor) -> list[Record]:
    """The agreement took effect (各方签字) or never will (拒绝签字).

    Drawn up in the workspace, the draft and its signatures are already recorded party by party: only its
    status changes. Completed any other way (the API, the simulator), the agreement is written now and a
    party named as declining did not sign.
    """
    signed = data["signing"] == "signed"
    draft = session.scalar(select(MediationAgreement).where(
        MediationAgreement.case_id == case.id, MediationAgreement.status == "draft")
        .order_by(MediationAgreement.number.desc()).limit(1))
    if draft is not None:
        draft.status, draft.event_seq = ("signed" if signed else "declined"), case.last_seq
        draft.in_force_at = to_db(at) if signed else None
        return []
    count = session.scalar(select(func.count(MediationAgreement.id)).where(MediationAgreement.case_id == case.id))
    agreement = MediationAgreement(
        case_id=case.id, number=(count or 0) + 1, terms=data["agreement_terms"],
        performance_deadline=_day(data.get("performance_deadline")), status="signed" if signed else "declined",
        note=data.get("agreement_note"), event_seq=case.last_seq, drafted_at=to_db(at), drafted_by=actor.username,
        in_force_at=to_db(at) if signed else None,
    )
    session.add(agreement)
    session.flush()
    parties = parties_of(session, case.id)
    text = parties_text(session, parties)
    named = [p for p in parties if _named_in(text[p.id].name, data.get("declined_by"))]
    for party in parties:
        confirmed = signed or (bool(named) and party not in named)
        session.add(AgreementConfirmation(agreement_id=agreement.id, party_id=party.id, confirmed=confirmed,
                                          recorded_at=to_db(at)))
    return []


def _followed_up(session: Session, case: Case, item: WorkItem, data: Mapping[str, Any], at: datetime,
                 actor: Actor) -> list[Record]:
    honoured = data["performance"] == "honoured"
    agreement = latest_agreement(session, case.id, "signed")
    if agreement is not None:
        agreement.status = "honoured" if honoured else "broken"
        agreement.followed_up_at, agreement.follow_up_note = to_db(at), data.get("follow_up_note")
    if honoured:
        _close(session, case, "resolved", at)
    else:  # reopened: a new round with its own 30 days
        mediation = mediation_of(session, case)
        mediation.rounds += 1
        due = to_db(at + timedelta(days=ROUND_DAYS))
        assert due is not None
        mediation.due_at = due
        mediation.escalated_at = None
    return []


def _no_agreement_decided(session: Session, case: Case, item: WorkItem, data: Mapping[str, Any], at: datetime,
                          actor: Actor) -> list[Record]:
    if data["next_action"] == "refer":
        _close(session, case, "referred", at, data.get("referral_channel"))
    elif data["next_action"] == "withdraw":
        _close(session, case, "withdrawn", at)
    return []


def _assessment_recorded(session: Session, case: Case, item: WorkItem, data: Mapping[str, Any], at: datetime,
                         actor: Actor) -> list[Record]:
    assessed_on = _day(data["assessment_date"])
    assert assessed_on is not None  # required by the form
    session.add(ThirdPartyAssessment(case_id=case.id, assessor=data["assessor"], assessed_on=assessed_on,
                                     findings=data["assessment_findings"], event_seq=case.last_seq,
                                     recorded_at=to_db(at), recorded_by=actor.username))
    return []


def _supervised(session: Session, case: Case, item: WorkItem, data: Mapping[str, Any], at: datetime,
                actor: Actor) -> list[Record]:
    action = data["supervision_action"]
    if action == "refer":
        _close(session, case, "referred", at, data.get("referral_channel"))
        return []
    if action != "reassign":
        return []
    mediation, new = mediation_of(session, case), data["new_mediator"]
    if (old := current_assignment(session, case.id)) is not None:
        old.state, old.answered_at, old.reason = "replaced", old.answered_at or to_db(at), data.get("supervision_note")
    session.add(MediatorAssignment(case_id=case.id, mediator=new, state="assigned", assigned_at=to_db(at),
                                   assigned_by=actor.username, reason=data.get("supervision_note")))
    mediation.mediator = new
    records: list[Record] = []
    for waiting in _open_items(session, case, Role.MEDIATOR.value):
        _hand_to(waiting, new, at)
        records.append(("reassigned", {"work_item": waiting.bpmn_id, "assignee": new,
                                       "reason": data.get("supervision_note"), "by_form": item.form_key}))
    return records


def register(hooks: HookRegistry) -> None:
    """Register the mediation forms (the ``camunda:formKey`` values in ``bpmn/mediation.bpmn``)."""
    hooks.own_intake("mediation", "mediation")
    registry = hooks.for_process("mediation")
    mediator = _to_the_mediator
    registry.register("mediation_assignment", FormHooks(validate=rules.validate_assignment, completed=_assigned))
    registry.register("mediation_acceptance", FormHooks(validate=rules.validate_acceptance, opened=mediator,
                                                        completed=_accepted))
    registry.register("mediation_consent", FormHooks(validate=rules.validate_consent, opened=mediator,
                                                     completed=_consent_recorded))
    registry.register("mediation_session", FormHooks(validate=rules.validate_session, opened=mediator,
                                                     completed=_session_recorded))
    registry.register("mediation_agreement", FormHooks(validate=rules.validate_agreement, opened=mediator,
                                                       completed=_agreement_recorded))
    registry.register("mediation_follow_up", FormHooks(opened=mediator, completed=_followed_up))
    registry.register("mediation_no_agreement", FormHooks(validate=rules.validate_no_agreement, opened=mediator,
                                                          completed=_no_agreement_decided))
    registry.register("mediation_assessment", FormHooks(validate=rules.validate_assessment, opened=mediator,
                                                        completed=_assessment_recorded))
    registry.register("mediation_supervision", FormHooks(validate=rules.validate_supervision, opened=_escalated,
                                                         completed=_supervised))
