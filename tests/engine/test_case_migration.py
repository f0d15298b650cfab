"""Open cases can move from version N to N+1 when every task they wait at still exists (issue 7)."""
from __future__ import annotations

import json

import pytest

from engine.calendar import WorkCalendar
from engine.cases.models import Case
from engine.clock import FixedClock, as_utc
from engine.db import Database
from engine.demo import scenarios
from engine.demo.driver import Driver
from engine.errors import ValidationError
from engine.people.actor import Actor
from engine import CaseService
from engine.specs.service import ProcessService
from tests.fixtures.process_versions import (  # noqa: F401  (fixture)
    civic_loop,
    versions_restored,
    with_accept_timer,
    with_label,
    without_rating_timer,
)

pytestmark = pytest.mark.usefixtures("versions_restored")

SUPERVISOR = Actor("dudao", "supervisor")


@pytest.fixture
def processes(db: Database, clock: FixedClock) -> ProcessService:
    return ProcessService(db, clock)


def _publish(processes: ProcessService, xml: str, note: str = "测试修改") -> int:
    current = next(p for p in processes.processes() if p.key == "civic_loop").current_id
    assert current is not None
    draft = processes.save_draft(current, xml, by="dudao")
    return processes.publish(draft.id, note, by="dudao").id


def _waiting_for_triage(driver: Driver) -> Case:
    """A case at a task of the main process (a case whose departments are at work runs in a sub-process,
    which migration does not re-hang yet)."""
    return driver.report("路边违章搭建", "其他")


def _v1(processes: ProcessService) -> int:
    return next(p for p in processes.processes() if p.key == "civic_loop").versions[-1].id


def test_the_dry_run_lists_every_open_case_with_its_verdict(driver: Driver, processes: ProcessService) -> None:
    waiting = _waiting_for_triage(driver)
    closed = scenarios.resolved_on_the_spot(driver)
    v1 = _v1(processes)
    v2 = _publish(processes, with_label(with_accept_timer(civic_loop(), "workdays(2)"), "现场情况", "现场核实情况"))
    plan = processes.migration_plan(v1, v2)
    assert [(p.tracking_code, p.can_migrate, p.active) for p in plan] == [
        (waiting.tracking_code, True, ("timer_triage", "triage"))]
    assert closed.tracking_code not in [p.tracking_code for p in plan]


def test_a_case_waiting_at_a_removed_element_cannot_migrate_and_the_dry_run_names_it(
        driver: Driver, processes: ProcessService) -> None:
    case = driver.report("垃圾桶满了")
    driver.do(case, "triage", triage_decision="on_spot", triage_note="已现场清理")
    assert driver.open_ids(case) == ["rate"]
    v1 = _v1(processes)
    v2 = _publish(processes, without_rating_timer(civic_loop()))
    [entry] = processes.migration_plan(v1, v2)
    assert not entry.can_migrate
    assert entry.missing == ("rate", "timer_rating")
    assert entry.problems == ("rate: 新版本去掉了该任务的边界事件（如超时定时器），进行中的任务无法迁移",
                              "timer_rating: 案件当前所在的环节在新版本中不存在")


def test_migrating_moves_the_case_and_logs_the_supervisor(driver: Driver, service: CaseService,
                                                          processes: ProcessService) -> None:
    case = _waiting_for_triage(driver)
    v1 = _v1(processes)
    v2 = _publish(processes, with_accept_timer(civic_loop(), "workdays(2)"))
    result = processes.migrate(v1, v2, SUPERVISOR)
    assert result.moved == [case.tracking_code] and result.refused == {}
    assert service.case(case.id).process_version_id == v2
    event = service.events(case.id)[-1]
    assert (event.type, event.actor, event.role) == ("spec_migrated", "dudao", "supervisor")
    assert json.loads(event.payload)["from_version_id"] == v1
    assert json.loads(event.payload)["to_version_id"] == v2


def test_after_migrating_replay_reproduces_the_snapshot_and_the_chain_verifies(
        driver: Driver, service: CaseService, processes: ProcessService) -> None:
    case = _waiting_for_triage(driver)
    v2 = _publish(processes, with_accept_timer(civic_loop(), "workdays(2)"))
    processes.migrate(_v1(processes), v2, SUPERVISOR)
    assert service.replay(case.id).snapshot() == service.case(case.id).snapshot
    assert [c.ok for c in service.verify(case.id)] == [True]


def test_a_migrated_case_runs_on_to_the_end_and_still_replays(driver: Driver, service: CaseService,
                                                              processes: ProcessService) -> None:
    case = _waiting_for_triage(driver)
    v2 = _publish(processes, with_label(civic_loop(), "现场情况", "现场核实情况"))
    processes.migrate(_v1(processes), v2, SUPERVISOR)
    scenarios._dispatch(driver, case)
    scenarios._work_done(driver, case)
    driver.do(case, "rate", rating="satisfied")
    finished = service.case(case.id)
    assert (finished.status, finished.outcome) == ("closed", "resolved")
    assert service.replay(case.id).snapshot() == finished.snapshot
    assert service.verify(case.id)[0].ok


