"""问题清单-责任清单-整改清单 (issue 22): the problems a project's acceptance or evaluation, a joint meeting or an
assessment found become items with a responsible unit and a deadline, tracked to 已整改 through a reported
rectification with evidence and a verification by someone else; the sweep flags overdue ones once."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from engine.cases.models import Notification
from engine.clock import FixedClock
from engine.council.service import CouncilService
from engine.db import Database
from engine.demo import project_scenarios as ps
from engine.demo.driver import Driver
from engine.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from engine.joint.service import JointService
from engine.people.actor import Actor
from engine.projects.models import ProjectEvaluation
from engine.projects.service import ProjectService
from engine.rectification.models import RectificationItem
from engine.rectification.service import RectificationService
from engine.sweep.cycle import run_cycle
from engine.sweep.stages import rectification_stage
from engine import CaseService

SUPERVISOR = Actor("dudao", "supervisor")
AUDITOR = Actor("jiandu", "auditor")
CHAIR = Actor("yishi", "council")
WORKER = Actor("wangge", "grid_worker")


@pytest.fixture
def rect(db: Database, clock: FixedClock) -> RectificationService:
    return RectificationService(db, clock)


@pytest.fixture
def bad_project(db: Database, clock: FixedClock, driver: Driver) -> tuple[int, int]:
    """The demo's failing project: (its case id, the id of its second failed evaluation)."""
    projects = ProjectService(db, clock)
    _good, bad = ps.run_project_demo(driver, CouncilService(db, clock), projects)
    with db.reading() as s:
        evaluation = s.scalar(select(ProjectEvaluation.id).where(ProjectEvaluation.case_id == bad.id,
                                                                 ProjectEvaluation.kind == "evaluation")
                              .order_by(ProjectEvaluation.number.desc()).limit(1))
    assert evaluation is not None
    return bad.id, evaluation


def _count(db: Database) -> int:
    with db.reading() as s:
        return s.scalar(select(func.count()).select_from(RectificationItem)) or 0


def test_an_evaluations_findings_become_items_tracked_to_rectified_in_the_projects_log(
        rect: RectificationService, bad_project: tuple[int, int], service: CaseService, clock: FixedClock) -> None:
    case_id, evaluation = bad_project
    ids = rect.raise_items(f"evaluation:{evaluation}",
                           "服务台账缺失 | 2099-12-31\n上门频次未达合同要求 | 幸福里社区居委会 | 2099-12-31", AUDITOR)
    rows = rect.of_case(case_id, SUPERVISOR)
    assert sorted(r.id for r in rows) == sorted(ids)
    by_problem = {r.problem: r for r in rows}
    assert by_problem["服务台账缺失"].responsible_unit == "安康养老服务社"  # the operator when left out
    assert by_problem["上门频次未达合同要求"].responsible_unit == "幸福里社区居委会"
    assert {r.status for r in rows} == {"open"} and "第 2 次第三方评估" in rows[0].source_label

    first = ids[0]
    rect.submit(first, measures="补建服务台账", evidence="台账扫描件 TZ-01～TZ-12", actor=WORKER)
    with pytest.raises(ConflictError):
        rect.submit(first, measures="再报", evidence="x", actor=WORKER)
    rect.verify(first, accepted=False, note="台账缺 3 月份", actor=AUDITOR)
    page = rect.item(first, SUPERVISOR)
    assert (page.row.status, page.returned_count, page.verification_note) == ("open", 1, "台账缺 3 月份")
    rect.submit(first, measures="补齐 3 月份台账", evidence="TZ-03", actor=WORKER)
    rect.verify(first, accepted=True, note="", actor=AUDITOR)
    page = rect.item(first, SUPERVISOR)
    assert (page.row.status, page.row.status_label, page.verified_by) == ("rectified", "已整改", "jiandu")

    types = [e.type for e in service.events(case_id) if e.type.startswith("rectification_")]
    assert types == ["rectification_raised", "rectification_raised", "rectification_submitted",
                     "rectification_returned", "rectification_submitted", "rectification_verified"]
    assert service.replay(case_id).snapshot() == service.case(case_id).snapshot
    [check] = service.verify(case_id)
    assert check.ok, check.problem


def test_a_joint_meetings_problems_are_listed_with_its_units_and_no_case_log(
        rect: RectificationService, db: Database, clock: FixedClock) -> None:
    joint = JointService(db, clock)
    committee = joint.create_committee(community="幸福里社区", chair_username="yishi", actor=SUPERVISOR)
    unit = joint.add_unit(committee, name="幸福里物业", kind="property", representative="钱经理", actor=CHAIR)
    clock.set(datetime(2026, 11, 10, 2, tzinfo=UTC))
    meeting = joint.schedule_meeting(committee, title="十一月联席会议", scheduled_for=clock.now(), actor=CHAIR)
    with pytest.raises(ConflictError):  # not held yet
        rect.raise_items(f"joint_meeting:{meeting}", "x | 幸福里物业 | 2026-12-31", CHAIR)
    joint.record_sitting(meeting, attendees={unit: ""}, actor=CHAIR)
    [item] = rect.raise_items(f"joint_meeting:{meeting}", "地下车库积水 ｜ 幸福里物业 ｜ 2026-11-30", CHAIR)
    [row] = rect.of_source("joint_meeting", meeting, SUPERVISOR)
    assert (row.id, row.community, row.case_code, row.deadline) == (item, "幸福里社区", None, date(2026, 11, 30))
    assert rect.source(f"joint_meeting:{meeting}", CHAIR).default_unit is None


