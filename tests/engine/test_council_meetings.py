"""Council meetings (DESIGN.md §2.1 step 2): agenda, quorum, the 2/3 rule, resolutions, deferral to the next agenda."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest

from engine.council.meetings import ItemDecision
from engine.council.service import CouncilService
from engine.demo.council_scenarios import CHAIR, MEMBERS, everyone, issue_at_council
from engine.demo.driver import Driver
from engine.errors import ConflictError, PermissionDenied, ValidationError
from engine.people.actor import Actor

DEADLINE = "2026-04-30"


@pytest.fixture
def council(service, clock) -> CouncilService:
    return CouncilService(service.db, clock, service.hooks)


def _meeting(council: CouncilService, clock, members=MEMBERS[:9]):
    meeting_id = council.schedule_meeting(title="居民议事会", scheduled_for=clock.now() + timedelta(days=1),
                                          members=members, actor=CHAIR)
    return council.meeting(meeting_id, CHAIR)


def _adopt(votes, **extra) -> ItemDecision:
    return ItemDecision("adopt", votes, responsible_department="chengguan", deadline=DEADLINE,
                        resolution_text="施划禁停线", **extra)


def test_a_meeting_puts_every_issue_waiting_at_deliberation_on_its_agenda(driver: Driver, council, clock) -> None:
    first = issue_at_council(driver, "东门乱停车")
    second = issue_at_council(driver, "广场舞太吵")
    page = _meeting(council, clock)
    assert [a.case_id for a in page.agenda] == [first.id, second.id]
    assert [m.name for m in page.members] == MEMBERS[:9]
    assert council.pending_issues(CHAIR) == []  # both are now on a scheduled meeting


def test_scheduling_without_pending_issues_is_refused(council, clock) -> None:
    with pytest.raises(ValidationError) as refused:
        _meeting(council, clock)
    assert "cases" in refused.value.field_errors


def test_only_the_council_schedules_meetings(driver: Driver, council, clock) -> None:
    issue_at_council(driver, "东门乱停车")
    with pytest.raises(PermissionDenied):
        council.schedule_meeting(title="x", scheduled_for=clock.now(), members=["a"],
                                 actor=Actor("wangge", "grid_worker", grid_code="XF-01"))


def test_an_adopted_issue_completes_deliberation_and_goes_to_the_department(driver: Driver, council, clock) -> None:
    case = issue_at_council(driver, "东门乱停车")
    page = _meeting(council, clock)
    present = [m.id for m in page.members]
    council.record_sitting(page.id, present=present, decisions={page.agenda[0].id: _adopt(everyone(present, "for"))},
                           actor=CHAIR)
    assert driver.open_ids(case) == ["accept"]
    held = council.meeting(page.id, CHAIR)
    assert held.status == "held"
    assert (held.agenda[0].outcome, held.agenda[0].votes_for) == ("adopt", 9)
    assert set(held.agenda[0].member_votes.values()) == {"for"}


def test_quorum_of_exactly_two_thirds_of_the_members_holds_the_meeting(driver: Driver, council, clock) -> None:
    case = issue_at_council(driver, "东门乱停车")
    page = _meeting(council, clock)
    present = [m.id for m in page.members][:6]  # 6 of 9
    council.record_sitting(page.id, present=present, decisions={page.agenda[0].id: _adopt(everyone(present, "for"))},
                           actor=CHAIR)
    assert driver.open_ids(case) == ["accept"]


def test_one_member_short_of_the_quorum_refuses_the_sitting(driver: Driver, council, clock) -> None:
    case = issue_at_council(driver, "东门乱停车")
    page = _meeting(council, clock)
    present = [m.id for m in page.members][:5]  # 5 of 9
    with pytest.raises(ValidationError) as refused:
        council.record_sitting(page.id, present=present,
                               decisions={page.agenda[0].id: _adopt(everyone(present, "for"))}, actor=CHAIR)
    assert "present" in refused.value.field_errors
    assert driver.open_ids(case) == ["deliberate"]
    assert council.meeting(page.id, CHAIR).status == "scheduled"


def test_a_major_matter_adopted_by_exactly_two_thirds_of_the_members(driver: Driver, council, clock) -> None:
    case = issue_at_council(driver, "公共空间改造")
    page = _meeting(council, clock)
    present = [m.id for m in page.members]  # 9 present, 6 for = exactly 2/3
    council.record_sitting(page.id, present=present, decisions={
        page.agenda[0].id: _adopt(everyone(present, "for", against=2, abstain=1), major_matter=True)}, actor=CHAIR)
    assert driver.open_ids(case) == ["accept"]


def test_the_council_cannot_adopt_a_major_matter_without_a_quorate_sitting(driver: Driver, council, clock) -> None:
    case = issue_at_council(driver, "小区中心广场改造为口袋公园")
    before = len(driver.service.events(case.id))
    # The task form with typed totals — even unanimous ones — no longer adopts a major matter.
    with pytest.raises(ValidationError) as typed:
        driver.do(case, "deliberate", decision="adopt", major_matter=True, responsible_department="zhujian",
                  deadline=DEADLINE, votes_for=9, votes_against=0, votes_abstain=0, resolution_text="改造")
    assert "议事会会议" in typed.value.field_errors["major_matter"]
    assert len(driver.service.events(case.id)) == before
    # A sitting without a quorum decides nothing.
    page = _meeting(council, clock)
    scheduled = len(driver.service.events(case.id))
    present = [m.id for m in page.members][:5]  # 5 of 9: under 2/3
    with pytest.raises(ValidationError) as inquorate:
        council.record_sitting(page.id, present=present, decisions={
            page.agenda[0].id: _adopt(everyone(present, "for"), major_matter=True)}, actor=CHAIR)
    assert "present" in inquorate.value.field_errors
    assert driver.open_ids(case) == ["deliberate"] and council.meeting(page.id, CHAIR).status == "scheduled"
    assert len(driver.service.events(case.id)) == scheduled
    # A quorate sitting with two thirds of all members in favour adopts it, and the record says where.
    present = [m.id for m in page.members][:6]
    council.record_sitting(page.id, present=present, decisions={
        page.agenda[0].id: _adopt(everyone(present, "for"), major_matter=True)}, actor=CHAIR)
    assert driver.open_ids(case) == ["accept"]
    completed = [json.loads(e.payload) for e in driver.service.events(case.id) if e.type == "task_completed"]
    adopted = next(p["data"] for p in completed if p["bpmn_id"] == "deliberate")
    assert (adopted["council_meeting"], adopted["major_vote_base"]) == (page.id, 9)


def test_the_two_thirds_rule_counts_every_member_not_only_those_present(driver: Driver, council, clock) -> None:
    case = issue_at_council(driver, "公共空间改造")
    page = _meeting(council, clock)
    present = [m.id for m in page.members][:7]  # 7 of 9 present (quorate), 5 for: 5/7 of those present, 5/9 of all
    item = page.agenda[0].id
    with pytest.raises(ValidationError) as refused:
        council.record_sitting(page.id, present=present, decisions={
            item: _adopt(everyone(present, "for", against=2), major_matter=True)}, actor=CHAIR)
    message = refused.value.field_errors[f"item-{item}-votes_for"]
    assert "全体成员" in message and "9 人中至少 6 票" in message
    assert driver.open_ids(case) == ["deliberate"]


def test_a_council_may_count_its_two_thirds_among_the_members_present(driver: Driver, service, clock) -> None:
    from engine.council.rules import PRESENT, CouncilSettings
    council = CouncilService(service.db, clock, service.hooks, CouncilSettings(major_base=PRESENT))
    case = issue_at_council(driver, "公共空间改造")
    page = _meeting(council, clock)
    present = [m.id for m in page.members][:7]
    council.record_sitting(page.id, present=present, decisions={
        page.agenda[0].id: _adopt(everyone(present, "for", against=2), major_matter=True)}, actor=CHAIR)
    assert driver.open_ids(case) == ["accept"]


def test_a_major_matter_one_vote_short_of_two_thirds_is_refused(driver: Driver, council, clock) -> None:
    case = issue_at_council(driver, "公共空间改造")
    page = _meeting(council, clock)
    present = [m.id for m in page.members]  # 9 present, 5 for
    item = page.agenda[0].id
    with pytest.raises(ValidationError) as refused:
        council.record_sitting(page.id, present=present, decisions={
            item: _adopt(everyone(present, "for", against=2, abstain=2), major_matter=True)}, actor=CHAIR)
    assert "2/3" in refused.value.field_errors[f"item-{item}-votes_for"]
    assert driver.open_ids(case) == ["deliberate"]


def test_adopting_without_department_or_deadline_names_both_fields(driver: Driver, council, clock) -> None:
    issue_at_council(driver, "东门乱停车")
    page = _meeting(council, clock)
    present = [m.id for m in page.members]
    item = page.agenda[0].id
    with pytest.raises(ValidationError) as refused:
        council.record_sitting(page.id, present=present, decisions={
            item: ItemDecision("adopt", everyone(present, "for"))}, actor=CHAIR)
    assert {f"item-{item}-responsible_department", f"item-{item}-deadline"} <= set(refused.value.field_errors)


def test_every_present_member_must_vote(driver: Driver, council, clock) -> None:
    issue_at_council(driver, "东门乱停车")
    page = _meeting(council, clock)
    present = [m.id for m in page.members]
    item = page.agenda[0].id
    votes = everyone(present[:-1], "for")
    with pytest.raises(ValidationError) as refused:
        council.record_sitting(page.id, present=present, decisions={item: _adopt(votes)}, actor=CHAIR)
    assert f"item-{item}-votes" in refused.value.field_errors


def test_one_bad_item_writes_nothing_of_the_sitting(driver: Driver, council, clock) -> None:
    good = issue_at_council(driver, "东门乱停车")
    issue_at_council(driver, "广场舞太吵")
    page = _meeting(council, clock)
    present = [m.id for m in page.members]
    with pytest.raises(ValidationError):
        council.record_sitting(page.id, present=present, decisions={
            page.agenda[0].id: _adopt(everyone(present, "for")),
            page.agenda[1].id: ItemDecision("reject", everyone(present, "against"))}, actor=CHAIR)  # no reason
    assert driver.open_ids(good) == ["deliberate"]


def test_a_deferred_issue_comes_back_on_the_next_meetings_agenda(driver: Driver, council, clock) -> None:
    case = issue_at_council(driver, "广场舞太吵")
    page = _meeting(council, clock)
    present = [m.id for m in page.members]
    council.record_sitting(page.id, present=present, decisions={
        page.agenda[0].id: ItemDecision("defer", everyone(present, "for"), reason="下次再议")}, actor=CHAIR)
    assert driver.open_ids(case) == ["deliberate"]
    pending = council.pending_issues(CHAIR)
    assert [(p.case_id, p.deferred_before) for p in pending] == [(case.id, True)]
    later = issue_at_council(driver, "新议题")
    nxt = council.schedule_meeting(title="第二次", scheduled_for=clock.now(), members=MEMBERS, actor=CHAIR,
                                   case_ids=[later.id])
    agenda = council.meeting(nxt, CHAIR).agenda
    assert {(a.case_id, a.carried_over) for a in agenda} == {(case.id, True), (later.id, False)}


def test_a_rejected_issue_closes_with_its_reason(driver: Driver, council, clock) -> None:
    case = issue_at_council(driver, "物业费调价")
    page = _meeting(council, clock)
    present = [m.id for m in page.members]
    council.record_sitting(page.id, present=present, decisions={
        page.agenda[0].id: ItemDecision("reject", everyone(present, "against"), reason="依据不足")}, actor=CHAIR)
    assert driver.refresh(case).outcome == "rejected"


def test_a_meeting_is_recorded_once(driver: Driver, council, clock) -> None:
    issue_at_council(driver, "东门乱停车")
    page = _meeting(council, clock)
    present = [m.id for m in page.members]
    decisions = {page.agenda[0].id: _adopt(everyone(present, "for"))}
    council.record_sitting(page.id, present=present, decisions=decisions, actor=CHAIR)
    with pytest.raises(ConflictError):
        council.record_sitting(page.id, present=present, decisions=decisions, actor=CHAIR)


def test_a_case_decided_at_a_meeting_replays_to_its_snapshot(driver: Driver, council, clock) -> None:
    case = issue_at_council(driver, "东门乱停车")
    page = _meeting(council, clock)
    present = [m.id for m in page.members]
    council.record_sitting(page.id, present=present, decisions={page.agenda[0].id: _adopt(everyone(present, "for"))},
                           actor=CHAIR)
    assert all(check.ok for check in driver.service.verify(case.id))


def test_the_major_matter_threshold_is_configurable(driver: Driver, service, clock) -> None:
    from fractions import Fraction

    from engine.council.rules import CouncilSettings
    strict = CouncilService(service.db, clock, service.hooks, CouncilSettings(major=Fraction(3, 4)))
    issue_at_council(driver, "公共空间改造")
    page = _meeting(strict, clock)
    present = [m.id for m in page.members]  # 9 present, 6 for: 2/3 but not 3/4
    item = page.agenda[0].id
    with pytest.raises(ValidationError) as refused:
        strict.record_sitting(page.id, present=present, decisions={
            item: _adopt(everyone(present, "for", against=3), major_matter=True)}, actor=CHAIR)
    assert "3/4" in refused.value.field_errors[f"item-{item}-votes_for"]


def test_a_council_with_a_lower_major_matter_threshold_adopts_at_that_threshold(driver: Driver, service,
                                                                               clock) -> None:
    from fractions import Fraction

    from engine.council.rules import CouncilSettings
    lenient = CouncilService(service.db, clock, service.hooks, CouncilSettings(major=Fraction(3, 5)))
    case = issue_at_council(driver, "公共空间改造")
    page = _meeting(lenient, clock, members=MEMBERS[:5])
    present = [m.id for m in page.members]  # 5 members, 3 for: 60 % — under 2/3, at 3/5
    lenient.record_sitting(page.id, present=present, decisions={
        page.agenda[0].id: _adopt(everyone(present, "for", against=2), major_matter=True)}, actor=CHAIR)
    assert driver.open_ids(case) == ["accept"]  # the diagram counts with the council's fraction too


def test_an_issue_resolved_before_the_meeting_is_skipped(driver: Driver, council, clock) -> None:
    resolved = issue_at_council(driver, "东门乱停车")
    other = issue_at_council(driver, "广场舞太吵")
    page = _meeting(council, clock)
    driver.do(resolved, "deliberate", decision="reject", votes_for=0, votes_against=5, votes_abstain=0,
              reason="已由城管处理")
    present = [m.id for m in page.members]
    council.record_sitting(page.id, present=present, decisions={
        page.agenda[1].id: _adopt(everyone(present, "for"))}, actor=CHAIR)
    held = council.meeting(page.id, CHAIR)
    assert [(a.case_id, a.outcome, a.still_pending) for a in held.agenda] == [
        (resolved.id, None, False), (other.id, "adopt", False)]
