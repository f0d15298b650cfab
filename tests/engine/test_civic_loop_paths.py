"""Every path of the civic loop (DESIGN.md §2.1) runs on the real engine and database,
and replaying each case's log reproduces its stored snapshot exactly."""
from __future__ import annotations

import pytest

from engine.demo.driver import Driver
from engine.demo.scenarios import SCENARIOS
from engine import CaseService


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_path_ends_with_expected_status_and_outcome(name: str, driver: Driver, service: CaseService) -> None:
    scenario, status, outcome = SCENARIOS[name]
    case = driver.refresh(scenario(driver))
    assert (case.status, case.outcome) == (status, outcome)


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_replaying_the_log_reproduces_the_snapshot(name: str, driver: Driver, service: CaseService) -> None:
    case = SCENARIOS[name][0](driver)
    stored = service.case(case.id)
    assert service.replay(case.id).snapshot() == stored.snapshot


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_every_path_verifies(name: str, driver: Driver, service: CaseService) -> None:
    case = SCENARIOS[name][0](driver)
    [check] = service.verify(case.id)
    assert check.ok, check.problem
