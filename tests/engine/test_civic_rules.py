"""The civic loop's rules (DESIGN.md §2.1): bad form input is refused naming the field and nothing is written."""
from __future__ import annotations

import pytest

from engine.demo.driver import Driver
from engine.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from engine.people.actor import Actor, reporter
from engine import CaseService

ADOPT = dict(decision="adopt", responsible_department="chengguan", deadline="2026-03-20",
             votes_for=7, votes_against=1, votes_abstain=1)


@pytest.fixture
def at_council(driver: Driver):
    case = driver.report()
    driver.do(case, "triage", triage_decision="negotiate")
    return case


def _refused(driver: Driver, case, bpmn_id: str, **form) -> dict[str, str]:
    events_before = len(driver.service.events(case.id))
    with pytest.raises(ValidationError) as refused:
        driver.do(case, bpmn_id, **form)
    assert len(driver.service.events(case.id)) == events_before
    assert bpmn_id in driver.open_ids(case)
    return refused.value.field_errors


def test_an_adopted_resolution_without_department_or_deadline_names_both_fields(driver: Driver, at_council) -> None:
    errors = _refused(driver, at_council, "deliberate", **{**ADOPT, "responsible_department": "", "deadline": ""})
    assert set(errors) == {"responsible_department", "deadline"}


@pytest.mark.parametrize("votes_for, votes_against", [(5, 3), (9, 0)])
def test_a_major_matter_is_not_adopted_from_the_task_form_with_typed_totals(driver: Driver, at_council,
                                                                           votes_for: int, votes_against: int) -> None:
    errors = _refused(driver, at_council, "deliberate", **{**ADOPT, "major_matter": True, "votes_for": votes_for,
                                                            "votes_against": votes_against, "votes_abstain": 0})
    assert "议事会会议" in errors["major_matter"]


def test_an_ordinary_matter_still_passes_by_a_majority_of_the_votes(driver: Driver, at_council) -> None:
    driver.do(at_council, "deliberate", **{**ADOPT, "votes_for": 5, "votes_against": 4, "votes_abstain": 0})
    assert driver.open_ids(at_council) == ["accept"]


def test_a_rejection_must_give_the_reason_published_to_the_reporter(driver: Driver, at_council) -> None:
    errors = _refused(driver, at_council, "deliberate", decision="reject", votes_for=1, votes_against=5,
                      votes_abstain=0)
    assert set(errors) == {"reason"}


@pytest.mark.parametrize("field, value, message", [
    ("votes_for", "many", "整数"),
    ("votes_for", -1, "不能小于"),
    ("deadline", "next week", "YYYY-MM-DD"),
    ("decision", "maybe", "可选值"),
    ("responsible_department", "nasa", "有效"),
])
def test_a_wrongly_typed_field_is_named(driver: Driver, at_council, field: str, value, message: str) -> None:
    errors = _refused(driver, at_council, "deliberate", **{**ADOPT, field: value})
    assert message in errors[field]


def test_an_unknown_field_is_named(driver: Driver, at_council) -> None:
    errors = _refused(driver, at_council, "deliberate", **ADOPT, shoe_size=42)
    assert "shoe_size" in errors


def test_a_missing_required_field_is_named(driver: Driver, at_council) -> None:
    errors = _refused(driver, at_council, "deliberate", decision="adopt")
    assert {"votes_for", "votes_against", "votes_abstain"} <= set(errors)


def test_a_department_may_return_an_assignment_only_once(driver: Driver, at_council) -> None:
    driver.do(at_council, "deliberate", **{**ADOPT, "responsible_department": "wuye"})
    driver.do(at_council, "accept", accept_decision="return", return_reason="不属于物业职责")
    assert driver.open_ids(at_council) == ["triage"]
    driver.do(at_council, "triage", triage_decision="dispatch", department="wuye", dispatch_reason="属于物业维修范围")
    errors = _refused(driver, at_council, "accept", accept_decision="return", return_reason="仍然不属于")
    assert "一次" in errors["accept_decision"]


def test_a_return_goes_back_to_the_dispatcher_not_to_the_council(driver: Driver, at_council) -> None:
    driver.do(at_council, "deliberate", **{**ADOPT, "responsible_department": "wuye"})
    driver.do(at_council, "accept", accept_decision="return", return_reason="不属于物业职责")
    assert [(i.bpmn_id, i.role) for i in driver.service.work_items(at_council.id)] == [("triage", "grid_worker")]


def test_a_dissatisfied_rating_reopens_at_most_twice_then_the_supervisor_decides(driver: Driver, at_council) -> None:
    driver.do(at_council, "deliberate", **ADOPT)
    for expected_next in ["accept", "accept", "final_decision"]:
        driver.do(at_council, "accept", accept_decision="accepted")
        driver.do(at_council, "on_site", on_site_note="已到场")
        driver.do(at_council, "complete", completion_report="已处理完毕", evidence="photo://1")
        driver.do(at_council, "rate", rating="dissatisfied")
        assert driver.open_ids(at_council) == [expected_next]


def test_a_department_cannot_complete_another_departments_task(driver: Driver, service: CaseService, at_council) -> None:
    driver.do(at_council, "deliberate", **ADOPT)
    item = driver.item(at_council, "accept")
    with pytest.raises(PermissionDenied):
        service.complete_task(item.id, {"accept_decision": "accepted"}, Actor("zhujian", "department", "zhujian"))


def test_a_role_cannot_complete_another_roles_task(driver: Driver, service: CaseService, at_council) -> None:
    item = driver.item(at_council, "deliberate")
    with pytest.raises(PermissionDenied):
        service.complete_task(item.id, ADOPT, Actor("wangge", "grid_worker", grid_code="XF-01"))


def test_a_resident_with_another_tracking_code_sees_no_such_task(driver: Driver, service: CaseService) -> None:
    case = driver.report()
    driver.do(case, "triage", triage_decision="on_spot")
    item = driver.item(case, "rate")
    with pytest.raises(NotFound):
        service.complete_task(item.id, {"rating": "satisfied"}, reporter("000000-XXXXXX", driver.reporter_key(case)))


def test_a_completed_task_cannot_be_completed_again(driver: Driver, service: CaseService) -> None:
    case = driver.report()
    item = driver.item(case, "triage")
    actor = driver.actor_for(case, item)
    service.complete_task(item.id, {"triage_decision": "on_spot"}, actor)
    with pytest.raises(ConflictError, match="wangge"):
        service.complete_task(item.id, {"triage_decision": "on_spot"}, actor)


def test_a_duplicate_must_name_an_existing_case(driver: Driver) -> None:
    case = driver.report()
    errors = _refused(driver, case, "triage", triage_decision="duplicate", duplicate_of="999999-NOPE22")
    assert "不存在" in errors["duplicate_of"]


def test_an_intake_without_description_or_with_unknown_category_names_both(service: CaseService, driver: Driver) -> None:
    from engine.cases.intake import Intake
    with pytest.raises(ValidationError) as refused:
        service.open_case(Intake(description=" ", category="天气"), driver.actor_for_role("grid_worker"))
    assert set(refused.value.field_errors) == {"description", "category"}
