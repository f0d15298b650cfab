"""The auditor's case search: by tracking code, category, grid, department, opening dates, status and outcome."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import ColumnElement, exists, func, or_, select
from sqlalchemy.orm import Session

from engine.calendar import CHINA_TZ
from engine.cases.access import visible_cases
from engine.cases.models import Case, WorkItem
from engine.cases.search import CASE_STATUSES, CaseSearchPage, case_search_page
from engine.civic.models import Assignment
from engine.clock import to_db
from engine.errors import ValidationError
from engine.people.actor import Actor


@dataclass(frozen=True)
class AuditFilter:
    #: Start of a tracking code, or words of the title.
    text: str | None = None
    category: str | None = None
    grid: str | None = None
    #: Cases ever routed to this department (responsible now, or given work or an assignment once).
    department: str | None = None
    #: Opened on or after / on or before these days (Beijing time).
    opened_from: date | None = None
    opened_to: date | None = None
    status: str = "all"
    outcome: str | None = None


def _day_start(day: date) -> datetime:
    """Midnight in Beijing of ``day``, as stored (naive UTC)."""
    moment = to_db(datetime.combine(day, time.min, tzinfo=CHINA_TZ))
    assert moment is not None
    return moment


def _conditions(actor: Actor, flt: AuditFilter) -> list[ColumnElement[bool]]:
    if flt.status not in CASE_STATUSES:
        raise ValidationError("查询条件有误", {"status": f"状态应为：{'、'.join(CASE_STATUSES)}"})
    if flt.opened_from and flt.opened_to and flt.opened_from > flt.opened_to:
        raise ValidationError("查询条件有误", {"opened_to": "结束日期不能早于开始日期"})
    conditions = [visible_cases(actor)]
    if text := (flt.text or "").strip():
        conditions.append(or_(Case.tracking_code.startswith(text.upper(), autoescape=True),
                              func.lower(Case.title).contains(text.lower(), autoescape=True)))
    if flt.category:
        conditions.append(Case.category == flt.category)
    if flt.grid:
        conditions.append(Case.grid_code == flt.grid)
    if code := flt.department:
        conditions.append(or_(
            Case.department_code == code,
            exists().where(WorkItem.case_id == Case.id, WorkItem.department_code == code),
            exists().where(Assignment.case_id == Case.id, Assignment.department_code == code),
        ))
    if flt.opened_from:
        conditions.append(Case.opened_at >= _day_start(flt.opened_from))
    if flt.opened_to:
        conditions.append(Case.opened_at < _day_start(flt.opened_to + timedelta(days=1)))
    if flt.status != "all":
        conditions.append(Case.status == flt.status)
    if flt.outcome:
        conditions.append(Case.outcome == flt.outcome)
    return conditions


def audit_search(session: Session, actor: Actor, flt: AuditFilter, *, page: int = 1,
                 page_size: int = 25) -> CaseSearchPage:
    """Cases ``actor`` may see that match every given filter, newest first."""
    if page < 1 or page_size < 1:
        raise ValidationError("分页参数有误", {"page": "页码必须是正整数"})
    conditions = _conditions(actor, flt)
    return case_search_page(session, conditions, page=page, page_size=page_size)


def outcomes(session: Session) -> list[str]:
    """The outcomes cases have ended with so far (for the filter's choices)."""
    return sorted(o for o in session.scalars(select(Case.outcome).where(Case.outcome.is_not(None)).distinct()) if o)
