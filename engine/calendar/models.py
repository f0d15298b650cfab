"""Official working days entered by an admin for years the package does not cover.

Rows are only ever added: a correction is a newer row for the same day. Replay
builds the calendar as it was at each event's time (rows entered up to then),
so entering next year's schedule never changes how an old step replays.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base


class CalendarDay(Base):
    __tablename__ = "calendar_day"
    __table_args__ = (Index("ix_calendar_day_day_entered", "day", "entered_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(nullable=False)
    is_workday: Mapped[bool] = mapped_column(nullable=False)
    note: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    entered_by: Mapped[str] = mapped_column(String(80), nullable=False)
    entered_at: Mapped[datetime] = mapped_column(nullable=False)

    def __repr__(self) -> str:
        return f"<CalendarDay {self.day} {'workday' if self.is_workday else 'holiday'}>"
