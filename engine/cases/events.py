"""The event log row. No code path updates or deletes these rows."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base


class CaseEvent(Base):
    __tablename__ = "case_event"
    __table_args__ = (UniqueConstraint("case_id", "seq", name="uq_case_event_case_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), nullable=False)
    #: 1, 2, 3 … within the case; the unique constraint makes a lost race fail loudly.
    seq: Mapped[int] = mapped_column(nullable=False)
    #: case_opened, task_completed, timers_fired, reassigned, claimed, escalated …
    type: Mapped[str] = mapped_column(String(40), nullable=False)
    actor: Mapped[str] = mapped_column(String(80), nullable=False)
    role: Mapped[str] = mapped_column(String(30), nullable=False)
    at: Mapped[datetime] = mapped_column(nullable=False)
    #: Canonical JSON (sorted keys, no spaces, UTF-8): exactly the text that was hashed.
    payload: Mapped[str] = mapped_column(Text, nullable=False)
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)

    def __repr__(self) -> str:
        return f"<CaseEvent case={self.case_id} #{self.seq} {self.type}>"


@event.listens_for(CaseEvent, "before_update")
@event.listens_for(CaseEvent, "before_delete")
def _refuse_rewrite(_mapper: Any, _connection: Any, target: CaseEvent) -> None:
    raise RuntimeError(f"case_event is append-only: refused to change {target!r}")
