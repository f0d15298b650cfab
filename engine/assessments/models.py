"""Stored assessments: one row per run, one row per (unit, indicator) figure of the run.

The web UI and the exports read these rows only; nothing recomputes a published figure.
A run is written in one transaction with all its results, so a half-finished run never shows.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base


class AssessmentRun(Base):
    """One run of the weekly dispatch, monthly analysis or quarterly assessment for one period."""

    __tablename__ = "assessment_run"
    __table_args__ = (Index("ix_assessment_run_kind_period", "kind", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: ``weekly``, ``monthly`` or ``quarterly``.
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    #: The period's label: ``2026-W44``, ``2026-10`` or ``2026Q3``.
    period: Mapped[str] = mapped_column(String(20), nullable=False)
    #: Period bounds, naive UTC (the period is defined in Asia/Shanghai): start inclusive, end exclusive.
    period_start: Mapped[datetime] = mapped_column(nullable=False)
    period_end: Mapped[datetime] = mapped_column(nullable=False)
    #: The moment the figures describe: the period's end, or the run's time for a period still running.
    as_of: Mapped[datetime] = mapped_column(nullable=False)
    started_at: Mapped[datetime] = mapped_column(nullable=False)
    finished_at: Mapped[datetime] = mapped_column(nullable=False)
    #: ``cli``, ``prefect`` or ``test``: who asked for the run.
    triggered_by: Mapped[str] = mapped_column(String(40), nullable=False)
    #: The stored run of the previous period the trend and the exit rule compared with, if there was one
    #: (otherwise the previous period was computed on the fly and not stored).
    previous_run_id: Mapped[int | None] = mapped_column(ForeignKey("assessment_run.id"), nullable=True)
    #: How many units are flagged by the exit rule (quarterly) or have overdue work (weekly).
    flagged_units: Mapped[int] = mapped_column(nullable=False, default=0)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: The unit the run assessed (engine/org): its subtree sees it (issue 25).
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"), nullable=True, index=True)

    def __repr__(self) -> str:
        return f"<AssessmentRun {self.id} {self.kind} {self.period}>"


class AssessmentResult(Base):
    """One figure: a unit's value of one indicator, its target, status, trend and exit-rule flag."""

    __tablename__ = "assessment_result"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("assessment_run.id"), nullable=False, index=True)
    #: ``department``, ``community``, ``grid``, ``street`` (the whole street office), ``hotspot``,
    #: ``repeat`` or ``dispute``.
    unit_type: Mapped[str] = mapped_column(String(20), nullable=False)
    unit_code: Mapped[str] = mapped_column(String(400), nullable=False)
    unit_name: Mapped[str] = mapped_column(String(400), nullable=False)
    #: Key of :data:`engine.assessments.indicators.INDICATORS`.
    indicator: Mapped[str] = mapped_column(String(40), nullable=False)
    #: A rate as a fraction (0.93), a count, or working days; None when there was nothing to measure.
    value: Mapped[float | None] = mapped_column(nullable=True)
    numerator: Mapped[int | None] = mapped_column(nullable=True)
    denominator: Mapped[int | None] = mapped_column(nullable=True)
    target: Mapped[float | None] = mapped_column(nullable=True)
    #: ``met``, ``below``, ``na`` (nothing to measure) or ``info`` (no target).
    status: Mapped[str] = mapped_column(String(10), nullable=False)
    previous_value: Mapped[float | None] = mapped_column(nullable=True)
    #: ``up``, ``down``, ``flat`` or None when either value is missing.
    trend: Mapped[str | None] = mapped_column(String(10), nullable=True)
    #: Consecutive assessments below target, this one included (0 unless ``below``).
    streak: Mapped[int] = mapped_column(nullable=False, default=0)
    #: The two-assessment warning (连续未达标, 红黑榜): below target in this and the previous assessment; it
    #: ranks a unit, it never exits it (项目退出机制 is for project operators: engine.projects).
    flagged: Mapped[bool] = mapped_column(nullable=False, default=False)
    #: JSON with what names the figure: the oldest open items, the repeated cases …
    detail: Mapped[str | None] = mapped_column(Text, nullable=True)

    def __repr__(self) -> str:
        return f"<AssessmentResult run={self.run_id} {self.unit_type}:{self.unit_code} {self.indicator}={self.value}>"


class AssessmentRequest(Base):
    """A run someone asked for in the web UI: queued, running (with its progress), done or failed.

    Written in its own transactions as the run moves on, so the page that follows it (in any web
    worker) and a Prefect flow run doing the work both read and write the same row.
    """

    __tablename__ = "assessment_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    period: Mapped[str] = mapped_column(String(20), nullable=False)
    requested_by: Mapped[str] = mapped_column(String(80), nullable=False)
    requested_at: Mapped[datetime] = mapped_column(nullable=False)
    #: ``queued``, ``running``, ``done`` or ``failed``.
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    #: ``in_process`` (a thread of the web server) or ``prefect`` (a flow run of the Prefect server).
    runner: Mapped[str] = mapped_column(String(20), nullable=False)
    #: Steps reported so far out of ``steps_total`` (engine.assessments.service.STEPS).
    steps_done: Mapped[int] = mapped_column(nullable=False, default=0)
    steps_total: Mapped[int] = mapped_column(nullable=False)
    #: The Prefect flow run's id, when Prefect runs it.
    flow_run_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("assessment_run.id"), nullable=True)
    #: Why it failed, in words for the person who asked.
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(nullable=True)

    def __repr__(self) -> str:
        return f"<AssessmentRequest {self.id} {self.kind} {self.period} {self.status}>"
