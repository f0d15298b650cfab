"""Time as a dependency: production reads the system clock, tests move a fixed one."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Protocol, overload


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)


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
