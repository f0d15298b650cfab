"""Joint meetings (联席会议, issue 22): member units with representatives, sittings with attendance per unit,
resolutions tracked to execution (linked cases, done / overdue), minutes approved by the chair and then on the
notice board; the cadence rule watched by the sweep; 参会率, 可执行决议比例 and 有效运作率 in the quarterly
assessment."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from engine.assessments.periods import parse_period
from engine.assessments.service import AssessmentService
from engine.cases.events import CaseEvent
from engine.cases.models import Notification
from engine.clock import FixedClock
from engine.db import Database
from engine.demo.driver import Driver
from engine.errors import ConflictError, PermissionDenied, ValidationError
from engine.joint.models import JointAttendance, JointCadenceAlert, JointMeeting, JointResolution
from engine.joint.service import JointService
from engine.people.actor import Actor
from engine.public.service import PublicService

COMMUNITY = "幸福里社区"
SUPERVISOR = Actor("dudao", "supervisor")
CHAIR = Actor("yishi", "council")
UNITS = (("城管中队", "department", "王队长"), ("幸福里物业", "property", "钱经理"),
         ("幸福里业委会", "owners", "孙主任"), ("阳光社工站", "social_org", "周社工"))


def _at(y: int, m: int, d: int, h: int = 2) -> datetime:
    return datetime(y, m, d, h, 0, tzinfo=UTC)


@pytest.fixture
def joint(db: Database, clock: FixedClock) -> JointService:
    return JointService(db, clock)


@pytest.fixture
def committee(joint: JointService) -> tuple[int, dict[str, int]]:
    committee_id = joint.create_committee(community=COMMUNITY, chair_username="yishi", actor=SUPERVISOR)
    units = {name: joint.add_unit(committee_id, name=name, kind=kind, representative=rep, actor=CHAIR)
             for name, kind, rep in UNITS}
    return committee_id, units


def _sitting(joint: JointService, clock: FixedClock, committee_id: int, when: datetime, present: list[int],
             resolutions: str = "", minutes: str | None = None) -> int:
    clock.set(when)
    meeting_id = joint.schedule_meeting(committee_id, title="联席会议", scheduled_for=when, actor=CHAIR,
                                        location="社区党群服务中心")
    joint.record_sitting(meeting_id, attendees={u: "" for u in present}, resolutions=resolutions, minutes=minutes,
                         actor=CHAIR)
    return meeting_id


def test_a_sitting_records_each_units_attendance_and_the_resolutions_and_the_chair_publishes_the_minutes(
        joint: JointService, committee: tuple[int, dict[str, int]], driver: Driver, clock: FixedClock,
        db: Database) -> None:
    committee_id, units = committee
    case = driver.report("小区东门停车乱象", "停车交通")
    meeting_id = _sitting(
        joint, clock, committee_id, clock.now(), [units["城管中队"], units["幸福里物业"], units["阳光社工站"]],
        resolutions=f"东门划定临时停车位 | 幸福里物业 | 2026-03-31 | {case.tracking_code}\n"
                    "每周联合巡查一次｜城管中队｜2026-04-30",
        minutes="钱经理汇报东门停车情况，王队长同意联合巡查。")
    page = joint.meeting(meeting_id, CHAIR)
    assert [(a.unit, a.present) for a in page.attendance] == [
        ("城管中队", True), ("幸福里物业", True), ("幸福里业委会", False), ("阳光社工站", True)]
    assert [a.attendee for a in page.attendance] == ["王队长", "钱经理", None, "周社工"]
    assert [(r.text, r.unit, r.case_code, r.status) for r in page.resolutions] == [
        ("东门划定临时停车位", "幸福里物业", case.tracking_code, "open"), ("每周联合巡查一次", "城管中队", None, "open")]
    with db.reading() as s:  # the linked case's own log says what the committee asked of it
        types = list(s.scalars(select(CaseEvent.type).where(CaseEvent.case_id == case.id)))
    assert "joint_resolution" in types

    public = PublicService(db, clock)
    assert public.notice_board(COMMUNITY).minutes == []  # a draft is not published
    with pytest.raises(PermissionDenied):  # only the committee's chair approves
        joint.approve_minutes(meeting_id, SUPERVISOR)
    with pytest.raises(PermissionDenied):
        joint.approve_minutes(meeting_id, Actor("yishi2", "council"))
    joint.approve_minutes(meeting_id, CHAIR)
    with pytest.raises(ConflictError):
        joint.approve_minutes(meeting_id, CHAIR)
    [minutes] = public.notice_board(COMMUNITY).minutes
    assert minutes.attendance == [("城管中队", True), ("幸福里物业", True), ("幸福里业委会", False), ("阳光社工站", True)]
    # Units are named; their representatives are people and never are.
    assert minutes.minutes is not None and "钱经理" not in minutes.minutes and "王队长" not in minutes.minutes
    assert [(text, unit, status) for text, unit, _deadline, status in minutes.resolutions] == [
        ("东门划定临时停车位", "幸福里物业", "open"), ("每周联合巡查一次", "城管中队", "open")]


def test_a_resolution_is_carried_out_when_marked_done_or_when_its_linked_case_closes_and_overdue_otherwise(
        joint: JointService, committee: tuple[int, dict[str, int]], driver: Driver, clock: FixedClock) -> None:
    committee_id, units = committee
    open_case = driver.report("小区东门停车乱象", "停车交通")
    meeting_id = _sitting(joint, clock, committee_id, clock.now(), list(units.values()),
                          resolutions=f"划定停车位 | 幸福里物业 | 2026-03-10 | {open_case.tracking_code}\n"
                                      "联合巡查 | 城管中队 | 2026-03-10\n"
                                      "清理楼道杂物 | 幸福里业委会 | 2026-03-20")
    linked, patrol, clearing = joint.meeting(meeting_id, CHAIR).resolutions
    with pytest.raises(ConflictError, match="尚未办结"):  # the linked case decides
        joint.mark_done(linked.id, CHAIR)
    clock.advance(days=3)
    joint.mark_done(patrol.id, CHAIR, note="已开展两次联合巡查")
    with pytest.raises(ConflictError):
        joint.mark_done(patrol.id, CHAIR)
    with pytest.raises(PermissionDenied):
        joint.mark_done(clearing.id, Actor("chengguan", "department", department_code="chengguan"))
    clock.set(_at(2026, 3, 15))
    statuses = {r.text: r.status for r in joint.meeting(meeting_id, CHAIR).resolutions}
    assert statuses == {"划定停车位": "overdue", "联合巡查": "done", "清理楼道杂物": "open"}


def test_bad_resolution_lines_and_attendance_are_refused_with_every_problem_and_nothing_is_written(
        joint: JointService, committee: tuple[int, dict[str, int]], clock: FixedClock, db: Database) -> None:
    committee_id, units = committee
    meeting_id = joint.schedule_meeting(committee_id, title="联席会议", scheduled_for=clock.now(), actor=CHAIR)
    with pytest.raises(ValidationError) as refused:
        joint.record_sitting(meeting_id, attendees={units["城管中队"]: ""}, actor=CHAIR, resolutions=(
            "只有内容\n"
            "巡查 | 不存在的单位 | 2026-04-01\n"
            "巡查 | 城管中队 | 明天\n"
            "巡查 | 城管中队 | 2025-01-01\n"
            "巡查 | 城管中队 | 2026-04-01 | CG00000000-9999"))
    message = refused.value.field_errors["resolutions"]
    for line in ("第 1 行", "第 2 行", "第 3 行", "第 4 行", "第 5 行"):
        assert line in message
    with pytest.raises(ValidationError) as refused:
        joint.record_sitting(meeting_id, attendees={999999: ""}, actor=CHAIR)
    assert "present" in refused.value.field_errors
    with pytest.raises(ValidationError):
        joint.record_sitting(meeting_id, attendees={}, actor=CHAIR)
    with db.reading() as s:
        assert s.scalar(select(func.count()).select_from(JointAttendance)) == 0
        assert s.scalar(select(func.count()).select_from(JointResolution)) == 0
        assert s.get(JointMeeting, meeting_id).status == "scheduled"  # type: ignore[union-attr]


def test_committees_are_set_up_by_the_street_office_with_a_council_chair_and_a_sane_cadence(
        joint: JointService) -> None:
    with pytest.raises(PermissionDenied):
        joint.create_committee(community=COMMUNITY, chair_username="yishi", actor=CHAIR)
    with pytest.raises(ValidationError) as refused:
        joint.create_committee(community="不存在社区", chair_username="dudao", actor=SUPERVISOR, cadence_months=0,
                               remind_days=99)
    assert set(refused.value.field_errors) == {"community", "chair_username", "cadence_months", "remind_days"}
    committee_id = joint.create_committee(community=COMMUNITY, chair_username="yishi", actor=SUPERVISOR)
    with pytest.raises(ValidationError, match="联席会议设置有误"):
        joint.create_committee(community=COMMUNITY, chair_username="yishi", actor=SUPERVISOR)
    joint.set_cadence(committee_id, cadence_months=3, remind_days=10, chair_username="yishi", actor=SUPERVISOR)
    assert joint.committee(committee_id, SUPERVISOR).committee.cadence_months == 3


def _notes(db: Database, kind: str) -> list[str]:
    with db.reading() as s:
        return list(s.scalars(select(Notification.recipient).where(Notification.kind == kind)
                              .order_by(Notification.id)))


def test_the_sweep_reminds_the_chair_before_a_month_ends_without_a_sitting_and_alerts_once_after(
        joint: JointService, committee: tuple[int, dict[str, int]], clock: FixedClock, db: Database) -> None:
    committee_id, units = committee  # set up on 2026-03-02: March is its first month and never alerted
    clock.set(_at(2026, 3, 20))
    assert joint.sweep_cadence() == {"reminded": 0, "alerted": 0, "failed": 0}
    clock.set(_at(2026, 3, 26))  # 6 days left, the reminder is 7 days ahead
    assert joint.sweep_cadence()["reminded"] == 1
    assert joint.sweep_cadence()["reminded"] == 0  # once per window
    assert _notes(db, "joint_reminder") == ["user:yishi"]
    clock.set(_at(2026, 5, 2))  # April passed without a sitting, but a late record may still come in
    assert joint.sweep_cadence()["alerted"] == 0
    clock.set(_at(2026, 5, 4, 17))  # 3 days after April ended (China time)
    assert joint.sweep_cadence()["alerted"] == 1
    assert joint.sweep_cadence()["alerted"] == 0
    assert _notes(db, "joint_missed") == ["supervisor", "user:yishi"]
    _sitting(joint, clock, committee_id, _at(2026, 5, 20), [units["城管中队"]])
    clock.set(_at(2026, 6, 10))
    assert joint.sweep_cadence()["alerted"] == 0  # May had its sitting
    with db.reading() as s:
        assert list(s.scalars(select(JointCadenceAlert.window))) == ["2026-04"]
    assert joint.committee(committee_id, CHAIR).alerts[0][0] == "2026-04"


def test_the_quarterly_assessment_measures_attendance_executed_resolutions_and_effective_operation(
        joint: JointService, committee: tuple[int, dict[str, int]], clock: FixedClock, db: Database) -> None:
    committee_id, units = committee
    ids = list(units.values())
    # April: 3 of 4 units (effective); May: 1 of 4 (held, not effective: no majority); June: none.
    april = _sitting(joint, clock, committee_id, _at(2026, 4, 8), ids[:3],
                     resolutions="联合巡查 | 城管中队 | 2026-04-30\n清理楼道 | 幸福里物业 | 2026-05-31")
    _sitting(joint, clock, committee_id, _at(2026, 5, 8), ids[:1])
    done, _missed = joint.meeting(april, CHAIR).resolutions
    clock.set(_at(2026, 4, 20))
    joint.mark_done(done.id, CHAIR)
    clock.set(_at(2026, 7, 2))
    figures = AssessmentService(db, clock).compute(parse_period("quarterly", "2026Q2")).figures
    mine = {f.indicator: (f.numerator, f.denominator) for f in figures
            if f.unit_type == "community" and f.unit_code == COMMUNITY and f.indicator.startswith("joint_")}
    assert mine == {"joint_attendance": (4, 8), "joint_executable": (1, 2), "joint_effective": (1, 3)}
    street = {f.indicator: (f.numerator, f.denominator) for f in figures
              if f.unit_type == "street" and f.indicator.startswith("joint_")}
    assert street == mine
