"""Nothing outside the record (issue 18, item 5): what verify compares beyond the hash chain.

The documents a case is pinned to (process XML, routing table) and the order of event times.
Each tamper changes stored rows directly, as an insider with database access would, and
``casegrid verify`` must fail naming the case, the event and what changed; an untouched
bystander case keeps verifying.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from engine.cases.models import Case
from engine.cli import main
from engine.clock import FixedClock
from engine.db import Database
from engine.demo.driver import Driver
from engine.errors import ConflictError
from engine import CaseService
from engine.specs.models import DecisionVersion, ProcessVersion
from tests.engine import helpers_tamper as tamper
from tests.fixtures.audit_cases import bystander, case  # noqa: F401  (fixtures)
from tests.fixtures.process_versions import versions_restored  # noqa: F401  (fixture)


Detected = Callable[..., str]


@pytest.fixture
def detected(db: Database, service: CaseService) -> Detected:
    """``detected(case, seq, problem_regex)``: verify fails exactly that case at that seq; the CLI says so."""

    def check(of: Case, bad_seq: int, problem: str, only: bool = True) -> str:
        [result] = service.verify(of.id)
        assert not result.ok
        assert (result.case_id, result.bad_seq) == (of.id, bad_seq), result
        assert re.search(problem, result.problem or ""), result.problem
        failed = [c for c in service.verify() if not c.ok]
        if only:
            assert [c.case_id for c in failed] == [of.id], "only the tampered case may fail"
        cli = CliRunner().invoke(main, ["verify", "--db", db.url])
        assert cli.exit_code == 1, cli.output
        first = failed[0]  # the CLI names the first failing case and counts the others
        code = service.case(first.case_id).tracking_code
        assert f"FAILED: case {code} (id {first.case_id}) at seq {first.bad_seq}: {first.problem}" in cli.output
        return result.problem or ""

    return check


# -- (h) the pinned process XML and routing table -------------------------------------------


@pytest.mark.usefixtures("versions_restored")
def test_pinned_xml_edited_with_its_sha256_updated_is_named(db: Database, case: Case, bystander: Case,
                                                           detected: Detected) -> None:
    tamper.edit_version_xml(db, ProcessVersion, case.process_version_id,
                            lambda xml: xml.replace('name="分拨研判"', 'name="分拨研判（已审核）"'), fix_sha256=True)
    problem = detected(case, 1, r"流程版本 civic_loop v1 的 sha256 与事件记录不符", only=False)
    assert "固定的流程文件被改写" in problem
    # Both cases ran on that version: both are named, the bystander too.
    failed = {c.case_id for c in CaseService(db).verify() if not c.ok}
    assert failed == {case.id, bystander.id}


@pytest.mark.usefixtures("versions_restored")
def test_pinned_xml_edited_without_its_sha256_is_named(db: Database, case: Case, detected: Detected) -> None:
    tamper.edit_version_xml(db, ProcessVersion, case.process_version_id,
                            lambda xml: xml.replace('name="分拨研判"', 'name="分拨"'), fix_sha256=False)
    detected(case, 1, r"civic_loop v1 的 XML 与其 sha256 列不符", only=False)


@pytest.mark.usefixtures("versions_restored")
def test_routing_table_edited_with_its_sha256_updated_is_named(db: Database, case: Case,
                                                              detected: Detected) -> None:
    assert case.decision_version_id is not None
    tamper.edit_version_xml(db, DecisionVersion, case.decision_version_id,
                            lambda xml: xml.replace("chengguan", "wuye", 1), fix_sha256=True)
    detected(case, 1, r"权责清单（路由表）版本 routing v1 的 sha256 与事件记录不符", only=False)


# -- event times never go backwards -----------------------------------------------------------


def test_an_event_dated_before_its_predecessor_is_refused_at_write(driver: Driver, service: CaseService,
                                                                   clock: FixedClock) -> None:
    case = driver.report("楼道灯坏了", "公共设施")
    before = service.case(case.id)
    clock.advance(hours=-1)
    with pytest.raises(ConflictError, match="事件时间不能倒退"):
        driver.do(case, "triage", triage_decision="on_spot", triage_note="已修好")
    after = service.case(case.id)
    assert (after.last_seq, after.head_hash, after.snapshot) == (before.last_seq, before.head_hash, before.snapshot)
    clock.advance(hours=2)
    driver.do(case, "triage", triage_decision="on_spot", triage_note="已修好")
    assert all(c.ok for c in service.verify(case.id))


def test_a_back_dated_event_rechained_is_flagged_at_verify(db: Database, service: CaseService, case: Case,
                                                          detected: Detected) -> None:
    """The insider back-dates an event and recomputes every hash: the chain holds, the time order does not."""
    events = service.events(case.id)
    seq = events[4].seq
    tamper.set_event_columns(db, case.id, seq, at=events[3].at - timedelta(hours=1))
    tamper.rechain(db, case.id)
    tamper.releaf(db, case.id)  # the insider also rewrites the Merkle leaves: only a signed head would tell
    detected(case, seq, r"事件时间倒退：第 %d 个事件的时间 .* 早于上一事件" % seq)


# -- (f) fact rows edited behind the chain's back: one per kind ------------------------------------

#: (scenario, table, column, forged value): what a user would read as fact, edited in the table alone.
FORGED = [
    ("adopted_assigned_and_satisfied", "case", "title", "（已篡改）小区环境很好"),
    ("adopted_assigned_and_satisfied", "case", "outcome", "rejected"),
    ("adopted_assigned_and_satisfied", "case", "status", "open"),
    ("adopted_assigned_and_satisfied", "case", "department_code", "wuye"),
    ("adopted_assigned_and_satisfied", "rating", "value", "dissatisfied"),
    ("adopted_assigned_and_satisfied", "resolution", "votes_for", 99),
    ("adopted_assigned_and_satisfied", "assignment", "completed_at", datetime(2026, 3, 3, 1, 0)),
    ("extension_requested_urged_and_approved", "extension_request", "state", "refused"),
    ("mediation_two_sessions_agreement_honoured", "mediation_session", "notes", "双方未到场"),
    ("mediation_two_sessions_agreement_honoured", "mediation_agreement", "terms", "甲方赔偿十万元"),
    ("mediation_two_sessions_agreement_honoured", "mediation", "outcome", "referred"),
    # dispatch records besides extensions: the lead of a whistle (吹哨), a return (退单), escalations
    ("whistle_three_departments_lead_completes", "assignment", "role", "sole"),
    ("whistle_three_departments_lead_completes", "assignment", "department_code", "wuye"),
    ("returned_once_and_redispatched", "assignment", "return_reason", "（已篡改）不属于本部门职责"),
    ("returned_once_and_redispatched", "assignment", "state", "completed"),
    ("completion_missed_escalated_and_rated_by_default", "assignment", "escalations", 7),
    # work items: who holds a task, its state and its deadline (what an inbox shows)
    ("dispatched_directly_and_satisfied", "work_item", "assignee", "zhangsan"),
    ("dispatched_directly_and_satisfied", "work_item", "state", "cancelled"),
    ("dispatched_directly_and_satisfied", "work_item", "due_at", datetime(2027, 1, 1, 9, 0)),
    ("waiting_for_department", "work_item", "completed_by", "zhangsan"),
]


def _scenario(driver: Driver, name: str) -> Case:
    from engine.demo.mediation_scenarios import MEDIATION_SCENARIOS
    from engine.demo.scenarios import SCENARIOS

    return (SCENARIOS.get(name) or MEDIATION_SCENARIOS[name])[0](driver)


@pytest.mark.parametrize(("scenario", "table", "column", "forged"), FORGED,
                         ids=[f"{t}.{c}" for _s, t, c, _v in FORGED])
def test_an_edited_fact_row_is_named_with_the_column_and_both_values(
        db: Database, driver: Driver, service: CaseService, bystander: Case, detected: Detected,
        scenario: str, table: str, column: str, forged: object) -> None:
    target = service.case(_scenario(driver, scenario).id)
    assert all(c.ok for c in service.verify()), "the untouched record verifies"
    row_id = target.id if table == "case" else tamper.first_row_id(db, table, target.id)
    tamper.set_row(db, table, row_id, **{column: forged})
    problem = detected(target, _committing_seq(service, target, table, row_id),
                       rf"（{table} #{row_id}）的 {column} 与事件记录不符：表中为 ")
    shown = forged.isoformat(timespec="microseconds") + "Z" if isinstance(forged, datetime) else str(forged)
    assert shown[:30] in problem


def _committing_seq(service: CaseService, case: Case, table: str, row_id: int) -> int:
    """The seq of the last event whose payload commits to the row."""
    key = f'"{table}/{row_id}"'
    return max(e.seq for e in service.events(case.id) if key in e.payload)


def test_a_rating_row_inserted_by_hand_is_named(db: Database, service: CaseService, case: Case,
                                               detected: Detected) -> None:
    from engine.civic.models import Rating

    with db.engine.begin() as conn:
        conn.execute(Rating.__table__.insert().values(  # type: ignore[attr-defined]
            case_id=case.id, value="satisfied", is_default=False, rated_at=datetime(2026, 3, 9), rated_by="resident"))
    detected(case, case.last_seq, r"评价（rating #\d+）不在事件记录中（被人为插入）")


def test_an_assignment_row_deleted_by_hand_is_named(db: Database, service: CaseService, case: Case,
                                                   detected: Detected) -> None:
    row_id = tamper.first_row_id(db, "assignment", case.id)
    seq = _committing_seq(service, case, "assignment", row_id)
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM assignment WHERE id = :id"), {"id": row_id})
    detected(case, seq, rf"assignment/{row_id} 在第 {seq} 个事件中有记录，但表中已不存在（被删除）")


def test_rows_a_step_deletes_are_committed_as_deleted_and_the_record_still_verifies(
        db: Database, driver: Driver, service: CaseService) -> None:
    """Rewriting a refused draft deletes the refusals of the old wording: the chain records them as gone."""
    from engine.demo import mediation_scenarios as ms
    from engine.mediation.service import MediationService
    from engine.people.actor import Actor

    with db.transaction() as s:
        ms.seed_mediators(s)
    mediator = Actor("tiaojie", "mediator")
    case = ms.register(driver)
    ms.assign_and_accept(driver, case)
    ms.everyone_agrees(driver, case)
    ms.session(driver, case, "agreement")
    mediation = MediationService(db, driver.clock)
    parties = [p.id for p in mediation.mediation_page(case.tracking_code, mediator).parties]
    item = driver.item(case, "draft_agreement").id
    mediation.save_agreement_draft(item, "一、李春梅赔偿王建国维修费 2000 元；二、双方不再争执。", mediator)
    mediation.record_signature(item, parties[1], mediator, signed=False, note="认为金额太高，不愿签字")
    mediation.save_agreement_draft(item, "一、李春梅赔偿王建国维修费 1500 元；二、双方不再争执。", mediator)
    deleted = [e for e in service.events(case.id) if '"agreement_confirmation/' in e.payload and ':null' in e.payload]
    assert deleted, "the deletion is in the chain"
    assert all(c.ok for c in service.verify(case.id)), service.verify(case.id)


# -- (i) the working-day calendar ---------------------------------------------------------------------


def test_a_calendar_override_back_dated_is_named_at_the_first_step_it_would_have_changed(
        db: Database, driver: Driver, service: CaseService, clock: FixedClock, detected: Detected) -> None:
    """An admin enters a holiday after the case ran; the insider back-dates the entry to before the case,
    as if the deadlines had been computed with it. Replay names the step whose calendar differs."""
    from engine.calendar.store import enter_days

    case = service.case(_scenario(driver, "waiting_for_department").id)
    clock.advance(days=30)
    with db.transaction() as s:
        enter_days(s, [(date(2026, 3, 4), False, "临时调休")], by="admin", at=clock.now())
    assert all(c.ok for c in service.verify()), "entered afterwards: the past steps did not use it"
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE calendar_day SET entered_at = :at"), {"at": datetime(2026, 3, 1)})
    detected(case, 1, r"计算期限时使用的工作日历与日历表不符：日历调整（calendar_day）的录入时间或内容被改动过")



# -- (f) dispatch and council rows that several parts of the record share ----------------------------


def test_a_co_department_of_a_whistle_edited_is_named(db: Database, driver: Driver, service: CaseService,
                                                      bystander: Case, detected: Detected) -> None:
    """联办: the co-department's part (协办) of a whistle, edited to look like it led the case."""
    target = service.case(_scenario(driver, "whistle_three_departments_lead_completes").id)
    with db.engine.connect() as conn:
        row_id = conn.execute(text("SELECT min(id) FROM assignment WHERE case_id = :c AND role = 'co'"),
                              {"c": target.id}).scalar_one()
    tamper.set_row(db, "assignment", row_id, role="lead")
    detected(target, _committing_seq(service, target, "assignment", row_id),
             rf"交办（assignment #{row_id}）的 role 与事件记录不符：表中为 lead，第 \d+ 个事件记录为 co")


