"""Governance projects' domain rows, written beside the events (like mediation's) so the notice board and
assessments read them with SQL.

A project is a ``case`` row on the ``project`` process plus a :class:`Project` row with the same id; its
budget lines, progress records and evaluations hang off that case id. Operators (运营单位) live in their
own registry: an operator outlives its projects, and losing 运营资格 bars it from every new one.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base


class ProjectOperator(Base):
    """A project operator (运营单位: a social organisation, a property company, a residents' group …)."""

    __tablename__ = "project_operator"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Short code used on forms and in the log (the unified social credit code or a local code).
    code: Mapped[str] = mapped_column(String(40), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    #: social_org (社会组织), company (企业), resident_group (居民团体), community (社区).
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    #: False once two consecutive half-yearly evaluations of one of its projects failed (取消运营资格).
    qualified: Mapped[bool] = mapped_column(nullable=False, default=True)
    disqualified_at: Mapped[datetime | None] = mapped_column(nullable=True)
    #: The project case whose evaluations cost the qualification.
    disqualified_by_case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), nullable=True)
    disqualified_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    registered_at: Mapped[datetime] = mapped_column(nullable=False)

    def __repr__(self) -> str:
        return f"<ProjectOperator {self.code} {'qualified' if self.qualified else 'disqualified'}>"


class Project(Base):
    """One governance project: who proposed it, who runs it, its money and how it ended."""

    __tablename__ = "project"

    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), primary_key=True)
    #: community (社区), social_org (社会组织) or resident_group (居民团体).
    proposer_kind: Mapped[str] = mapped_column(String(20), nullable=False)
    #: The proposing body's name (an organisation or group, never a private person's name).
    proposer_name: Mapped[str] = mapped_column(String(200), nullable=False)
    operator_id: Mapped[int] = mapped_column(ForeignKey("project_operator.id"), nullable=False, index=True)
    summary: Mapped[str] = mapped_column(Text, nullable=False)
    #: Amount asked for at 申报, in fen (分) so sums stay exact.
    requested_fen: Mapped[int] = mapped_column(nullable=False)
    #: How many half-yearly evaluations the service period has (set with the budget); None before 预算.
    evaluation_rounds: Mapped[int | None] = mapped_column(nullable=True)
    #: special_fund (专项基金), venture (公益创投), award (以奖代补), fiscal (财政资金) or other; None before 预算.
    fund_source: Mapped[str | None] = mapped_column(String(20), nullable=True)
    budget_fen: Mapped[int | None] = mapped_column(nullable=True)
    spent_fen: Mapped[int] = mapped_column(nullable=False, default=0)
    approved_at: Mapped[datetime | None] = mapped_column(nullable=True, index=True)
    accepted_at: Mapped[datetime | None] = mapped_column(nullable=True)
    #: rejected, completed or exited; None while the project runs.
    outcome: Mapped[str | None] = mapped_column(String(20), nullable=True, index=True)
    opened_at: Mapped[datetime] = mapped_column(nullable=False)
    closed_at: Mapped[datetime | None] = mapped_column(nullable=True)

    def __repr__(self) -> str:
        return f"<Project case={self.case_id} operator={self.operator_id} {self.outcome}>"


class ProjectBudgetLine(Base):
    """One line of the approved budget (预算明细)."""

    __tablename__ = "project_budget_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), nullable=False, index=True)
    position: Mapped[int] = mapped_column(nullable=False)
    item: Mapped[str] = mapped_column(String(200), nullable=False)
    amount_fen: Mapped[int] = mapped_column(nullable=False)

    def __repr__(self) -> str:
        return f"<ProjectBudgetLine case={self.case_id} #{self.position} {self.amount_fen}>"


class ProjectProgress(Base):
    """A progress record of the implementation: a milestone reached and/or a payment with its receipt."""

    __tablename__ = "project_progress"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), nullable=False, index=True)
    milestone: Mapped[str | None] = mapped_column(String(500), nullable=True)
    spending_item: Mapped[str | None] = mapped_column(String(200), nullable=True)
    spending_fen: Mapped[int | None] = mapped_column(nullable=True)
    receipt_no: Mapped[str | None] = mapped_column(String(80), nullable=True)
    #: Sequence number of the ``task_completed`` event that recorded it.
    event_seq: Mapped[int] = mapped_column(nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(nullable=False)
    recorded_by: Mapped[str] = mapped_column(String(80), nullable=False)

    def __repr__(self) -> str:
        return f"<ProjectProgress case={self.case_id} {self.spending_fen}>"


class ProjectEvaluation(Base):
    """An acceptance (验收) or a half-yearly third-party evaluation (第三方评估) and what it found."""

    __tablename__ = "project_evaluation"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), nullable=False, index=True)
    #: acceptance or evaluation.
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    #: 1, 2, … per kind.
    number: Mapped[int] = mapped_column(nullable=False)
    passed: Mapped[bool] = mapped_column(nullable=False)
    #: The third-party evaluator, or the resident representatives at an acceptance.
    by_whom: Mapped[str] = mapped_column(String(500), nullable=False)
    score: Mapped[int | None] = mapped_column(nullable=True)
    findings: Mapped[str] = mapped_column(Text, nullable=False)
    held_on: Mapped[date] = mapped_column(nullable=False)
    event_seq: Mapped[int] = mapped_column(nullable=False)
    recorded_by: Mapped[str] = mapped_column(String(80), nullable=False)

    def __repr__(self) -> str:
        return f"<ProjectEvaluation case={self.case_id} {self.kind} #{self.number} {self.passed}>"
