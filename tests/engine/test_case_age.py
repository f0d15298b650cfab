"""A case's stored state stays bounded however long it runs (DESIGN.md §4: a step's cost does not grow with age)."""
from __future__ import annotations

import json

from engine.demo.driver import Driver
from engine import CaseService


def _loop_once(driver: Driver, case) -> None:
    driver.do(case, "accept", accept_decision="accepted")
    driver.do(case, "on_site", on_site_note="已到场")
    driver.do(case, "complete", completion_report="已处理完毕", evidence="photo://1")
    driver.do(case, "rate", rating="dissatisfied")
    if driver.open_ids(case) == ["final_decision"]:
        driver.do(case, "final_decision", final_action="reassign", new_department="wuye", final_note="再次交办")


def _long_case(driver: Driver, loops: int):
    case = driver.report()
    driver.do(case, "triage", triage_decision="negotiate")
    driver.do(case, "deliberate", decision="adopt", responsible_department="chengguan", deadline="2026-12-31",
              votes_for=5, votes_against=0, votes_abstain=0)
    for _ in range(loops):
        _loop_once(driver, case)
    return case


def _tasks_in_snapshot(service: CaseService, case) -> int:
    return len(json.loads(service.case(case.id).snapshot)["workflow"]["tasks"])


def test_the_task_tree_does_not_grow_with_the_number_of_loops(driver: Driver, service: CaseService) -> None:
    case = _long_case(driver, loops=2)
    after_two = _tasks_in_snapshot(service, case)
    for _ in range(8):
        _loop_once(driver, case)
    assert _tasks_in_snapshot(service, case) <= after_two


def test_a_long_case_still_replays_to_its_snapshot(driver: Driver, service: CaseService) -> None:
    case = _long_case(driver, loops=6)
    [check] = service.verify(case.id)
    assert check.ok, check.problem
    assert check.events > 40


def test_the_path_taken_is_remembered_after_history_is_compacted(driver: Driver, service: CaseService) -> None:
    case = _long_case(driver, loops=3)
    visited = set(json.loads(service.case(case.id).snapshot)["visited"])
    assert {"triage", "deliberate", "accept", "on_site", "complete", "rate", "final_decision"} <= visited
