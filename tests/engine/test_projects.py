"""Governance projects (bpmn/project.bpmn) on the real engine and database: 申报 → 立项 at a council sitting
(2/3 of members) → budget → implementation → 验收 → half-yearly evaluations; two failed evaluations in a row
end the project and cost its operator 运营资格, which bars it from new projects. Replay and verify hold."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.council.service import CouncilService
from engine.db import Database
from engine.demo import project_scenarios as ps
from engine.demo.driver import Driver
from engine.errors import PermissionDenied, ValidationError
from engine.people.actor import Actor
from engine.projects.models import Project, ProjectBudgetLine, ProjectEvaluation, ProjectOperator, ProjectProgress
from engine.projects.money import parse_budget_lines, parse_yuan
from engine.projects.operations import ProjectIntake
from engine.projects.service import ProjectService
from engine import CaseService
from engine.clock import FixedClock


@pytest.fixture
def projects(db: Database, clock: FixedClock) -> ProjectService:
    service = ProjectService(db, clock)
    ps.seed_operators(service)
    return service


@pytest.fixture
def council(db: Database, clock: FixedClock) -> CouncilService:
    return CouncilService(db, clock)


def _project(db: Database, case_id: int) -> Project:
    with db.reading() as s:
        project = s.get(Project, case_id)
        assert project is not None
        return project


def _operator(db: Database, code: str) -> ProjectOperator:
    with db.reading() as s:
        operator = s.scalar(select(ProjectOperator).where(ProjectOperator.code == code))
        assert operator is not None
        return operator


def test_a_proposal_waits_for_the_council_and_is_on_its_agenda(projects: ProjectService, driver: Driver,
                                                               council: CouncilService) -> None:
    case = ps.propose(projects, "长者助餐点", "SO-001")
    assert (case.process_key, case.category, case.community) == ("project", "治理项目", "幸福里社区")
    [item] = driver.service.work_items(case.id)
    assert (item.bpmn_id, item.role) == ("deliberate", "council")
    assert case.id in {row.case_id for row in council.pending_issues(ps.CHAIR)}


def test_approval_needs_two_thirds_of_all_members(projects: ProjectService, driver: Driver,
                                                  council: CouncilService, db: Database) -> None:
    case = ps.propose(projects, "长者助餐点", "SO-001")
    with pytest.raises(ValidationError) as refused:
        ps.approve_at_sitting(council, driver, [case], votes_for=5)  # 5 of 9 is a majority, not 2/3
    [(field, message)] = refused.value.field_errors.items()
    assert field.endswith("votes_for") and "至少 6 票" in message
    assert driver.open_ids(case) == ["deliberate"] and _project(db, case.id).approved_at is None


def test_a_project_cannot_be_approved_from_the_task_form(projects: ProjectService, driver: Driver) -> None:
    case = ps.propose(projects, "长者助餐点", "SO-001")
    with pytest.raises(ValidationError) as refused:
        driver.do(case, "deliberate", decision="adopt", votes_for=9, votes_against=0, votes_abstain=0)
    assert "议事会会议" in refused.value.field_errors["decision"]


def test_a_rejected_proposal_publishes_its_reason_and_ends(projects: ProjectService, driver: Driver,
                                                          db: Database) -> None:
    case = ps.propose(projects, "长者助餐点", "SO-001")
    with pytest.raises(ValidationError) as refused:
        driver.do(case, "deliberate", decision="reject", votes_for=1, votes_against=8, votes_abstain=0)
    assert "reason" in refused.value.field_errors
    driver.do(case, "deliberate", decision="reject", votes_for=1, votes_against=8, votes_abstain=0,
              reason="与已有助餐服务重复")
    case = driver.refresh(case)
    assert (case.status, case.outcome, _project(db, case.id).outcome) == ("closed", "rejected", "rejected")


def test_the_passing_project_is_budgeted_spent_accepted_evaluated_and_completed(
        projects: ProjectService, driver: Driver, council: CouncilService, db: Database,
        service: CaseService) -> None:
    good, bad = ps.run_project_demo(driver, council, projects)
    assert (good.status, good.outcome) == ("closed", "completed")
    project = _project(db, good.id)
    assert (project.fund_source, project.budget_fen, project.spent_fen) == ("venture", 4_000_000, 1_380_000)
    with db.reading() as s:
        assert [line.item for line in s.scalars(select(ProjectBudgetLine).where(ProjectBudgetLine.case_id == good.id)
                                                .order_by(ProjectBudgetLine.position))] == [
            "助餐补贴", "探访志愿者培训", "物料"]
        assert [p.receipt_no for p in s.scalars(select(ProjectProgress).where(ProjectProgress.case_id == good.id)
                                                .order_by(ProjectProgress.id))] == ["FP-2026-0001", "FP-2026-0002"]
        kinds = s.execute(select(ProjectEvaluation.kind, ProjectEvaluation.passed)
                          .where(ProjectEvaluation.case_id == good.id).order_by(ProjectEvaluation.id)).all()
    assert [tuple(k) for k in kinds] == [("acceptance", True), ("evaluation", True), ("evaluation", True)]
    assert _operator(db, "SO-001").qualified


def test_two_failed_evaluations_exit_the_project_and_disqualify_its_operator(
        projects: ProjectService, driver: Driver, council: CouncilService, db: Database,
        service: CaseService) -> None:
    _good, bad = ps.run_project_demo(driver, council, projects)
    assert (bad.status, bad.outcome, _project(db, bad.id).outcome) == ("closed", "exited", "exited")
    operator = _operator(db, "SO-002")
    assert not operator.qualified and operator.disqualified_by_case_id == bad.id
    assert bad.tracking_code in (operator.disqualified_reason or "")
    [record] = [e for e in service.events(bad.id) if e.type == "operator_disqualified"]
    assert '"SO-002"' in record.payload
    row = next(r for r in projects.operators(ps.SUPERVISOR) if r.code == "SO-002")
    assert not row.qualified and row.disqualified_on is not None


def test_a_disqualified_operator_cannot_be_named_on_a_new_project(
        projects: ProjectService, driver: Driver, council: CouncilService, db: Database) -> None:
    ps.run_project_demo(driver, council, projects)
    with db.reading() as s:
        before = len(s.scalars(select(Project)).all())
    with pytest.raises(ValidationError) as refused:
        ps.propose(projects, "再次申报", "SO-002")
    assert "已于" in refused.value.field_errors["operator"] and "取消运营资格" in refused.value.field_errors["operator"]
    with db.reading() as s:
        assert len(s.scalars(select(Project)).all()) == before  # nothing written
    assert ps.propose(projects, "另一运营单位", "CO-001").process_key == "project"


def test_one_failed_evaluation_between_passes_does_not_exit(projects: ProjectService, driver: Driver,
                                                            council: CouncilService, db: Database) -> None:
    case = ps.propose(projects, "长者助餐点", "SO-001")
    ps.approve_at_sitting(council, driver, [case])
    ps.implement_and_accept(driver, driver.refresh(case))
    ps.evaluate(driver, case, passed=False, score=55)
    ps.evaluate(driver, case, passed=True, score=80)
    case = driver.refresh(case)
    assert (case.status, case.outcome) == ("closed", "completed") and _operator(db, "SO-001").qualified


@pytest.mark.parametrize("which", ["good", "bad"])
def test_project_cases_replay_to_their_snapshot_and_verify(which: str, projects: ProjectService, driver: Driver,
                                                           council: CouncilService, service: CaseService) -> None:
    good, bad = ps.run_project_demo(driver, council, projects)
    case = good if which == "good" else bad
    assert service.replay(case.id).snapshot() == service.case(case.id).snapshot
    [check] = service.verify(case.id)
    assert check.ok, check.problem


def test_spending_beyond_the_budget_and_bad_amounts_are_refused_next_to_the_field(
        projects: ProjectService, driver: Driver, council: CouncilService, db: Database) -> None:
    case = ps.propose(projects, "长者助餐点", "SO-001")
    ps.approve_at_sitting(council, driver, [case])
    with pytest.raises(ValidationError) as bad_lines:
        driver.do(case, "set_budget", fund_source="venture", budget_lines="助餐补贴 三万", evaluation_rounds=2)
    assert "第 1 行" in bad_lines.value.field_errors["budget_lines"]
    driver.do(case, "set_budget", fund_source="award", budget_lines="物料 1000", evaluation_rounds=1)
    for amount, field in (("abc", "spending_amount"), ("-5", "spending_amount"), ("1000.001", "spending_amount"),
                          ("1000.01", "spending_amount")):
        with pytest.raises(ValidationError) as refused:
            driver.do(case, "implement", spending_item="物料", spending_amount=amount, progress="continue")
        assert field in refused.value.field_errors, amount
    with pytest.raises(ValidationError) as empty:
        driver.do(case, "implement", progress="continue")
    assert "milestone" in empty.value.field_errors
    driver.do(case, "implement", spending_item="物料", spending_amount="1,000", progress="finished")
    assert _project(db, case.id).spent_fen == 100_000


@pytest.mark.parametrize("field, change", [
    ("title", {"title": ""}), ("title", {"title": "长" * 101}), ("proposer_kind", {"proposer_kind": "<script>"}),
    ("proposer_name", {"proposer_name": "  "}), ("grid_code", {"grid_code": "NOPE"}),
    ("requested_amount", {"requested_amount": "1e9"}), ("requested_amount", {"requested_amount": "0"}),
    ("operator", {"operator": "不存在"}), ("summary", {"summary": "x" * 4001}),
])
def test_bad_proposals_are_refused_next_to_the_field_and_write_nothing(
        field: str, change: dict[str, str], projects: ProjectService, db: Database) -> None:
    values = {"title": "长者助餐点", "summary": "助餐", "proposer_kind": "community", "proposer_name": "幸福里社区",
              "operator": "SO-001", "grid_code": "XF-01", "requested_amount": "5000", **change}
    with pytest.raises(ValidationError) as refused:
        projects.open_project(ProjectIntake(**values), ps.SUPERVISOR)
    assert field in refused.value.field_errors
    with db.reading() as s:
        assert s.scalars(select(Project)).first() is None


def test_only_staff_who_run_projects_may_propose_or_keep_the_registry(projects: ProjectService) -> None:
    intake = ProjectIntake(title="t", summary="s", proposer_kind="community", proposer_name="n", operator="SO-001",
                           grid_code="XF-01", requested_amount="1")
    with pytest.raises(PermissionDenied):
        projects.open_project(intake, Actor("chengguan1", "department", department_code="chengguan"))
    with pytest.raises(PermissionDenied):
        projects.register_operator(code="X", name="x", kind="company", actor=ps.CHAIR)
    with pytest.raises(ValidationError) as dup:
        projects.register_operator(code="SO-001", name="重复", kind="company", actor=ps.SUPERVISOR)
    assert "code" in dup.value.field_errors


def test_money_is_parsed_exactly() -> None:
    assert parse_yuan("1,200.5") == 120050 and parse_yuan("12元") == 1200 and parse_yuan("0.01") == 1
    assert parse_yuan("0") is None and parse_yuan("1.234") is None and parse_yuan("NaN") is None
    assert parse_budget_lines("a 1\n\nb c 2.5") == ([("a", 100), ("b c", 250)], None)


def test_project_cases_are_not_issues_in_the_quarterly_assessment(projects: ProjectService, driver: Driver,
                                                                   council: CouncilService, db: Database,
                                                                   clock: FixedClock) -> None:
    from engine.assessments.service import AssessmentService
    from engine.calendar import china_date
    good, _bad = ps.run_project_demo(driver, council, projects)
    assert good.closed_at is not None
    day = china_date(good.closed_at.replace(tzinfo=clock.now().tzinfo))
    service = AssessmentService(db, clock)
    figures = service.compute(service.resolve("quarterly", f"{day.year}Q{(day.month - 1) // 3 + 1}")).figures
    closed = [f for f in figures if f.indicator == "resolution_rate" and f.unit_code == "幸福里社区"]
    assert all(f.value is None for f in closed)  # a completed project is no unresolved issue