@pytest.fixture
def sitting(driver: Driver, service: CaseService, clock: FixedClock, bystander: Case) -> tuple[Case, Case, int]:
    """Two issues deliberated at one recorded council sitting: (adopted case, deferred case, meeting id)."""
    from engine.council.meetings import ItemDecision
    from engine.council.service import CouncilService
    from engine.demo.council_scenarios import CHAIR, MEMBERS, everyone, issue_at_council

    council = CouncilService(service.db, clock, service.hooks)
    parking = issue_at_council(driver, "东门乱停车，消防通道被堵", "停车交通")
    noise = issue_at_council(driver, "广场舞音响太大", "噪音扰民")
    meeting_id = council.schedule_meeting(title="居民议事会", scheduled_for=clock.now() + timedelta(days=1),
                                          members=MEMBERS[:7], actor=CHAIR)
    clock.advance(days=1)
    page = council.meeting(meeting_id, CHAIR)
    present = [m.id for m in page.members][:6]
    items = {a.case_id: a.id for a in page.agenda}
    council.record_sitting(meeting_id, present=set(present), actor=CHAIR, minutes="应到7人，实到6人。", decisions={
        items[parking.id]: ItemDecision("adopt", everyone(present, "for", against=1), responsible_department="chengguan",
                                        deadline="2026-04-30", resolution_text="施划禁停线"),
        items[noise.id]: ItemDecision("defer", everyone(present, "for"), reason="先听取广场舞队意见")})
    assert all(c.ok for c in service.verify()), "the untouched record verifies"
    return service.case(parking.id), service.case(noise.id), meeting_id


