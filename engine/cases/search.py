"""Finding cases: the case search (tracking code or title) and the page of rows it and the audit search show."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from engine.cases.access import visible_cases
from engine.cases.models import Case
from engine.clock import as_utc
from engine.errors import ValidationError
from engine.people.actor import Actor

#: The case search's status filter.
CASE_STATUSES = ("all", "open", "closed")


@dataclass(frozen=True)
class CaseRow:
    tracking_code: str
    title: str
    status: str
    phase: str
    outcome: str | None
    category: str
    grid_code: str | None
    opened_at: datetime


@dataclass(frozen=True)
class CaseSearchPage:
    rows: tuple[CaseRow, ...]
    page: int
    page_size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def search_cases(session: Session, actor: Actor, *, text: str | None = None, status: str = "all",
                 page: int = 1, page_size: int = 25) -> CaseSearchPage:
    """Cases ``actor`` may see whose tracking code starts with ``text`` or whose title contains it, newest first."""
    if status not in CASE_STATUSES:
        raise ValidationError("查询条件有误", {"status": f"状态应为：{'、'.join(CASE_STATUSES)}"})
    if page < 1 or page_size < 1:
        raise ValidationError("分页参数有误", {"page": "页码必须是正整数"})
    conditions = [visible_cases(actor)]
    if status != "all":
        conditions.append(Case.status == status)
    if text := (text or "").strip():
        conditions.append(or_(Case.tracking_code.startswith(text.upper(), autoescape=True),
                              func.lower(Case.title).contains(text.lower(), autoescape=True)))
    return case_search_page(session, conditions, page=page, page_size=page_size)


def case_search_page(session: Session, conditions: list[ColumnElement[bool]], *, page: int,
                     page_size: int) -> CaseSearchPage:
    """One page of the cases matching ``conditions``, newest first, with the total count."""
    total = session.scalar(select(func.count(Case.id)).where(*conditions)) or 0
    rows = session.execute(
        select(Case.tracking_code, Case.title, Case.status, Case.phase, Case.outcome, Case.category,
               Case.grid_code, Case.opened_at)
        .where(*conditions).order_by(Case.opened_at.desc(), Case.id.desc())
        .limit(page_size).offset((page - 1) * page_size)
    ).all()
    return CaseSearchPage(tuple(CaseRow(tracking_code=r.tracking_code, title=r.title, status=r.status, phase=r.phase,
                                        outcome=r.outcome, category=r.category, grid_code=r.grid_code,
                                        opened_at=as_utc(r.opened_at)) for r in rows), page, page_size, total)