def test_bad_lines_are_refused_with_every_problem_and_nothing_is_written(
        rect: RectificationService, bad_project: tuple[int, int], db: Database) -> None:
    _case_id, evaluation = bad_project
    with pytest.raises(ValidationError) as refused:
        rect.raise_items(f"evaluation:{evaluation}", "好的问题 | 2099-01-01\n只有一段\n问题 | 单位 | 明天\n"
                         "问题 | 单位 | 2020-01-01", AUDITOR)
    message = refused.value.field_errors["items"]
    assert "第 2 行" in message and "第 3 行" in message and "第 4 行" in message and "第 1 行" not in message
    with pytest.raises(ValidationError):
        rect.raise_items(f"evaluation:{evaluation}", "   \n", AUDITOR)
    for ref in ("evaluation:999999", "nonsense:1", "evaluation:x", "joint_meeting:5"):
        with pytest.raises(NotFound):
            rect.raise_items(ref, "问题 | 单位 | 2099-01-01", AUDITOR)
    assert _count(db) == 0


def test_who_may_raise_report_and_verify(rect: RectificationService, bad_project: tuple[int, int]) -> None:
    _case_id, evaluation = bad_project
    with pytest.raises(PermissionDenied):
        rect.raise_items(f"evaluation:{evaluation}", "问题 | 2099-01-01", WORKER)
    [item] = rect.raise_items(f"evaluation:{evaluation}", "问题 | 2099-01-01", SUPERVISOR)
    with pytest.raises(PermissionDenied):
        rect.submit(item, measures="m", evidence="e", actor=AUDITOR)
    with pytest.raises(ValidationError) as refused:
        rect.submit(item, measures=" ", evidence="", actor=SUPERVISOR)
    assert set(refused.value.field_errors) == {"measures", "evidence"}
    with pytest.raises(ConflictError):
        rect.verify(item, accepted=True, note="", actor=AUDITOR)  # nothing reported yet
    rect.submit(item, measures="m", evidence="e", actor=SUPERVISOR)
    with pytest.raises(PermissionDenied):
        rect.verify(item, accepted=True, note="", actor=SUPERVISOR)  # not one's own report
    with pytest.raises(PermissionDenied):
        rect.verify(item, accepted=True, note="", actor=WORKER)
    with pytest.raises(ValidationError) as refused:
        rect.verify(item, accepted=False, note="", actor=AUDITOR)
    assert "理由" in refused.value.field_errors["note"]
    with pytest.raises(PermissionDenied):
        rect.items(Actor("chengguan", "department"))


def test_the_sweep_flags_an_overdue_item_once_and_tells_the_street_office(
        rect: RectificationService, bad_project: tuple[int, int], db: Database, clock: FixedClock) -> None:
    _case_id, evaluation = bad_project
    with db.reading() as s:
        held = s.get(ProjectEvaluation, evaluation).held_on  # type: ignore[union-attr]
    late, done = rect.raise_items(f"evaluation:{evaluation}",
                                  f"逾期的问题 | {held.isoformat()}\n按期整改的问题 | {held.isoformat()}", SUPERVISOR)
    rect.submit(done, measures="m", evidence="e", actor=WORKER)
    rect.verify(done, accepted=True, note="", actor=AUDITOR)
    stages = [rectification_stage()]
    report = run_cycle(db, clock, stages, holder="test")
    assert report is not None and report.stages["rectification"] == {"flagged": 0, "failed": 0}  # due today
    clock.advance(days=1)
    report = run_cycle(db, clock, stages, holder="test")
    assert report is not None and report.stages["rectification"] == {"flagged": 1, "failed": 0}
    report = run_cycle(db, clock, stages, holder="test")
    assert report is not None and report.stages["rectification"] == {"flagged": 0, "failed": 0}
    with db.reading() as s:
        notes = sorted(s.scalars(select(Notification.recipient).where(Notification.kind == "rectification_overdue")))
    assert notes == ["supervisor", "user:dudao"]
    assert [r.id for r in rect.items(SUPERVISOR, overdue=True)] == [late]
    summary = rect.summary(SUPERVISOR)
    assert (summary.total, summary.open, summary.rectified, summary.overdue) == (2, 1, 1, 1)
    assert rect.item(late, SUPERVISOR).overdue_flagged_at is not None


def test_a_department_follows_and_reports_only_the_items_it_is_responsible_for(
        rect: RectificationService, bad_project: tuple[int, int]) -> None:
    _case_id, evaluation = bad_project
    chengguan = Actor("chengguan", "department", department_code="chengguan")  # 城管执法中队
    ours, theirs = rect.raise_items(f"evaluation:{evaluation}",
                                    "占道经营未清理 | 城管执法中队 | 2099-12-31\n台账缺失 | 2099-12-31", SUPERVISOR)
    assert [row.id for row in rect.items(chengguan)] == [ours]
    assert rect.summary(chengguan).total == 1 and rect.summary(SUPERVISOR).total == 2
    assert rect.item(ours, chengguan).may_report and not rect.item(ours, AUDITOR).may_report
    with pytest.raises(PermissionDenied):
        rect.item(theirs, chengguan)
    with pytest.raises(PermissionDenied):
        rect.submit(theirs, measures="m", evidence="e", actor=chengguan)
    with pytest.raises(PermissionDenied):
        rect.source(f"evaluation:{evaluation}", chengguan)
    rect.submit(ours, measures="已清理并设置隔离栏", evidence="照片 ZP-07", actor=chengguan)
    with pytest.raises(PermissionDenied):
        rect.verify(ours, accepted=True, note="", actor=chengguan)  # the street office checks what it says
    rect.verify(ours, accepted=True, note="", actor=AUDITOR)
    assert rect.item(ours, chengguan).row.status == "rectified"
    with pytest.raises(PermissionDenied):  # a department account with no department sees nothing
        rect.items(Actor("nobody", "department"))
