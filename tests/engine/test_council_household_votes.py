"""Household votes (户主表决): one ballot per household, one-time links, proxy votes, the window, the tally."""
from __future__ import annotations

import json

import pytest

from engine.council.meetings import ItemDecision
from engine.council.service import CouncilService
from engine.demo.council_scenarios import (
    CHAIR,
    MEMBERS,
    PROXY,
    everyone,
    issue_at_council,
    seed_households,
)
from engine.demo.driver import Driver
from engine.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from engine.people.actor import Actor


@pytest.fixture
def council(service, clock) -> CouncilService:
    return CouncilService(service.db, clock, service.hooks)


def open_vote(driver: Driver, council: CouncilService, clock, households: int = 6, days: int = 7,
              threshold: str | None = None):
    """A lift for 3号楼 put to its ``households`` households; returns (case, vote id, tokens by household)."""
    seed_households(council, buildings={"3号楼": households, "1号楼": 4})
    case = issue_at_council(driver, "3号楼加装电梯")
    meeting = council.schedule_meeting(title="议事会", scheduled_for=clock.now(), members=MEMBERS, actor=CHAIR)
    page = council.meeting(meeting, CHAIR)
    present = [m.id for m in page.members]
    result = council.record_sitting(meeting, present=present, decisions={page.agenda[0].id: ItemDecision(
        "household_vote", everyone(present, "for"), responsible_department="zhujian", deadline="2026-06-30",
        resolution_text="3号楼加装电梯一部", buildings=["3号楼"], vote_days=days, threshold=threshold)}, actor=CHAIR)
    [(vote_id, tokens)] = result.tokens.items()
    return case, vote_id, tokens


def _cast(council, tokens, choices: list[str]) -> None:
    for token, choice in zip(tokens.values(), choices):
        council.cast_online(token, choice)


def test_a_household_vote_has_one_ballot_per_household_of_the_affected_buildings(driver, council, clock) -> None:
    case, vote_id, tokens = open_vote(driver, council, clock, households=6)
    page = council.vote(vote_id, CHAIR)
    assert page.eligible == len(tokens) == 6
    assert {b.building for b in page.ballots} == {"3号楼"}
    assert driver.open_ids(case) == []  # the households' instances are ballots, not anyone's work items
    waiting = [t.human.bpmn_id for t in driver.service.replay(case.id).instance.ready_tasks()]
    assert waiting == ["household_voting"] * 6  # one multi-instance task instance per household
    assert council.pending_issues(CHAIR) == []  # and is not put on another agenda meanwhile


def test_a_voting_link_works_once_and_a_second_vote_is_refused(driver, council, clock) -> None:
    _, vote_id, tokens = open_vote(driver, council, clock)
    token = next(iter(tokens.values()))
    council.cast_online(token, "yes")
    with pytest.raises(ConflictError) as refused:
        council.cast_online(token, "no")
    assert "只能投一次" in refused.value.message
    assert council.vote(vote_id, CHAIR).voted == 1


def test_an_unknown_link_is_not_found(driver, council, clock) -> None:
    open_vote(driver, council, clock)
    with pytest.raises(NotFound):
        council.cast_online("not-a-token", "yes")


def test_a_proxy_vote_and_then_the_households_own_link_count_once(driver, council, clock) -> None:
    _, vote_id, tokens = open_vote(driver, council, clock)
    household, token = next(iter(tokens.items()))
    council.cast_proxy(vote_id, household, "yes", PROXY)
    with pytest.raises(ConflictError):
        council.cast_online(token, "no")
    with pytest.raises(ConflictError):
        council.cast_proxy(vote_id, household, "no", PROXY)
    ballot = next(b for b in council.vote(vote_id, CHAIR).ballots if b.household_id == household)
    assert (ballot.channel, ballot.cast_by) == ("proxy", "wangge")
    assert council.vote(vote_id, CHAIR).voted == 1


