"""The working calendar as of a moment: the package plus the overrides entered up to then."""
from __future__ import annotations

from datetime import date, datetime
from threading import Lock

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.calendar.models import CalendarDay
from engine.calendar.workdays import DayOverride, WorkCalendar
from engine.clock import to_db

#: Calendars by the exact override rows they were built from (the table holds a few dozen rows a year).
_calendars: dict[tuple[tuple[date, bool, str], ...], WorkCalendar] = {}
_lock = Lock()


def load_calendar(session: Session, as_of: datetime) -> WorkCalendar:
    """The calendar a step at ``as_of`` uses: the latest entry per day entered by then wins."""
    rows = session.execute(
        select(CalendarDay.day, CalendarDay.is_workday, CalendarDay.note)
        .where(CalendarDay.entered_at <= to_db(as_of))
        .order_by(CalendarDay.entered_at, CalendarDay.id)
    ).all()
    latest = {day: (day, is_workday, note) for day, is_workday, note in rows}
    key = tuple(sorted(latest.values()))
    with _lock:
        calendar = _calendars.get(key)
        if calendar is None:
            calendar = _calendars[key] = WorkCalendar(DayOverride(*entry) for entry in key)
    return calendar


def enter_days(session: Session, days: list[tuple[date, bool, str]], *, by: str, at: datetime) -> None:
    """Record official days (an admin typing in the State Council's schedule for a new year)."""
    for day, is_workday, note in days:
        session.add(CalendarDay(day=day, is_workday=is_workday, note=note, entered_by=by, entered_at=to_db(at)))
    session.flush()
