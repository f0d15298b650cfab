"""Writing an assessment run with its results, and reading them back as plain view objects."""
from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from engine.assessments.indicators import INDICATORS, UNIT_TYPE_LABELS
from engine.assessments.models import AssessmentResult, AssessmentRun
from engine.assessments.periods import Period
from engine.assessments.scoring import BELOW, Earlier, Scored
from engine.clock import as_utc, to_db
from engine.errors import NotFound

#: Order of unit types in tables: the whole street first, then departments, communities …
UNIT_ORDER = ("street", "department", "community", "grid", "hotspot", "repeat", "dispute")


def latest_run(session: Session, kind: str, period: str) -> AssessmentRun | None:
    return session.scalar(select(AssessmentRun).where(AssessmentRun.kind == kind, AssessmentRun.period == period)
                          .order_by(AssessmentRun.id.desc()).limit(1))


def earlier_from_run(session: Session, run_id: int) -> dict[tuple[str, str, str], Earlier]:
    rows = session.execute(select(AssessmentResult.unit_type, AssessmentResult.unit_code, AssessmentResult.indicator,
                                  AssessmentResult.value, AssessmentResult.status, AssessmentResult.streak)
                           .where(AssessmentResult.run_id == run_id))
    return {(t, u, i): Earlier(v, s, k) for t, u, i, v, s, k in rows}


def save_run(session: Session, *, kind: str, period: Period, as_of: datetime, started_at: datetime,
             finished_at: datetime, triggered_by: str, previous_run_id: int | None, scored: Iterable[Scored],
             note: str | None = None) -> AssessmentRun:
    scored = list(scored)
    flagged = {(s.figure.unit_type, s.figure.unit_code) for s in scored
               if s.flagged or (kind != "quarterly" and s.status == BELOW)}
    run = AssessmentRun(kind=kind, period=period.label, period_start=to_db(period.start),
                        period_end=to_db(period.end), as_of=to_db(as_of), started_at=to_db(started_at),
                        finished_at=to_db(finished_at), triggered_by=triggered_by, previous_run_id=previous_run_id,
                        flagged_units=len(flagged), note=note)
    session.add(run)
    session.flush()
    session.execute(insert(AssessmentResult), [{
        "run_id": run.id, "unit_type": s.figure.unit_type, "unit_code": s.figure.unit_code,
        "unit_name": s.figure.unit_name, "indicator": s.figure.indicator, "value": s.figure.value,
        "numerator": s.figure.numerator, "denominator": s.figure.denominator, "target": s.target,
        "status": s.status, "previous_value": s.previous_value, "trend": s.trend, "streak": s.streak,
        "flagged": s.flagged,
        "detail": json.dumps(s.figure.detail, ensure_ascii=False) if s.figure.detail is not None else None,
    } for s in scored])
    return run


# -- reading ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunSummary:
    id: int
    kind: str
    period: str
    period_start: datetime
    period_end: datetime
    as_of: datetime
    started_at: datetime
    finished_at: datetime
    triggered_by: str
    previous_run_id: int | None
    flagged_units: int
    note: str | None

    @classmethod
    def of(cls, run: AssessmentRun) -> RunSummary:
        return cls(run.id, run.kind, run.period, as_utc(run.period_start), as_utc(run.period_end), as_utc(run.as_of),
                   as_utc(run.started_at), as_utc(run.finished_at), run.triggered_by, run.previous_run_id,
                   run.flagged_units, run.note)


@dataclass(frozen=True)
class ResultView:
    unit_type: str
    unit_code: str
    unit_name: str
    indicator: str
    value: float | None
    numerator: int | None
    denominator: int | None
    target: float | None
    status: str
    previous_value: float | None
    trend: str | None
    streak: int
    flagged: bool
    detail: Any

    @property
    def label(self) -> str:
        return INDICATORS[self.indicator].label if self.indicator in INDICATORS else self.indicator

    @property
    def value_kind(self) -> str:
        return INDICATORS[self.indicator].kind if self.indicator in INDICATORS else "count"

    @property
    def improved(self) -> bool | None:
        """Whether the trend is for the better (None: no trend, flat, or neither direction is better)."""
        better = INDICATORS[self.indicator].better if self.indicator in INDICATORS else None
        if better is None or self.trend in (None, "flat"):
            return None
        return (self.trend == "up") == (better == "higher")