def test_a_migrated_case_follows_the_new_version_from_its_next_step(driver: Driver, clock: FixedClock,
                                                                    processes: ProcessService) -> None:
    pinned, migrated = driver.report("楼道堆物"), driver.report("楼道堆物（另一栋）")
    for case in (pinned, migrated):
        driver.do(case, "triage", triage_decision="negotiate")
    v2 = _publish(processes, with_accept_timer(civic_loop(), "workdays(2)"))
    processes.migrate(_v1(processes), v2, SUPERVISOR, case_ids=[migrated.id])
    for case in (pinned, migrated):
        driver.do(case, "deliberate", decision="adopt", responsible_department="chengguan",
                  deadline=scenarios._deadline(driver), votes_for=7, votes_against=1, votes_abstain=1)
    calendar = WorkCalendar()
    assert as_utc(driver.item(pinned, "accept").due_at) == calendar.add_workdays(clock.now(), 1)
    assert as_utc(driver.item(migrated, "accept").due_at) == calendar.add_workdays(clock.now(), 2)


def test_only_the_chosen_cases_move(driver: Driver, service: CaseService, processes: ProcessService) -> None:
    first = _waiting_for_triage(driver)
    second = _waiting_for_triage(driver)
    v1 = _v1(processes)
    v2 = _publish(processes, with_accept_timer(civic_loop(), "workdays(2)"))
    result = processes.migrate(v1, v2, SUPERVISOR, case_ids=[second.id])
    assert result.moved == [second.tracking_code]
    assert service.case(first.id).process_version_id == v1


def test_a_case_that_cannot_move_is_refused_with_the_reason(driver: Driver, service: CaseService,
                                                            processes: ProcessService) -> None:
    case = driver.report("垃圾桶满了")
    driver.do(case, "triage", triage_decision="on_spot")
    v1 = _v1(processes)
    v2 = _publish(processes, without_rating_timer(civic_loop()))
    result = processes.migrate(v1, v2, SUPERVISOR, case_ids=[case.id])
    assert result.moved == [] and "timer_rating" in result.refused[case.tracking_code]
    assert service.case(case.id).process_version_id == v1
    assert processes.migrate(v1, v2, SUPERVISOR).moved == []


def test_cases_move_only_forward_to_a_published_version(driver: Driver, processes: ProcessService) -> None:
    _waiting_for_triage(driver)
    v1 = _v1(processes)
    v2 = _publish(processes, with_accept_timer(civic_loop(), "workdays(2)"))
    draft = processes.new_draft(v2, by="dudao").id
    with pytest.raises(ValidationError):
        processes.migration_plan(v2, v1)
    with pytest.raises(ValidationError):
        processes.migration_plan(v1, draft)


def test_only_a_supervisor_migrates(driver: Driver, processes: ProcessService) -> None:
    case = _waiting_for_triage(driver)
    v2 = _publish(processes, with_accept_timer(civic_loop(), "workdays(2)"))
    result = processes.migrate(_v1(processes), v2, Actor("wangge", "grid_worker", None, "XF-01"))
    assert result.moved == [] and "督办" in result.refused[case.tracking_code]


def test_a_closed_case_cannot_be_migrated(driver: Driver, processes: ProcessService) -> None:
    case = scenarios.resolved_on_the_spot(driver)
    v2 = _publish(processes, with_accept_timer(civic_loop(), "workdays(2)"))
    result = processes.migrate(_v1(processes), v2, SUPERVISOR, case_ids=[case.id])
    assert result.moved == [] and result.refused == {str(case.id): "该案件不是此版本的在办案件"}


def test_replaying_up_to_the_event_before_the_migration_gives_the_case_as_it_was(
        driver: Driver, service: CaseService, processes: ProcessService) -> None:
    case = _waiting_for_triage(driver)
    before = service.case(case.id).snapshot
    v2 = _publish(processes, with_accept_timer(civic_loop(), "workdays(2)"))
    processes.migrate(_v1(processes), v2, SUPERVISOR)
    migrated_at = service.events(case.id)[-1].seq
    assert service.replay(case.id, upto_seq=migrated_at - 1).snapshot() == before



def test_a_case_whose_departments_are_at_work_waits_until_they_are_done_to_migrate(
        driver: Driver, processes: ProcessService) -> None:
    case = scenarios.waiting_for_department(driver)
    v2 = _publish(processes, with_label(civic_loop(), "现场情况", "现场核实情况"))
    [entry] = processes.migration_plan(_v1(processes), v2)
    assert not entry.can_migrate and any("子流程" in p for p in entry.problems)
    driver.do(case, "accept", accept_decision="accepted")
    driver.do(case, "on_site", on_site_note="已到场")  # the departments' sub-process is done: the lead completes
    [entry] = processes.migration_plan(_v1(processes), v2)
    assert entry.can_migrate and entry.active == ("complete", "timer_complete")
