"""An incident: a case whose automatic step failed (as in Camunda), waiting for a person or a later retry."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base


class Incident(Base):
    """One failure of a case's timers in the sweep, kept until a retry (automatic or by a person) succeeds.

    A case has at most one open incident: a repeated failure counts on the open one.
    """

    __tablename__ = "incident"
    __table_args__ = (Index("ix_incident_status_opened", "status", "opened_at"),
                      Index("ix_incident_case_status", "case_id", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), nullable=False)
    #: What failed: ``timers`` (the sweep firing the case's due timers).
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    #: The BPMN element that failed, or the due timer(s) whose firing failed (comma-separated ids).
    element: Mapped[str | None] = mapped_column(String(300), nullable=True)
    #: The error as a supervisor reads it (the engine's message; never a traceback).
    error: Mapped[str] = mapped_column(Text, nullable=False)
    #: The error's stable code (``step_failed``, ``engine_limit`` …) or the exception's class for a bug.
    error_code: Mapped[str] = mapped_column(String(60), nullable=False)
    #: ``open`` or ``resolved``.
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    opened_at: Mapped[datetime] = mapped_column(nullable=False)
    last_failed_at: Mapped[datetime] = mapped_column(nullable=False)
    #: How many times firing failed (the first failure included).
    failures: Mapped[int] = mapped_column(nullable=False, default=1)
    #: When the sweep tries again by itself (the case's ``next_timer_at`` was moved there).
    retry_at: Mapped[datetime | None] = mapped_column(nullable=True)
    last_retry_at: Mapped[datetime | None] = mapped_column(nullable=True)
    #: Who asked for the last manual retry, and how it went (``failed``, ``resolved``, ``nothing_due``).
    last_retry_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    last_retry_outcome: Mapped[str | None] = mapped_column(String(20), nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(nullable=True)
    #: ``system`` when a later sweep succeeded, else the username of the retry that did.
    resolved_by: Mapped[str | None] = mapped_column(String(80), nullable=True)

    OPEN = "open"
    RESOLVED = "resolved"

    def __repr__(self) -> str:
        return f"<Incident {self.id} case={self.case_id} {self.status} ×{self.failures}>"
