"""The demo carries governance projects through to both ends — one completed, one exited with its operator
disqualified — and the demo community's notice board shows every kind of item; project cases verify."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from engine.bootstrap import init_database
from engine.cases.models import Case
from engine.demo.run import run_demo
from engine.projects.models import Project, ProjectOperator
from engine.joint.service import JointService
from engine.people.actor import Actor
from engine.public.service import PublicService
from engine.rectification.service import RectificationService
from engine import CaseService


def test_the_demo_has_a_completed_and_an_exited_project_and_a_full_board(tmp_path: Path) -> None:
    db = init_database(f"sqlite:///{tmp_path / 'demo.db'}")[0]
    run_demo(db, rounds=1)
    with db.reading() as s:
        outcomes = dict(s.execute(select(Case.title, Project.outcome).join(Project, Project.case_id == Case.id)).tuples().all())
        operators = dict(s.execute(select(ProjectOperator.code, ProjectOperator.qualified)).tuples().all())
        project_ids = list(s.scalars(select(Project.case_id)))
    assert outcomes == {"幸福里长者助餐点": "completed", "安康上门探访服务": "exited"}
    assert operators["SO-001"] and not operators["SO-002"]
    service = CaseService(db)
    for case_id in project_ids:
        [check] = service.verify(case_id)
        assert check.ok, check.problem
    board = PublicService(db).notice_board("幸福里社区")
    assert {r.adopted for r in board.resolutions} == {True, False} and all(r.reason for r in board.resolutions
                                                                         if not r.adopted)
    assert board.votes and {v.passed for v in board.votes} == {True, False}
    assert [r.label for r in board.rates] == ["响应率", "解决率", "满意率"]
    assert board.cases and any(c.outcome.report for c in board.cases)
    assert {p.stage for p in board.projects} == {"已结项", "已退出"} and all(p.budget for p in board.projects)
    # The joint committee's three monthly sittings, minutes published with attendance and resolutions.
    assert [m.title for m in board.minutes] == ["月度联席会议", "加装电梯协调会", "第一季度联席会议"]
    assert all(m.minutes and m.attendance and m.resolutions for m in board.minutes)
    statuses = {status for m in board.minutes for *_rest, status in m.resolutions}
    assert {"done", "overdue"} <= statuses
    assert not any(present for m in board.minutes[:1] for unit, present in m.attendance if unit == "城管执法中队")
    # 整改清单: the exited project's items (one verified as 已整改, one waiting for verification) and the latest
    # sitting's, overdue.
    rect = RectificationService(db)
    summary = rect.summary(Actor("dudao", "supervisor"))
    assert (summary.total, summary.rectified, summary.submitted, summary.overdue) == (3, 1, 1, 1)
    joint = JointService(db)
    [committee] = joint.committees(Actor("dudao", "supervisor"))
    assert committee.community == "幸福里社区" and committee.units == 5
