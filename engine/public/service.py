"""Reading a case the way a resident holding its tracking code may see it."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.cases.models import Case, WorkItem
from engine.clock import Clock, SystemClock
from engine.db import Database
from engine.errors import NotFound
from engine.public.privacy import normalise_code
from engine.public.views import PublicCase, public_case

#: Form key of the resident's rating task (``camunda:formKey`` of ``rate`` in ``bpmn/civic_loop.bpmn``).
RATING_FORM = "rating"


def _by_code(session: Session, code: str) -> Case:
    """The case with tracking code ``code`` — never by database id, so ids cannot be probed."""
    normal = normalise_code(code)
    case = session.scalar(select(Case).where(Case.tracking_code == normal)) if normal else None
    if case is None:
        raise NotFound("没有找到这个查询码对应的案件")
    return case


class PublicService:
    """The resident's view of one case, addressed only by its tracking code."""

    def __init__(self, db: Database, clock: Clock | None = None) -> None:
        self.db = db
        self.clock = clock or SystemClock()

    def track(self, code: str) -> PublicCase:
        """Progress and published outcome; :class:`NotFound` for an unknown or malformed code."""
        with self.db.reading() as s:
            return public_case(s, _by_code(s, code))

    def rating_task(self, code: str, work_item_id: int | None = None) -> WorkItem | None:
        """The case's rating task: the open one, or the one with ``work_item_id`` whatever its state.

        None when the case has no such task (nothing to rate, or the id is not this case's rating).
        """
        with self.db.reading() as s:
            case = _by_code(s, code)
            stmt = select(WorkItem).where(WorkItem.case_id == case.id, WorkItem.role == "resident",
                                          WorkItem.form_key == RATING_FORM)
            if work_item_id is not None:
                stmt = stmt.where(WorkItem.id == work_item_id)
            else:
                stmt = stmt.where(WorkItem.state.in_(WorkItem.OPEN_STATES))
            return s.scalar(stmt.order_by(WorkItem.id.desc()).limit(1))
