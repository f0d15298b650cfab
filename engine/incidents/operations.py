"""Raising, counting and resolving incidents, inside the caller's transaction (never commits).

A failed step rolls its own transaction back; the incident is written afterwards in a transaction
of its own, under the case's lock, so what the failed step half-did is never kept.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.cases.chain import append_event
from engine.cases.hooks import HookRegistry
from engine.cases.models import Case
from engine.cases.queries import lock_case
from engine.cases.steps import StepResult, load_instance, run_engine_event
from engine.clock import as_utc, to_db
from engine.council import households
from engine.council.models import HouseholdVote
from engine.errors import CasegridError
from engine.incidents.models import Incident
from engine.people.actor import SYSTEM, Actor

log = logging.getLogger("casegrid.incidents")

#: The first automatic retry waits this long; each further failure doubles the wait, up to the maximum.
FIRST_BACKOFF = timedelta(minutes=5)
MAX_BACKOFF = timedelta(hours=6)
#: Longest error text kept (an engine message is a line; a bug's text could be anything).
MAX_ERROR = 2000


def backoff(failures: int) -> timedelta:
    """How long the sweep leaves a case alone after its ``failures``-th failure."""
    return min(FIRST_BACKOFF * 2 ** min(max(failures - 1, 0), 20), MAX_BACKOFF)


def describe(error: BaseException) -> tuple[str, str]:
    """(code, message) of a failure as a supervisor reads it: the engine's own words, or the kind of bug."""
    if isinstance(error, CasegridError):
        return error.code, error.message[:MAX_ERROR]
    kind = type(error).__name__
    return kind, f"内部错误（{kind}）：{str(error)[:MAX_ERROR - 40]}"


def due_timer_elements(session: Session, case: Case, at: datetime) -> list[str]:
    """BPMN ids of the case's timers that are due at ``at`` (what the failed sweep was firing)."""
    try:
        instance = load_instance(session, case)
    except Exception:  # noqa: BLE001  (a snapshot that cannot load is itself the failure; no element then)
        return []
    due = []
    for task in instance.workflow.get_tasks(state=TaskState.WAITING):
        if not isinstance(getattr(task.task_spec, "event_definition", None), TimerEventDefinition):
            continue
        value = task.internal_data.get("event_value")
        try:
            when = as_utc(datetime.fromisoformat(value)) if isinstance(value, str) else None
        except ValueError:
            when = None
        if when is None or when <= as_utc(at):
            due.append(task.task_spec.bpmn_id)
    return sorted(set(due))


def open_incident(session: Session, case_id: int) -> Incident | None:
    return session.scalar(select(Incident).where(Incident.case_id == case_id, Incident.status == Incident.OPEN)
                          .order_by(Incident.id.desc()).limit(1))


def record_failure(session: Session, case_id: int, error: BaseException, *, at: datetime, kind: str = "timers",
                   retried_by: Actor | None = None, require_due: bool = True) -> Incident | None:
    """Flag the case: open an incident (or count one more failure on its open one) and back its timer off.

    ``require_due``: only if the case's timer is still due (another sweep or a person may have moved it
    meanwhile; then there is nothing to flag). None when nothing was recorded.
    """
    case = lock_case(session, case_id)
    if require_due and kind == "timers" and (case.next_timer_at is None or case.next_timer_at >= to_db(at)):
        return None
    code, message = describe(error)
    element = getattr(error, "element", None) or ",".join(due_timer_elements(session, case, at)) or None
    incident = open_incident(session, case_id)
    if incident is None:
        incident = Incident(case_id=case_id, kind=kind, element=element, error=message, error_code=code,
                            status=Incident.OPEN, opened_at=to_db(at), last_failed_at=to_db(at), failures=1)
        session.add(incident)
        session.flush()
        append_event(session, case, type="incident_raised", actor=SYSTEM.username, role=SYSTEM.role, at=at,
                     payload={"incident": incident.id, "kind": kind, "element": element, "code": code,
                              "error": message})
    else:
        # A repeated failure is counted on the open incident, not logged again: a broken diagram retried
        # with back-off would otherwise fill the case's history.
        incident.failures += 1
        incident.last_failed_at = to_db(at)
        incident.error, incident.error_code = message, code
        incident.element = element or incident.element
    retry_at = at + backoff(incident.failures)
    incident.retry_at = to_db(retry_at)
    if kind == "timers":
        case.next_timer_at = to_db(retry_at)
    if retried_by is not None:
        incident.last_retry_at, incident.last_retry_by, incident.last_retry_outcome = \
            to_db(at), retried_by.username, "failed"
    log.warning("case %s: incident %s (%s, failure %s): %s", case.tracking_code, incident.id, element,
                incident.failures, message)
    return incident


def resolve(session: Session, case: Case, incident: Incident, *, at: datetime, by: Actor, outcome: str) -> None:
    """Close ``incident`` (the case's step has now succeeded, or nothing is due any more) and log it."""
    incident.status = Incident.RESOLVED
    incident.resolved_at, incident.resolved_by, incident.retry_at = to_db(at), by.username, None
    if not by.is_system:
        incident.last_retry_at, incident.last_retry_by, incident.last_retry_outcome = to_db(at), by.username, outcome
    append_event(session, case, type="incident_resolved", actor=by.username, role=by.role, at=at,
                 payload={"incident": incident.id, "outcome": outcome, "failures": incident.failures})


def resolve_open(session: Session, case: Case, *, at: datetime) -> None:
    """After a sweep fired the case's timers: its open incident, if any, is over."""
    incident = open_incident(session, case.id)
    if incident is not None:
        resolve(session, case, incident, at=at, by=SYSTEM, outcome="resolved")


def fire_now(session: Session, case: Case, *, at: datetime, actor: Actor, hooks: HookRegistry) -> StepResult | None:
    """Fire the case's due timers whatever its (backed-off) ``next_timer_at`` says; None when none is due."""
    instance = load_instance(session, case)
    due = instance.next_timer_at()
    if due is None or due >= as_utc(at):
        return None
    return run_engine_event(session, case, event_type="timers_fired", actor=actor, at=at, hooks=hooks,
                            instance=instance, payload={"due": to_db(due).isoformat(timespec="microseconds") + "Z"})


def close_due_vote(session: Session, case: Case, *, at: datetime, actor: Actor,
                   hooks: HookRegistry) -> StepResult | None:
    """Count the case's household vote whose window has closed; None when there is none left to count."""
    vote_id = session.scalar(select(HouseholdVote.id).where(
        HouseholdVote.case_id == case.id, HouseholdVote.status == "open", HouseholdVote.closes_at <= to_db(at)))
    if vote_id is None:
        return None
    return households.close_vote(session, vote_id, at=at, hooks=hooks, actor=actor)