#: (table, column, forged value): the meeting and its members, as its page shows them.
MEETING_FORGED = [
    ("council_meeting", "minutes", "应到7人，实到7人。"),
    ("council_meeting", "held_at", datetime(2026, 3, 1, 9, 0)),
    ("council_meeting", "status", "scheduled"),
    ("council_meeting", "quorum_num", 1),
    ("council_member", "present", False),
    ("council_member", "name", "（已篡改）王某"),
]


@pytest.mark.parametrize(("table", "column", "forged"), MEETING_FORGED,
                         ids=[f"{t}.{c}" for t, c, _v in MEETING_FORGED])
def test_an_edited_meeting_or_member_row_is_named_in_every_case_on_its_agenda(
        db: Database, service: CaseService, sitting: tuple[Case, Case, int], detected: Detected,
        table: str, column: str, forged: object) -> None:
    adopted, deferred, meeting_id = sitting
    key = "id" if table == "council_meeting" else "meeting_id"
    with db.engine.connect() as conn:
        row_id = conn.execute(text(f"SELECT min(id) FROM {table} WHERE {key} = :m"), {"m": meeting_id}).scalar_one()
    tamper.set_row(db, table, row_id, **{column: forged})
    for case in (adopted, deferred):
        detected(case, _committing_seq(service, case, table, row_id),
                 rf"（{table} #{row_id}）的 {column} 与事件记录不符：表中为 ", only=False)
    failed = {c.case_id for c in service.verify() if not c.ok}
    assert failed == {adopted.id, deferred.id}, "the meeting's cases, and no other"