@dataclass
class UnitRow:
    """One unit of a run with its figures by indicator."""

    unit_type: str
    unit_code: str
    unit_name: str
    results: dict[str, ResultView] = field(default_factory=dict)

    @property
    def flagged(self) -> bool:
        return any(r.flagged for r in self.results.values())

    @property
    def below(self) -> int:
        return sum(r.status == BELOW for r in self.results.values())

    @property
    def unit_type_label(self) -> str:
        return UNIT_TYPE_LABELS.get(self.unit_type, self.unit_type)


@dataclass(frozen=True)
class RunReport:
    run: RunSummary
    results: list[ResultView]

    def units(self) -> list[UnitRow]:
        """Units with their figures: flagged units first, then by type (street, departments …) and name."""
        rows: dict[tuple[str, str], UnitRow] = {}
        for r in self.results:
            row = rows.setdefault((r.unit_type, r.unit_code), UnitRow(r.unit_type, r.unit_code, r.unit_name))
            row.results[r.indicator] = r
        order = {t: i for i, t in enumerate(UNIT_ORDER)}
        return sorted(rows.values(), key=lambda u: (not u.flagged, order.get(u.unit_type, 99), -u.below,
                                                    u.unit_code))

    def indicators(self) -> list[str]:
        """Indicator keys present in the run, in catalogue order."""
        present = {r.indicator for r in self.results}
        return [key for key in INDICATORS if key in present]


def _view(r: AssessmentResult) -> ResultView:
    return ResultView(r.unit_type, r.unit_code, r.unit_name, r.indicator, r.value, r.numerator, r.denominator,
                      r.target, r.status, r.previous_value, r.trend, r.streak, r.flagged,
                      json.loads(r.detail) if r.detail else None)


def run_report(session: Session, run_id: int) -> RunReport:
    run = session.get(AssessmentRun, run_id)
    if run is None:
        raise NotFound(f"评估 {run_id} 不存在")
    results = session.scalars(select(AssessmentResult).where(AssessmentResult.run_id == run_id)
                              .order_by(AssessmentResult.id))
    return RunReport(RunSummary.of(run), [_view(r) for r in results])


def list_runs(session: Session, kind: str | None = None, limit: int = 100) -> list[RunSummary]:
    stmt = select(AssessmentRun).order_by(AssessmentRun.id.desc()).limit(limit)
    if kind:
        stmt = stmt.where(AssessmentRun.kind == kind)
    return [RunSummary.of(run) for run in session.scalars(stmt)]


def history(session: Session, kind: str, unit_type: str, unit_code: str,
            limit: int = 8) -> dict[str, list[tuple[str, float | None]]]:
    """indicator → (period, value) of the unit in the latest run of each of the last ``limit`` periods, oldest first."""
    latest = select(func.max(AssessmentRun.id)).where(AssessmentRun.kind == kind).group_by(AssessmentRun.period)
    periods = session.execute(select(AssessmentRun.id, AssessmentRun.period).where(AssessmentRun.id.in_(latest))
                              .order_by(AssessmentRun.period_start.desc()).limit(limit)).all()
    runs = {run_id: period for run_id, period in reversed(periods)}
    found: dict[str, list[tuple[str, float | None]]] = {}
    rows = session.execute(
        select(AssessmentResult.run_id, AssessmentResult.indicator, AssessmentResult.value)
        .where(AssessmentResult.run_id.in_(runs), AssessmentResult.unit_type == unit_type,
               AssessmentResult.unit_code == unit_code))
    values = {(run_id, indicator): value for run_id, indicator, value in rows}
    for run_id, period in runs.items():
        for (rid, indicator), value in values.items():
            if rid == run_id:
                found.setdefault(indicator, []).append((period, value))
    return found
