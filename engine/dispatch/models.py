"""Dispatch rows written beside the events: extension requests (申请延期)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base


class ExtensionRequest(Base):
    """A department asks for a later deadline on one of its open tasks; the supervisor decides."""

    __tablename__ = "extension_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), nullable=False, index=True)
    work_item_id: Mapped[int] = mapped_column(ForeignKey("work_item.id"), nullable=False)
    department_code: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    #: The deadline when asked, and the one asked for (end of the requested day, China time).
    current_due: Mapped[datetime | None] = mapped_column(nullable=True)
    requested_due: Mapped[datetime] = mapped_column(nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    requested_at: Mapped[datetime] = mapped_column(nullable=False)
    requested_by: Mapped[str] = mapped_column(String(80), nullable=False)
    #: ``pending``, ``approved`` or ``refused``.
    state: Mapped[str] = mapped_column(String(20), nullable=False, index=True)
    decided_at: Mapped[datetime | None] = mapped_column(nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    decision_note: Mapped[str | None] = mapped_column(Text, nullable=True)

    def __repr__(self) -> str:
        return f"<ExtensionRequest {self.id} case={self.case_id} {self.state}>"
