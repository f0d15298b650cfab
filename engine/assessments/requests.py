"""Runs asked for in the web UI: the request row, its progress, and the period offered by default.

The request is written first (queued) and then moves on in short transactions of its own —
running with each step counted, done with its run, or failed with a reason — so whoever follows
it (the progress page in any web worker) sees where it is, and the run itself stays one
transaction with all its results (engine.assessments.service.AssessmentService.store).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.assessments.models import AssessmentRequest
from engine.assessments.periods import Period, current_period, period_containing
from engine.calendar import china_date
from engine.cases.models import Case
from engine.clock import as_utc, to_db
from engine.errors import NotFound

#: The ways a requested run is carried out.
RUNNERS = ("in_process", "prefect")


@dataclass(frozen=True)
class RequestView:
    id: int
    kind: str
    period: str
    requested_by: str
    requested_at: datetime
    status: str
    runner: str
    steps_done: int
    steps_total: int
    run_id: int | None
    error: str | None
    finished_at: datetime | None

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed")

    @property
    def percent(self) -> int:
        if self.status == "done":
            return 100
        return min(99, round(100 * self.steps_done / self.steps_total)) if self.steps_total else 0


def _view(row: AssessmentRequest) -> RequestView:
    return RequestView(row.id, row.kind, row.period, row.requested_by, as_utc(row.requested_at), row.status,
                       row.runner, row.steps_done, row.steps_total, row.run_id, row.error,
                       as_utc(row.finished_at) if row.finished_at else None)


def latest_period_with_data(session: Session, kind: str, now: datetime) -> Period:
    """The latest ``kind`` period in which a case was opened or closed, up to now; else the current one.

    "The quarter that just ended" assesses nothing on a system started this quarter (the demo's
    case): people are offered the period their data is in.
    """
    opened = session.scalar(select(func.max(Case.opened_at)).where(Case.opened_at <= to_db(now)))
    closed = session.scalar(select(func.max(Case.closed_at)).where(Case.closed_at <= to_db(now)))
    latest = max((m for m in (opened, closed) if m is not None), default=None)
    if latest is None:
        return current_period(kind, now)
    return period_containing(kind, china_date(as_utc(latest)))


def add_request(session: Session, kind: str, period: str, *, by: str, at: datetime, runner: str,
                steps_total: int) -> RequestView:
    row = AssessmentRequest(kind=kind, period=period, requested_by=by, requested_at=to_db(at), status="queued",
                            runner=runner, steps_done=0, steps_total=steps_total)
    session.add(row)
    session.flush()
    return _view(row)


def _row(session: Session, request_id: int) -> AssessmentRequest:
    row = session.get(AssessmentRequest, request_id)
    if row is None:
        raise NotFound(f"评估请求 {request_id} 不存在")
    return row


def mark_step(session: Session, request_id: int) -> None:
    row = _row(session, request_id)
    row.status = "running"
    row.steps_done = min(row.steps_total, row.steps_done + 1)


def mark_flow_run(session: Session, request_id: int, flow_run_id: str) -> None:
    _row(session, request_id).flow_run_id = flow_run_id


def finish(session: Session, request_id: int, *, run_id: int, at: datetime) -> None:
    row = _row(session, request_id)
    row.status, row.run_id, row.steps_done, row.finished_at = "done", run_id, row.steps_total, to_db(at)


def fail(session: Session, request_id: int, *, error: str, at: datetime) -> None:
    row = _row(session, request_id)
    row.status, row.error, row.finished_at = "failed", error[:2000], to_db(at)


def request_view(session: Session, request_id: int) -> RequestView:
    return _view(_row(session, request_id))


def recent_requests(session: Session, limit: int = 10) -> list[RequestView]:
    rows = session.scalars(select(AssessmentRequest).order_by(AssessmentRequest.id.desc()).limit(limit))
    return [_view(r) for r in rows]
