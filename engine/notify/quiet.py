"""Quiet hours: a non-urgent external message found inside a person's quiet hours waits for their end."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

from engine.calendar.workdays import CHINA_TZ
from engine.clock import as_utc


def is_quiet(minute: int, start: int | None, end: int | None) -> bool:
    """Whether ``minute`` (after local midnight) lies in [start, end), which may wrap past midnight."""
    if start is None or end is None or start == end:
        return False
    if start < end:
        return start <= minute < end
    return minute >= start or minute < end


def release_time(at: datetime, start: int | None, end: int | None) -> datetime:
    """``at`` itself, or the end of the quiet hours it falls in (UTC)."""
    local = as_utc(at).astimezone(CHINA_TZ)
    minute = local.hour * 60 + local.minute
    if end is None or not is_quiet(minute, start, end):
        return at
    ends = datetime.combine(local.date(), time(end // 60, end % 60), tzinfo=CHINA_TZ)
    if ends <= local:
        ends += timedelta(days=1)
    return ends.astimezone(timezone.utc)


def parse_hhmm(text: str) -> int:
    """``"22:30"`` → 1350; raises ValueError for anything else."""
    hours, _, minutes = text.strip().partition(":")
    value = int(hours) * 60 + int(minutes)
    if not (0 <= int(hours) < 24 and 0 <= int(minutes) < 60 and len(minutes) == 2):
        raise ValueError(text)
    return value


def format_hhmm(minute: int | None) -> str:
    return "" if minute is None else f"{minute // 60:02d}:{minute % 60:02d}"
