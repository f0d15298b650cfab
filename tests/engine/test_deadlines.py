"""Deadlines are boundary timers on Chinese working days; the sweep fires each once (DESIGN.md §2.1 step 3)."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from engine.calendar.store import enter_days
from engine.cases.models import Notification
from engine.civic.models import Assignment, Rating
from engine.clock import FixedClock
from engine.demo.driver import Driver
from engine import CaseService

CST = timezone(timedelta(hours=8))


def _end_of(day: date) -> datetime:
    """End of a China-local day, as the naive UTC the database stores."""
    return datetime(day.year, day.month, day.day, 23, 59, 59, 999999, tzinfo=CST).astimezone(timezone.utc).replace(tzinfo=None)


def _adopted(driver: Driver, deadline: str = "2027-03-31"):
    case = driver.report()
    driver.do(case, "triage", triage_decision="negotiate")
    driver.do(case, "deliberate", decision="adopt", responsible_department="chengguan", deadline=deadline,
              votes_for=5, votes_against=0, votes_abstain=0)
    return case


def test_acceptance_is_due_at_the_end_of_the_next_working_day(driver: Driver, clock: FixedClock) -> None:
    clock.set(datetime(2026, 3, 6, 2, 0, tzinfo=timezone.utc))  # Friday 10:00 in Beijing
    case = _adopted(driver)
    assert driver.item(case, "accept").due_at == _end_of(date(2026, 3, 9))  # Monday


def test_a_deadline_skips_the_national_day_holiday(driver: Driver, clock: FixedClock) -> None:
    clock.set(datetime(2026, 9, 30, 2, 0, tzinfo=timezone.utc))
    case = _adopted(driver)
    assert driver.item(case, "accept").due_at == _end_of(date(2026, 10, 8))


def test_a_deadline_across_the_year_boundary_falls_back_to_weekends(driver: Driver, clock: FixedClock) -> None:
    clock.set(datetime(2026, 12, 31, 2, 0, tzinfo=timezone.utc))  # Thursday; 2027 is not in the package
    case = _adopted(driver)
    assert driver.item(case, "accept").due_at == _end_of(date(2027, 1, 1))


def test_official_days_entered_later_apply_to_new_steps_and_leave_old_ones_replayable(
        driver: Driver, clock: FixedClock, service: CaseService) -> None:
    clock.set(datetime(2026, 12, 31, 2, 0, tzinfo=timezone.utc))
    old = _adopted(driver)
    clock.advance(minutes=5)
    with service.db.transaction() as s:
        enter_days(s, [(date(2027, 1, 1), False, "元旦")], by="admin", at=clock.now())
    clock.advance(minutes=5)
    new = _adopted(driver)
    assert driver.item(new, "accept").due_at == _end_of(date(2027, 1, 4))
    assert all(check.ok for check in service.verify(old.id) + service.verify(new.id))


def test_nothing_fires_before_the_deadline(driver: Driver, service: CaseService) -> None:
    case = _adopted(driver)
    assert driver.later(hours=8) == []
    assert driver.open_ids(case) == ["accept"]


def test_a_missed_acceptance_escalates_to_the_supervisor(driver: Driver, service: CaseService) -> None:
    case = _adopted(driver)
    [fired] = driver.deadline_passes(case, "accept")
    assert fired.fired_timers == ["timer_accept"]
    assert [(i.bpmn_id, i.role) for i in service.work_items(case.id)] == [("unit_escalation", "supervisor")]
    assert "escalated" in [e.type for e in service.events(case.id)]
    with service.db.reading() as s:
        assert s.scalar(select(Assignment.escalations).where(Assignment.case_id == case.id)) == 1
        assert s.scalars(select(Notification.recipient).where(Notification.case_id == case.id,
                                                              Notification.kind == "escalated")).all() == ["supervisor"]


def test_a_second_sweep_fires_nothing_again(driver: Driver, service: CaseService) -> None:
    case = _adopted(driver)
    assert len(driver.deadline_passes(case, "accept")) == 1
    assert service.tick() == []
    assert [e.type for e in service.events(case.id)].count("timers_fired") == 1


def test_the_case_records_its_earliest_pending_deadline(driver: Driver, service: CaseService) -> None:
    case = _adopted(driver)
    assert service.case(case.id).next_timer_at == driver.item(case, "accept").due_at


def test_an_extension_gives_the_department_new_working_days(driver: Driver, clock: FixedClock) -> None:
    case = _adopted(driver)
    driver.deadline_passes(case, "accept")
    driver.do(case, "unit_escalation", escalation_action="extend", extend_days=2, escalation_reason="延期两天")
    item = driver.item(case, "accept")
    assert item.due_at is not None and item.due_at > clock.now().replace(tzinfo=None) + timedelta(days=1)


def test_no_rating_within_seven_days_counts_as_basically_satisfied(driver: Driver, service: CaseService) -> None:
    case = driver.report()
    driver.do(case, "triage", triage_decision="on_spot")
    driver.later(days=6)
    assert driver.open_ids(case) == ["rate"]
    driver.later(days=1, minutes=1)
    closed = service.case(case.id)
    assert (closed.status, closed.outcome) == ("closed", "resolved")
    with service.db.reading() as s:
        rating = s.scalar(select(Rating).where(Rating.case_id == case.id))
    assert (rating.value, rating.is_default) == ("basically", True)


@pytest.mark.parametrize("phase, previous, escalation", [("on_site", ["accept"], "unit_escalation"),
                                                         ("complete", ["accept", "on_site"], "handle_escalation")])
def test_each_later_deadline_escalates_too(driver: Driver, service: CaseService, phase: str, previous: list[str],
                                           escalation: str) -> None:
    """A department's own deadlines (accept, on site) go to the supervisor per department; the lead's completion
    of the whole after the departments' part."""
    case = _adopted(driver)
    forms = {"accept": {"accept_decision": "accepted"}, "on_site": {"on_site_note": "已到场"}}
    for bpmn_id in previous:
        driver.do(case, bpmn_id, **forms[bpmn_id])
    [fired] = driver.deadline_passes(case, phase)
    assert fired.fired_timers == [f"timer_{phase}"]
    assert driver.open_ids(case) == [escalation]


def test_extending_acceptance_also_moves_an_earlier_on_site_deadline(driver: Driver) -> None:
    case = _adopted(driver)
    driver.deadline_passes(case, "accept")
    driver.do(case, "unit_escalation", escalation_action="extend", extend_days=5, escalation_reason="部门整改")
    accept_due = driver.item(case, "accept").due_at
    driver.do(case, "accept", accept_decision="accepted")
    assert driver.item(case, "on_site").due_at > accept_due