def test_a_member_vote_and_an_agenda_outcome_edited_are_named(
        db: Database, service: CaseService, sitting: tuple[Case, Case, int], detected: Detected) -> None:
    adopted, _deferred, _meeting = sitting
    vote = tamper.first_row_id(db, "council_agenda_item", adopted.id)
    with db.engine.connect() as conn:
        ballot = conn.execute(text("SELECT min(id) FROM council_member_vote WHERE agenda_item_id = :a AND vote = 'for'"),
                              {"a": vote}).scalar_one()
    tamper.set_row(db, "council_member_vote", ballot, vote="against")
    detected(adopted, _committing_seq(service, adopted, "council_member_vote", ballot),
             rf"委员表决（council_member_vote #{ballot}）的 vote 与事件记录不符：表中为 against")
    tamper.set_row(db, "council_member_vote", ballot, vote="for")
    tamper.set_row(db, "council_agenda_item", vote, outcome="reject")
    detected(adopted, _committing_seq(service, adopted, "council_agenda_item", vote),
             rf"议事议程（council_agenda_item #{vote}）的 outcome 与事件记录不符：表中为 reject")


def test_a_case_put_on_a_meeting_commits_the_meeting_and_the_others_on_it_get_no_event(
        driver: Driver, service: CaseService, clock: FixedClock) -> None:
    """The meeting's rows are committed by each case on its agenda when it is put there, in its own event."""
    from engine.council.service import CouncilService
    from engine.demo.council_scenarios import CHAIR, MEMBERS, issue_at_council

    council = CouncilService(service.db, clock, service.hooks)
    first, second = issue_at_council(driver, "东门乱停车"), issue_at_council(driver, "广场舞太吵")
    before = {c.id: service.case(c.id).last_seq for c in (first, second)}
    meeting_id = council.schedule_meeting(title="居民议事会", scheduled_for=clock.now() + timedelta(days=1),
                                          members=MEMBERS[:5], actor=CHAIR)
    for case in (first, second):
        [scheduled] = service.events(case.id)[before[case.id]:]  # one event each: council_scheduled
        assert scheduled.type == "council_scheduled"
        rows = json.loads(scheduled.payload)["_rows"]
        assert f"council_meeting/{meeting_id}" in rows
        assert sum(key.startswith("council_member/") for key in rows) == 5
        assert all(v is None or not any(name in json.dumps(v, ensure_ascii=False) for name in MEMBERS)
                   for v in rows.values()), "members' names are committed as digests"
    assert all(c.ok for c in service.verify())
