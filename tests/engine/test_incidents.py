"""A sweep nothing can poison (issue 15.2): a case whose timer step fails becomes an incident —
flagged with the error and the element, its timer backed off, retryable — and every other case's
deadline still fires in the same sweep.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engine.cases.events import CaseEvent
from engine.cases.models import Case
from engine.clock import FixedClock, as_utc
from engine.db import Database
from engine.demo.driver import Driver
from engine.demo.scenarios import waiting_for_department
from engine.errors import NotFound, PermissionDenied
from engine.incidents import IncidentService
from engine.people.actor import Actor
from engine import CaseService
from engine.specs.service import ProcessService
from tests.fixtures.process_versions import civic_loop, replace_once, versions_restored  # noqa: F401

SUPERVISOR = Actor("dudao", "supervisor")

#: The acceptance timer's escalation script reads a variable nobody set: it fails only when the timer fires.
_ESCALATION = "<bpmn:script>escalated_phase = 'accept'</bpmn:script>"
_ACCEPT = '<bpmn:userTask id="accept" name="签收交办" camunda:formKey="acceptance">'
#: The lead department's completion timer's escalation script.
_COMPLETE_ESCALATION = "<bpmn:script>escalated_phase = 'complete'</bpmn:script>"


def with_failing_escalation(xml: str) -> str:
    return replace_once(xml, _ESCALATION, "<bpmn:script>escalated_phase = phase_nobody_set</bpmn:script>")


def with_escalation_timer_from_a_variable(xml: str) -> str:
    """The escalation sets a bad deadline (``'soon'``) for the supervisor's boundary timer: validation cannot see
    the value, and it is refused only in the timer's own step, when the acceptance deadline fires. (The issue's
    repro, a reminder cycle ``R/PT0S`` from a variable, is now refused in the step that sets it up, before any
    case can wait on it: tests/engine/test_engine_bombs.py.)"""
    xml = replace_once(xml, _ESCALATION, "<bpmn:script>escalated_phase = 'accept'\nescalation_due = 'soon'</bpmn:script>")
    timer = """
    <bpmn:boundaryEvent id="escalation_deadline" name="处置期限" cancelActivity="false" attachedToRef="unit_escalation">
      <bpmn:outgoing>flow_escalation_deadline_end</bpmn:outgoing>
      <bpmn:timerEventDefinition id="TimerEventDefinition_escalation_deadline">
        <bpmn:timeDate xsi:type="bpmn:tFormalExpression">escalation_due</bpmn:timeDate>
      </bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:endEvent id="escalation_deadline_end"><bpmn:incoming>flow_escalation_deadline_end</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="flow_escalation_deadline_end" sourceRef="escalation_deadline" targetRef="escalation_deadline_end"/>
    """
    return replace_once(xml, _ACCEPT, timer + _ACCEPT)


def _publish(db: Database, clock: FixedClock, xml: str) -> None:
    ProcessService(db, clock).publish_file(xml, "测试：会出错的流程", by="dudao")


def _events(db: Database, case_id: int, kind: str) -> int:
    with db.reading() as s:
        return s.scalar(select(func.count()).select_from(CaseEvent).where(
            CaseEvent.case_id == case_id, CaseEvent.type == kind)) or 0


def _case(db: Database, case_id: int) -> Case:
    with db.reading() as s:
        case = s.get(Case, case_id)
        assert case is not None
        return case


@pytest.fixture
def poisoned(db: Database, driver: Driver, clock: FixedClock, versions_restored: None,  # noqa: F811
             request: pytest.FixtureRequest) -> Iterator[tuple[list[int], int]]:
    """Three healthy cases past their acceptance deadline, and one on a version that fails when its timer fires."""
    poison, wait = request.param
    healthy = [waiting_for_department(driver).id for _ in range(3)]
    clock.advance(days=5)  # every healthy case's acceptance deadline has passed
    _publish(db, clock, poison(civic_loop()))
    bad = waiting_for_department(driver).id
    clock.advance(**wait)
    yield healthy, bad


#: Each poison with how long to wait for it to be due: both fail in the escalation after the acceptance deadline.
SCRIPT_ERROR = (with_failing_escalation, {"days": 5})
TIMER_FROM_VARIABLE = (with_escalation_timer_from_a_variable, {"days": 5})


@pytest.mark.parametrize("poisoned", [SCRIPT_ERROR, TIMER_FROM_VARIABLE], indirect=True, ids=["script_error", "timer_from_variable"])
def test_a_failing_case_becomes_an_incident_and_every_other_deadline_still_fires(
        db: Database, service: CaseService, clock: FixedClock, poisoned: tuple[list[int], int]) -> None:
    healthy, bad = poisoned
    before = _case(db, bad)
    report = service.sweep_timers()
    assert {r.case.id for r in report.fired} == set(healthy)
    assert [f.case_id for f in report.failed] == [bad] and report.skipped == 0
    for case_id in healthy:
        assert _events(db, case_id, "escalated") == 1
    # The bad case did not move (no timer fired, nothing of the failed step kept) …
    after = _case(db, bad)
    assert after.snapshot == before.snapshot and _events(db, bad, "timers_fired") == 0
    # … it is an incident naming the element and the error, and its timer is backed off.
    incidents = IncidentService(db, clock, service.hooks).open_incidents(SUPERVISOR)
    assert [i.case_id for i in incidents] == [bad]
    incident = incidents[0]
    assert incident.element and incident.error and incident.failures == 1
    assert incident.tracking_code == after.tracking_code
    assert as_utc(after.next_timer_at) > clock.now()
    assert _events(db, bad, "incident_raised") == 1
    # The next sweep does not trip over it: nothing is due.
    again = service.sweep_timers()
    assert (again.fired, again.failed, again.skipped) == ([], [], 0)


@pytest.mark.parametrize("poisoned", [SCRIPT_ERROR], indirect=True, ids=["script_error"])
def test_after_its_back_off_the_sweep_tries_again_and_the_incident_counts_the_failure(
        db: Database, service: CaseService, clock: FixedClock, poisoned: tuple[list[int], int]) -> None:
    _healthy, bad = poisoned
    service.sweep_timers()
    first_wait = as_utc(_case(db, bad).next_timer_at) - clock.now()
    clock.advance(seconds=first_wait.total_seconds() + 1)
    report = service.sweep_timers()
    assert [f.case_id for f in report.failed] == [bad]
    (incident,) = IncidentService(db, clock, service.hooks).open_incidents(SUPERVISOR)
    assert incident.failures == 2
    second_wait = as_utc(_case(db, bad).next_timer_at) - clock.now()
    assert second_wait > first_wait > timedelta(0)  # the back-off grows
    assert _events(db, bad, "incident_raised") == 1  # a repeated failure is counted, not logged again


@pytest.mark.parametrize("poisoned", [SCRIPT_ERROR], indirect=True, ids=["script_error"])
def test_a_supervisor_retries_an_incident_and_sees_the_outcome(
        db: Database, service: CaseService, clock: FixedClock, poisoned: tuple[list[int], int]) -> None:
    _healthy, bad = poisoned
    service.sweep_timers()
    incidents = IncidentService(db, clock, service.hooks)
    (incident,) = incidents.open_incidents(SUPERVISOR)
    outcome = incidents.retry(incident.id, SUPERVISOR)
    assert not outcome.resolved and outcome.error  # the diagram is still broken: it fails again, nothing kept
    (again,) = incidents.open_incidents(SUPERVISOR)
    assert again.failures == 2 and again.last_retry_by == "dudao" and again.last_retry_outcome == "failed"
    assert _events(db, bad, "timers_fired") == 0


def test_a_retry_after_the_diagram_is_fixed_fires_the_timer_and_resolves_the_incident(
        db: Database, service: CaseService, clock: FixedClock, driver: Driver,
        versions_restored: None) -> None:  # noqa: F811
    # The lead's completion escalates at the top of the diagram, where a case can be moved to a repaired version
    # (a case whose departments are still at work runs in a sub-process, which migration does not re-hang).
    _publish(db, clock, replace_once(civic_loop(), _COMPLETE_ESCALATION,
                                     "<bpmn:script>escalated_phase = phase_nobody_set</bpmn:script>"))
    case = waiting_for_department(driver)
    driver.do(case, "accept", accept_decision="accepted")
    driver.do(case, "on_site", on_site_note="已到场")
    bad = case.id
    clock.advance(days=10)
    service.sweep_timers()
    incidents = IncidentService(db, clock, service.hooks)
    (incident,) = incidents.open_incidents(SUPERVISOR)
    _fix_the_pinned_version(db, clock, bad)
    outcome = incidents.retry(incident.id, SUPERVISOR)
    assert outcome.resolved, outcome
    assert incidents.open_incidents(SUPERVISOR) == []
    assert _events(db, bad, "timers_fired") == 1 and _events(db, bad, "escalated") == 1
    assert _events(db, bad, "incident_resolved") == 1
    (resolved,) = incidents.recent_incidents(SUPERVISOR)
    assert resolved.status == "resolved" and resolved.resolved_by == "dudao"
    assert service.verify(bad)[0].ok  # the chain and the replay still hold


def _fix_the_pinned_version(db: Database, clock: FixedClock, case_id: int) -> None:
    """The supervisor's way out: publish a repaired version and move the case onto it."""
    processes = ProcessService(db, clock)
    broken = _case(db, case_id).process_version_id
    fixed = processes.publish_file(civic_loop(), "修复：超时处置脚本", by="dudao")
    moved = processes.migrate(broken, fixed.id, SUPERVISOR, case_ids=[case_id])
    assert moved.moved and not moved.refused, moved


