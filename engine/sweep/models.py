"""The sweep's lease (one sweeper at a time across processes) and its record of cycles (the operations page)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base


class SweepLease(Base):
    """Who may sweep until when: taken atomically by one process, renewed by it each cycle, taken over
    by another only after it expired (its holder died or stopped)."""

    __tablename__ = "sweep_lease"

    #: The lease's name: ``sla-sweep``.
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    #: ``host:pid:…`` of the process holding it, or None when released.
    holder: Mapped[str | None] = mapped_column(String(120), nullable=True)
    expires_at: Mapped[datetime | None] = mapped_column(nullable=True)

    def __repr__(self) -> str:
        return f"<SweepLease {self.name} {self.holder} until {self.expires_at}>"


class SweepRun(Base):
    """One sweep cycle: when, by whom, and what each stage did (kept for a week)."""

    __tablename__ = "sweep_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    holder: Mapped[str] = mapped_column(String(120), nullable=False)
    started_at: Mapped[datetime] = mapped_column(nullable=False, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(nullable=True)
    #: Seconds until the holder's next cycle (None: a one-off run, e.g. ``casegrid flows sweep``).
    interval_seconds: Mapped[int | None] = mapped_column(nullable=True)
    #: JSON: stage name → its counts, or ``{"error": message}`` when the stage raised.
    stages: Mapped[str] = mapped_column(Text, nullable=False, default="{}")

    def __repr__(self) -> str:
        return f"<SweepRun {self.id} {self.holder} {self.started_at}>"