def test_a_proxy_vote_needs_the_households_grid_worker(driver, council, clock) -> None:
    _, vote_id, tokens = open_vote(driver, council, clock)
    household = next(iter(tokens))
    with pytest.raises(PermissionDenied):
        council.cast_proxy(vote_id, household, "yes", Actor("wangge2", "grid_worker", grid_code="HP-01"))
    with pytest.raises(PermissionDenied):
        council.cast_proxy(vote_id, household, "yes", CHAIR)


def test_a_bad_choice_is_refused(driver, council, clock) -> None:
    _, _, tokens = open_vote(driver, council, clock)
    with pytest.raises(ValidationError):
        council.cast_online(next(iter(tokens.values())), "maybe")


def test_an_expired_window_refuses_votes(driver, council, clock) -> None:
    _, vote_id, tokens = open_vote(driver, council, clock, days=3)
    clock.advance(days=3)
    with pytest.raises(ConflictError) as refused:
        council.cast_online(next(iter(tokens.values())), "yes")
    assert "截止" in refused.value.message
    with pytest.raises(ConflictError):
        council.cast_proxy(vote_id, next(iter(tokens)), "yes", PROXY)


def test_exactly_two_thirds_of_all_households_pass_and_the_case_goes_to_the_department(driver, council, clock) -> None:
    case, vote_id, tokens = open_vote(driver, council, clock, households=6)
    _cast(council, tokens, ["yes", "yes", "yes", "yes", "no"])  # 4 of 6, one household did not vote
    clock.advance(days=7)
    assert council.close_due_votes() == [vote_id]
    result = council.published_result(vote_id)
    assert (result.yes, result.no, result.abstain, result.not_voted, result.passed) == (4, 1, 0, 1, True)
    assert driver.open_ids(case) == ["accept"]
    assert driver.refresh(case).department_code == "zhujian"


def test_the_council_sets_three_quarters_for_a_lift_and_two_thirds_of_households_then_fail(driver, council,
                                                                                           clock) -> None:
    case, vote_id, tokens = open_vote(driver, council, clock, households=8, threshold="3/4")
    ballot = council.ballot(next(iter(tokens.values())))
    assert (ballot.threshold, ballot.threshold_words, ballot.eligible) == ("3/4", "四分之三", 8)
    _cast(council, tokens, ["yes"] * 5 + ["no"] * 3)  # 5 of 8: over 2/3 of the households, under 3/4; all voted
    result = council.published_result(vote_id)
    assert (result.yes, result.threshold, result.passed) == (5, "3/4", False)
    assert (driver.refresh(case).status, driver.refresh(case).outcome) == ("closed", "rejected")


def test_three_quarters_of_the_households_pass_a_three_quarter_vote(driver, council, clock) -> None:
    case, vote_id, tokens = open_vote(driver, council, clock, households=8, threshold="3/4")
    _cast(council, tokens, ["yes"] * 6 + ["no"] * 2)
    assert council.published_result(vote_id).passed is True
    assert driver.open_ids(case) == ["accept"]


def test_a_threshold_the_council_may_not_choose_is_refused_naming_the_item(driver, council, clock) -> None:
    seed_households(council, buildings={"3号楼": 4})
    case = issue_at_council(driver, "3号楼加装电梯")
    meeting = council.schedule_meeting(title="议事会", scheduled_for=clock.now(), members=MEMBERS, actor=CHAIR)
    page = council.meeting(meeting, CHAIR)
    assert page.thresholds == ["2/3", "3/4"]
    present = [m.id for m in page.members]
    item = page.agenda[0].id
    for bad in ("1/3", "abc", "1/0"):
        with pytest.raises(ValidationError) as refused:
            council.record_sitting(meeting, present=present, decisions={item: ItemDecision(
                "household_vote", everyone(present, "for"), responsible_department="zhujian", deadline="2026-06-30",
                resolution_text="加装电梯", buildings=["3号楼"], threshold=bad)}, actor=CHAIR)
        assert "2/3、3/4" in refused.value.field_errors[f"item-{item}-threshold"]
    assert driver.open_ids(case) == ["deliberate"]


