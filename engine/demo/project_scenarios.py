"""Demo governance projects: one that passes its acceptance and both evaluations, one whose operator fails
two evaluations in a row and loses 运营资格 (项目退出机制). Used by the demo, the tests and the benchmark."""
from __future__ import annotations

from datetime import timedelta

from engine.cases.models import Case
from engine.council.meetings import ItemDecision
from engine.council.service import CouncilService
from engine.demo.council_scenarios import CHAIR, MEMBERS, everyone
from engine.demo.driver import Driver
from engine.people.actor import Actor
from engine.projects.operations import ProjectIntake
from engine.projects.service import ProjectService

SUPERVISOR = Actor(username="dudao", role="supervisor")
#: (code, name, kind) of the demo's operators.
OPERATORS = [("SO-001", "幸福里社区营造中心", "social_org"), ("SO-002", "安康养老服务社", "social_org"),
             ("CO-001", "绿邻物业服务有限公司", "company")]


def seed_operators(projects: ProjectService) -> None:
    known = {row.code for row in projects.operators(SUPERVISOR)}
    for code, name, kind in OPERATORS:
        if code not in known:
            projects.register_operator(code=code, name=name, kind=kind, actor=SUPERVISOR)


def propose(projects: ProjectService, title: str, operator: str, *, amount: str = "50000",
            summary: str = "为社区老人提供助餐和上门探访服务，每周五天") -> Case:
    intake = ProjectIntake(title=title, summary=summary, proposer_kind="social_org",
                           proposer_name="幸福里社区营造中心", operator=operator, grid_code="XF-01",
                           requested_amount=amount)
    return projects.open_project(intake, SUPERVISOR)


def approve_at_sitting(council: CouncilService, driver: Driver, cases: list[Case], *, votes_for: int = 7) -> int:
    """A council sitting (9 members, all present) deciding ``cases`` with ``votes_for`` in favour."""
    meeting = council.schedule_meeting(title="项目立项评审会", scheduled_for=driver.clock.now() + timedelta(days=1),
                                       members=MEMBERS, location="社区党群服务中心", actor=CHAIR,
                                       case_ids=[c.id for c in cases])
    driver.clock.advance(days=1)
    page = council.meeting(meeting, CHAIR)
    present = [m.id for m in page.members]
    against = len(present) - votes_for
    decisions = {a.id: ItemDecision("adopt", everyone(present, "for", against=against), major_matter=True,
                                    resolution_text="同意立项，按申报内容实施") for a in page.agenda}
    council.record_sitting(meeting, present=present, decisions=decisions, actor=CHAIR, minutes="项目立项评审")
    return meeting


def implement_and_accept(driver: Driver, case: Case) -> None:
    driver.do(case, "set_budget", fund_source="venture", budget_lines="助餐补贴 30000\n探访志愿者培训 8000\n物料 2000",
              evaluation_rounds=2, budget_note="公益创投资助")
    driver.later(days=30)
    driver.do(case, "implement", milestone="助餐点开业，首月服务 620 人次", spending_item="助餐补贴（首月）",
              spending_amount="6000", receipt_no="FP-2026-0001", progress="continue")
    driver.later(days=30)
    driver.do(case, "implement", milestone="志愿者培训完成，32 人结业", spending_item="志愿者培训",
              spending_amount="7800", receipt_no="FP-2026-0002", progress="finished")
    driver.do(case, "accept_project", acceptance="passed", resident_representatives="居民代表 5 人（楼栋长推选）",
              acceptance_findings="服务台账齐全，居民反映良好")


def evaluate(driver: Driver, case: Case, *, passed: bool, score: int) -> None:
    driver.later(days=183)  # the half-yearly timer fires
    driver.do(case, "evaluate", evaluator="明德社会工作评估中心", score=score,
              evaluation_result="passed" if passed else "failed",
              evaluation_findings="服务达标" if passed else "服务频次未达合同要求，台账缺失")


def run_project_demo(driver: Driver, council: CouncilService, projects: ProjectService) -> tuple[Case, Case]:
    """A project that passes (结项) and one that exits (运营资格 lost); returns both."""
    seed_operators(projects)
    good = propose(projects, "幸福里长者助餐点", "SO-001")
    bad = propose(projects, "安康上门探访服务", "SO-002", amount="40000")
    approve_at_sitting(council, driver, [good, bad])
    for case in (good, bad):
        implement_and_accept(driver, case)
    evaluate(driver, good, passed=True, score=88)
    evaluate(driver, bad, passed=False, score=52)
    evaluate(driver, good, passed=True, score=91)
    evaluate(driver, bad, passed=False, score=48)
    return driver.refresh(good), driver.refresh(bad)
