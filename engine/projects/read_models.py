"""Read models of projects for staff pages (plain values: no ORM rows leave engine/)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.cases.models import Case
from engine.cases.queries import find_case
from engine.errors import NotFound, PermissionDenied
from engine.people.actor import Actor
from engine.people.roles import Role
from engine.projects.models import Project, ProjectBudgetLine, ProjectEvaluation, ProjectOperator, ProjectProgress
from engine.projects.money import yuan
from engine.projects.operations import PROPOSER_KINDS
from engine.projects.registry import OPERATOR_KINDS

#: Staff who follow projects (every staff role but the department's and the mediator's).
READERS = frozenset({Role.GRID_WORKER.value, Role.COUNCIL.value, Role.SUPERVISOR.value, Role.AUDITOR.value,
                     Role.ADMIN.value})
FUND_SOURCES = {"special_fund": "专项基金", "venture": "公益创投", "award": "以奖代补", "fiscal": "财政资金", "other": "其他"}
OUTCOMES = {None: "进行中", "rejected": "不予立项", "completed": "已结项", "exited": "已退出"}


def check_may_read(actor: Actor) -> None:
    if actor.role not in READERS:
        raise PermissionDenied("当前角色无权查看治理项目")


@dataclass(frozen=True)
class OperatorRow:
    code: str
    name: str
    kind: str
    qualified: bool
    disqualified_on: date | None
    reason: str | None


@dataclass(frozen=True)
class ProjectRow:
    tracking_code: str
    title: str
    community: str | None
    operator: str
    stage: str
    budget: str | None
    spent: str


@dataclass(frozen=True)
class EvaluationView:
    id: int
    kind: str
    number: int
    passed: bool
    by_whom: str
    score: int | None
    findings: str
    held_on: date


@dataclass(frozen=True)
class ProgressView:
    milestone: str | None
    spending_item: str | None
    amount: str | None
    receipt_no: str | None
    recorded_at: datetime


@dataclass(frozen=True)
class ProjectPage:
    row: ProjectRow
    case_id: int
    summary: str
    proposer: str
    requested: str
    fund_source: str | None
    operator_qualified: bool
    budget_lines: list[tuple[str, str]]
    progress: list[ProgressView]
    evaluations: list[EvaluationView]


def operator_rows(session: Session) -> list[OperatorRow]:
    rows = session.scalars(select(ProjectOperator).order_by(ProjectOperator.qualified.desc(), ProjectOperator.code))
    return [OperatorRow(o.code, o.name, OPERATOR_KINDS.get(o.kind, o.kind), o.qualified,
                        o.disqualified_at.date() if o.disqualified_at else None, o.disqualified_reason) for o in rows]


def _stage(case: Case, project: Project) -> str:
    if project.outcome or case.status != "open":
        return OUTCOMES.get(project.outcome, "已结束")
    if project.accepted_at:
        return "评估期"
    if project.budget_fen is not None:
        return "实施中"
    if project.approved_at:
        return "待核定预算"
    return "待立项"


def _row(case: Case, project: Project, operator: ProjectOperator) -> ProjectRow:
    return ProjectRow(case.tracking_code, case.title, case.community, operator.name, _stage(case, project),
                      yuan(project.budget_fen) if project.budget_fen is not None else None, yuan(project.spent_fen))


def project_rows(session: Session) -> list[ProjectRow]:
    rows = session.execute(select(Case, Project, ProjectOperator).join(Project, Project.case_id == Case.id)
                           .join(ProjectOperator, ProjectOperator.id == Project.operator_id)
                           .order_by(Case.opened_at.desc(), Case.id.desc()))
    return [_row(c, p, o) for c, p, o in rows]


def project_page(session: Session, ref: str, actor: Actor) -> ProjectPage:
    case = find_case(session, ref)
    project = session.get(Project, case.id)
    if project is None:
        raise NotFound("该案件不是治理项目")
    operator = session.get(ProjectOperator, project.operator_id)
    assert operator is not None  # a foreign key
    lines = session.scalars(select(ProjectBudgetLine).where(ProjectBudgetLine.case_id == case.id)
                            .order_by(ProjectBudgetLine.position))
    progress = session.scalars(select(ProjectProgress).where(ProjectProgress.case_id == case.id)
                               .order_by(ProjectProgress.id))
    evaluations = session.scalars(select(ProjectEvaluation).where(ProjectEvaluation.case_id == case.id)
                                  .order_by(ProjectEvaluation.id))
    return ProjectPage(
        row=_row(case, project, operator), case_id=case.id, summary=project.summary,
        proposer=f"{PROPOSER_KINDS.get(project.proposer_kind, '')} {project.proposer_name}".strip(),
        requested=yuan(project.requested_fen),
        fund_source=FUND_SOURCES.get(project.fund_source or "") if project.fund_source else None,
        operator_qualified=operator.qualified,
        budget_lines=[(line.item, yuan(line.amount_fen)) for line in lines],
        progress=[ProgressView(p.milestone, p.spending_item, yuan(p.spending_fen) if p.spending_fen else None,
                               p.receipt_no, p.recorded_at) for p in progress],
        evaluations=[EvaluationView(e.id, e.kind, e.number, e.passed, e.by_whom, e.score, e.findings, e.held_on)
                     for e in evaluations],
    )