def test_one_household_short_of_two_thirds_fails_and_the_issue_is_rejected(driver, council, clock) -> None:
    case, vote_id, tokens = open_vote(driver, council, clock, households=6)
    _cast(council, tokens, ["yes", "yes", "yes", "no", "abstain"])
    clock.advance(days=7)
    council.close_due_votes()
    result = council.published_result(vote_id)
    assert (result.yes, result.no, result.abstain, result.not_voted, result.passed) == (3, 1, 1, 1, False)
    refreshed = driver.refresh(case)
    assert (refreshed.status, refreshed.outcome) == ("closed", "rejected")


def test_a_tie_fails(driver, council, clock) -> None:
    _, vote_id, tokens = open_vote(driver, council, clock, households=6)
    _cast(council, tokens, ["yes", "yes", "yes", "no", "no", "no"])  # everyone voted: closes at once
    result = council.published_result(vote_id)
    assert (result.yes, result.no, result.passed) == (3, 3, False)


def test_the_vote_closes_as_soon_as_every_household_has_voted(driver, council, clock) -> None:
    case, vote_id, tokens = open_vote(driver, council, clock, households=3)
    _cast(council, tokens, ["yes", "yes", "yes"])
    assert council.vote(vote_id, CHAIR).status == "closed"
    assert driver.open_ids(case) == ["accept"]


def test_the_result_is_not_published_before_the_window_closes(driver, council, clock) -> None:
    _, vote_id, tokens = open_vote(driver, council, clock)
    _cast(council, tokens, ["yes"])
    with pytest.raises(NotFound):
        council.published_result(vote_id)
    with pytest.raises(ConflictError):
        council.close_vote(vote_id, CHAIR)


def test_the_voting_page_shows_the_proposal_and_only_this_household(driver, council, clock) -> None:
    _, _, tokens = open_vote(driver, council, clock)
    page = council.ballot(next(iter(tokens.values())))
    assert page.proposal == "3号楼加装电梯一部"
    assert page.building == "3号楼" and page.is_open and page.choice is None
    assert not hasattr(page, "ballots")


def test_a_reissued_link_replaces_the_old_one(driver, council, clock) -> None:
    _, vote_id, tokens = open_vote(driver, council, clock)
    household, old = next(iter(tokens.items()))
    new = council.reissue_token(vote_id, household, PROXY)
    with pytest.raises(NotFound):
        council.cast_online(old, "yes")
    council.cast_online(new, "yes")


def test_a_household_vote_needs_buildings_with_households_and_a_deadline_after_the_window(driver, council,
                                                                                          clock) -> None:
    issue_at_council(driver, "加装电梯")
    meeting = council.schedule_meeting(title="议事会", scheduled_for=clock.now(), members=MEMBERS, actor=CHAIR)
    page = council.meeting(meeting, CHAIR)
    present = [m.id for m in page.members]
    item = page.agenda[0].id
    with pytest.raises(ValidationError) as refused:
        council.record_sitting(meeting, present=present, decisions={item: ItemDecision(
            "household_vote", everyone(present, "for"), responsible_department="zhujian", deadline="2026-03-05",
            resolution_text="加装电梯", buildings=["3号楼"], vote_days=7)}, actor=CHAIR)
    assert f"item-{item}-deadline" in refused.value.field_errors


def test_every_vote_is_an_event_in_the_cases_chain_and_the_case_replays(driver, council, clock) -> None:
    case, _, tokens = open_vote(driver, council, clock, households=6)
    _cast(council, tokens, ["yes"] * 6)
    types = [e.type for e in driver.service.events(case.id)]
    assert types.count("household_vote_cast") == 6
    assert types.count("household_vote_closed") == 1
    assert all(check.ok for check in driver.service.verify(case.id))


