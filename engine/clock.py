"""Time as a dependency: production reads the system clock, tests move a fixed one."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Protocol, overload


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class OffsetClock:
    """The system clock moved by a fixed offset: a demo that lives some days ahead (``--clock-offset``),
    so its users see deadlines pass and escalate without waiting for them."""

    def __init__(self, offset: timedelta, base: Clock | None = None) -> None:
        self.offset = offset
        self._base = base or SystemClock()

    def now(self) -> datetime:
        return self._base.now() + self.offset


_OFFSET = re.compile(r"^\s*([+-]?)\s*(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?\s*$", re.IGNORECASE)


def parse_offset(text: str) -> timedelta:
    """``3d``, ``+1d12h``, ``-90m``, ``36h`` → a timedelta; ValueError for anything else (or beyond ten years)."""
    match = _OFFSET.match(text or "")
    if match is None or not any(match.group(i) for i in (2, 3, 4)):
        raise ValueError(f"时间偏移 {text!r} 的格式应为 3d、12h、90m 或 1d12h（可带 + 或 -）")
    sign, days, hours, minutes = match.groups()
    offset = timedelta(days=int(days or 0), hours=int(hours or 0), minutes=int(minutes or 0))
    if offset > timedelta(days=3650):
        raise ValueError(f"时间偏移 {text!r} 超过 10 年")
    return -offset if sign == "-" else offset


class FixedClock:
    """A clock that only moves when told to (tests, demo, replay)."""

    def __init__(self, start: datetime) -> None:
        self._now = as_utc(start)

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        self._now = as_utc(when)

    def advance(self, **delta: float) -> datetime:
        self._now = self._now + timedelta(**delta)
        return self._now


def as_utc(value: datetime) -> datetime:
    """Aware UTC datetime; naive values are taken to be UTC already (that is how the DB stores them)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


@overload
def to_db(value: datetime) -> datetime: ...


@overload
def to_db(value: None) -> None: ...


def to_db(value: datetime | None) -> datetime | None:
    """Naive UTC for storage: SQLite has no time zones, and both databases then agree byte for byte."""
    if value is None:
        return None
    return as_utc(value).replace(tzinfo=None)