def test_only_supervisors_and_admins_see_and_retry_incidents(db: Database, clock: FixedClock,
                                                              service: CaseService) -> None:
    incidents = IncidentService(db, clock, service.hooks)
    for role in ("grid_worker", "department", "auditor", "mediator", "council"):
        with pytest.raises(PermissionDenied):
            incidents.open_incidents(Actor("x", role, department_code="wuye", grid_code="XF-01"))
    assert incidents.open_incidents(Actor("admin", "admin")) == []
    with pytest.raises(NotFound):
        incidents.retry(2**31 - 1, SUPERVISOR)


def test_a_household_vote_whose_count_fails_is_an_incident_that_waits_and_is_retried_as_a_count(
        db: Database, service: CaseService, driver: Driver, clock: FixedClock,
        versions_restored: None) -> None:  # noqa: F811
    from engine.council.service import CouncilService
    from tests.engine.test_council_household_votes import _cast, open_vote

    _publish(db, clock, replace_once(civic_loop(), "household_yes = count(ballots, 'yes')",
                                     "household_yes = count(ballots, yes_nobody_set)"))
    council = CouncilService(db, clock, service.hooks)
    case, vote_id, tokens = open_vote(driver, council, clock, households=3)
    _cast(council, tokens, ["yes", "yes"])
    clock.advance(days=7, minutes=1)
    report = service.sweep_timers()
    assert {f.case_id for f in report.failed} == {case.id} and report.fired == []
    incidents = IncidentService(db, clock, service.hooks)
    (incident,) = incidents.open_incidents(SUPERVISOR)
    assert incident.kind == "vote" and incident.case_id == case.id
    # The next minute's sweep leaves the vote alone until its back-off is over: nothing is tried, nothing fails.
    clock.advance(minutes=1)
    assert service.sweep_timers().failed == []
    outcome = incidents.retry(incident.id, SUPERVISOR)  # a retry counts the vote again: the diagram still fails
    assert outcome.outcome == "failed" and "yes_nobody_set" in (outcome.error or "")
    with pytest.raises(NotFound):  # nothing of the failed counts was kept: no result is published
        council.published_result(vote_id)