def test_a_300_household_vote_replays_to_the_same_snapshot(driver, council, clock) -> None:
    case, vote_id, tokens = open_vote(driver, council, clock, households=300)
    for i, (household, token) in enumerate(tokens.items()):
        if i % 5 == 0:
            council.cast_proxy(vote_id, household, "yes", PROXY)
        else:
            council.cast_online(token, "yes" if i % 4 else "no")
    result = council.published_result(vote_id)
    assert result.eligible == 300 and result.yes + result.no == 300 and result.passed
    [check] = driver.service.verify(case.id)
    assert check.ok
    assert driver.service.replay(case.id).snapshot() == driver.refresh(case).snapshot


def test_the_count_completes_every_households_instance_in_one_engine_event(driver, council, clock) -> None:
    case, _, tokens = open_vote(driver, council, clock, households=6)
    _cast(council, tokens, ["yes", "no", "yes", "abstain", "yes", "yes"])
    [count] = [e for e in driver.service.events(case.id) if e.type == "tasks_completed"]
    ballots = [t["data"]["ballot"] for t in json.loads(count.payload)["tasks"]]
    assert sorted(ballots) == ["abstain", "no", "yes", "yes", "yes", "yes"]
    assert driver.service.replay(case.id).instance.data["household_yes"] == 4


def test_households_who_did_not_vote_are_counted_as_not_voted_in_the_diagram(driver, council, clock) -> None:
    case, vote_id, tokens = open_vote(driver, council, clock, households=6)
    _cast(council, tokens, ["yes", "yes"])
    clock.advance(days=7, minutes=1)
    driver.service.tick()
    data = driver.service.replay(case.id).instance.data
    assert (data["household_yes"], data["household_not_voted"], data["vote_passed"]) == (2, 4, False)


def test_a_household_vote_cannot_be_chosen_on_the_generic_resolution_form(driver, council, clock) -> None:
    case = issue_at_council(driver, "公共空间改造")
    with pytest.raises(ValidationError) as refused:
        driver.do(case, "deliberate", decision="household_vote", major_matter=True, responsible_department="zhujian",
                  deadline="2026-06-30", votes_for=9, votes_against=0, votes_abstain=0)
    assert "楼栋" in refused.value.field_errors["decision"]
    assert driver.open_ids(case) == ["deliberate"]


def test_the_deadline_sweep_tallies_a_vote_whose_window_has_closed(driver, council, service, clock) -> None:
    case, vote_id, tokens = open_vote(driver, council, clock, households=6)
    _cast(council, tokens, ["yes", "yes", "yes", "yes", "yes"])
    clock.advance(days=7, minutes=1)
    service.tick()
    assert council.published_result(vote_id).passed is True
    assert driver.open_ids(case) == ["accept"]
    assert service.tick() == []  # already tallied: the next sweep finds nothing to do


def test_if_the_windows_timer_fires_before_the_count_the_diagram_rejects_without_ballots(driver, council, service,
                                                                                         clock) -> None:
    """The diagram's fallback path (表决窗口关闭未计票): the sweep counts first, so only a timer fired out of
    order reaches it; the case is rejected, the ballots stay on record and the chain still verifies."""
    from engine.cases import operations

    case, vote_id, tokens = open_vote(driver, council, clock, households=3)
    _cast(council, tokens, ["yes", "yes"])
    clock.advance(days=7, minutes=1)
    with service.db.transaction() as s:
        operations.fire_case_timers(s, case.id, at=clock.now(), hooks=service.hooks)
    data = driver.service.replay(case.id).instance.data
    assert (data["household_yes"], data["household_not_voted"], data["decision"]) == (0, 3, "reject")
    assert driver.refresh(case).outcome == "rejected"
    service.tick()  # the vote is counted from its ballots; the case is not moved again
    assert council.published_result(vote_id).yes == 2
    assert driver.refresh(case).outcome == "rejected"
    assert all(check.ok for check in driver.service.verify(case.id))
