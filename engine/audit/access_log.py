"""The data-use log (数据使用备案): who saw which sensitive data or exported which case, when and why.

Rows are only ever added (the ORM refuses updates and deletes, like the event log).
Auditors read it; nobody edits it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ForeignKey, String, Text, event, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from engine.cases.leaves import access_digest, add_access_leaf
from engine.cases.models import Case
from engine.clock import to_db
from engine.db import Base
from engine.errors import ValidationError
from engine.people.actor import Actor

#: What an entry records: an unmasked view of sensitive fields, a case exported as a bundle, the original
#: of a sensitive evidence file downloaded (engine/evidence: a mediation's papers, a sitting's minutes …), or a
#: step of a request to see core data (asked, approved, refused: :mod:`engine.audit.core_access`).
KINDS = ("unmask", "export", "download", "core_request", "core_approve", "core_refuse")
#: One view, one entry: the same person seeing the same fields of the same case for the same stated reason
#: again within this time (pressing 查看 again, going back to the page, the print layout after the page) is
#: the view already logged, and its entry is returned instead of a new one.
VIEW_WINDOW = timedelta(minutes=30)
#: A reason must say something: at least this many characters, at most ``MAX_REASON``.
MIN_REASON = 4
MAX_REASON = 500


class AccessLogEntry(Base):
    __tablename__ = "access_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(nullable=False, index=True)
    username: Mapped[str] = mapped_column(String(80), nullable=False, index=True)
    role: Mapped[str] = mapped_column(String(30), nullable=False)
    #: ``unmask``, ``export`` or ``download``.
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), nullable=True, index=True)
    #: What was shown: field names (``reporter_name,reporter_phone``) or ``bundle``.
    what: Mapped[str] = mapped_column(String(200), nullable=False)
    #: Why, in the person's words (required).
    reason: Mapped[str] = mapped_column(Text, nullable=False)

    def __repr__(self) -> str:
        return f"<AccessLogEntry {self.id} {self.username} {self.kind} case={self.case_id}>"


@event.listens_for(AccessLogEntry, "before_update")
@event.listens_for(AccessLogEntry, "before_delete")
def _refuse_rewrite(_mapper: Any, _connection: Any, target: AccessLogEntry) -> None:
    raise RuntimeError(f"access_log is append-only: refused to change {target!r}")


def check_reason(reason: str | None) -> str:
    """The reason, trimmed; :class:`ValidationError` on the ``reason`` field when it says too little."""
    text = (reason or "").strip()
    if len(text) < MIN_REASON:
        raise ValidationError("请说明理由", {"reason": f"必须填写理由（至少 {MIN_REASON} 个字）"})
    if len(text) > MAX_REASON:
        raise ValidationError("理由太长", {"reason": f"理由最多 {MAX_REASON} 个字"})
    return text


def record_access(session: Session, actor: Actor, *, kind: str, case: Case | None, what: str, reason: str,
                  at: datetime) -> AccessLogEntry:
    """Write one entry (in the caller's transaction: the data is shown only if the entry is written).

    An ``unmask`` that repeats one logged within :data:`VIEW_WINDOW` (same person, case, fields and reason)
    is that view: its entry is returned and nothing is written."""
    assert kind in KINDS, kind
    if kind == "unmask":
        text = check_reason(reason)
        earlier = session.scalars(
            select(AccessLogEntry)
            .where(AccessLogEntry.username == actor.username, AccessLogEntry.kind == kind,
                   AccessLogEntry.case_id.is_(None) if case is None else AccessLogEntry.case_id == case.id,
                   AccessLogEntry.what == what[:200], AccessLogEntry.reason == text,
                   AccessLogEntry.at > to_db(at - VIEW_WINDOW), AccessLogEntry.at <= to_db(at))
            .order_by(AccessLogEntry.id.desc()).limit(1)).first()
        if earlier is not None:
            return earlier
    entry = AccessLogEntry(at=to_db(at), username=actor.username, role=actor.role, kind=kind,
                           case_id=case.id if case is not None else None, what=what[:200],
                           reason=check_reason(reason))
    session.add(entry)
    session.flush()
    add_access_leaf(session, entry.id, access_digest(entry.id, entry.at, entry.username, entry.role, entry.kind,
                                                     case.uuid if case is not None else None, entry.what,
                                                     entry.reason))
    return entry


# -- reading (the queries and exports are engine/audit/access_log_query.py) -------------------------------------

@dataclass(frozen=True)
class AccessRow:
    id: int
    at: datetime
    username: str
    display_name: str | None
    role: str
    kind: str
    tracking_code: str | None
    what: str
    reason: str


@dataclass(frozen=True)
class AccessLogPage:
    rows: tuple[AccessRow, ...]
    page: int
    page_size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))

