"""Reading a case the way a resident holding its tracking code may see it."""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.calendar import china_date
from engine.calendar.store import load_calendar
from engine.cases.models import Case, WorkItem
from engine.cases.queries import lock_case
from engine.cases.reporter_key import case_for_key
from engine.clock import Clock, SystemClock
from engine.db import Database
from engine.errors import ConflictError, NotFound
from engine.people.actor import reporter
from engine.privacy.keys import is_shredded
from engine.privacy.shredding import erase_case
from engine.public.board import NoticeBoard, is_board_photo, notice_board
from engine.public.my_reports import MyReport, my_reports
from engine.public.privacy import normalise_code
from engine.public.read_models import PublicCase, public_case

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
    """The resident's view of one case, addressed by its tracking code (to read) or its reporter key (to act)."""

    def __init__(self, db: Database, clock: Clock | None = None) -> None:
        self.db = db
        self.clock = clock or SystemClock()

    def track(self, code: str) -> PublicCase:
        """Progress and published outcome; :class:`NotFound` for an unknown or malformed code."""
        now = self.clock.now()
        with self.db.reading() as s:
            return public_case(s, _by_code(s, code), now=now, calendar=load_calendar(s, now))

    def mine(self, key: str) -> PublicCase:
        """The case the reporter key ``key`` belongs to, as its reporter sees it; :class:`NotFound` otherwise."""
        now = self.clock.now()
        with self.db.reading() as s:
            return public_case(s, case_for_key(s, key), now=now, calendar=load_calendar(s, now))

    def my_data_erased(self, key: str) -> bool:
        """Whether the personal data of the case behind reporter key ``key`` was erased (:class:`NotFound` otherwise)."""
        with self.db.reading() as s:
            return is_shredded(s, case_for_key(s, key).id)

    def erase_my_data(self, key: str) -> str:
        """The reporter's own deletion request (PIPL Art. 47), made through their private link — holding the key
        is the identity check. Erases the case's personal data now, with its event; the case's record stays and
        still verifies. Only once the case is closed (while it is handled, staff may need to call back):
        :class:`ConflictError` before that, and when it was erased already. Returns the tracking code."""
        with self.db.transaction() as s:
            case = lock_case(s, case_for_key(s, key).id)
            if case.status != "closed":
                raise ConflictError("案件办结后才能申请删除个人信息：办理期间工作人员可能需要联系您")
            erase_case(s, case, actor=reporter(case.tracking_code, key), at=self.clock.now(),
                       reason="resident_request", detail="反映人通过专用链接申请删除")
            return case.tracking_code

    def notice_board(self, community: str) -> NoticeBoard:
        """The community's notice board (公示栏); :class:`NotFound` for a name no grid belongs to."""
        today = china_date(self.clock.now())
        with self.db.reading() as s:
            board = notice_board(s, community, today)
        if board is None:
            raise NotFound("没有这个社区")
        return board

    def board_photo_allowed(self, community: str, sha256: str) -> bool:
        """Whether the board of ``community`` shows the public copy ``sha256`` (a completion photo)."""
        with self.db.reading() as s:
            return is_board_photo(s, community, sha256)

    def my_reports(self, *, username: str | None = None, keys: Sequence[str] = ()) -> list[MyReport]:
        """我的报告: a resident account's reports and those of the private links opened in this browser."""
        with self.db.reading() as s:
            return my_reports(s, username=username, keys=keys)

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
