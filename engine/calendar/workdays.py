"""Working-day arithmetic on the official Chinese calendar.

Case deadlines in casegrid are expressed in *working days* (工作日): a department must accept
an assignment "within 1 working day", be on site "within 3 working days", and so on
(DESIGN.md 2.1 step 3). Working days in China are not simply Monday to Friday: statutory
holidays fall on weekdays, and the State Council moves working days onto weekends
(调休 make-up workdays) around them. The ``chinesecalendar`` package ships that official
schedule, but only for the years it knows (2004..2026 in 1.11) and raises
``NotImplementedError`` for any other year. The next year's schedule is published only in
November or December, so a deadline computed late in the year can cross into a year the
package does not know yet; that must never crash a task completion.

``WorkCalendar`` therefore answers in three layers, most authoritative first:

1. an admin-entered :class:`DayOverride` for that day (the official schedule for a year the
   package does not know yet, or a correction);
2. ``chinese_calendar`` when it covers the year;
3. a provisional fallback: Monday to Friday are working days.

Answers from layer 3 are *provisional* (:meth:`WorkCalendar.is_provisional`) so that the UI
can mark such deadlines and an admin knows to enter the official days.

All deadlines are anchored to China local time (Asia/Shanghai): "the end of the n-th working
day" means 23:59:59.999999 in Beijing, whatever timezone the caller's timestamps carry.
Results are returned as aware UTC datetimes, the form the rest of the system stores.

This module is pure logic: no database, web framework or workflow engine imports. The caller
loads the overrides (for example from an admin table) and builds a ``WorkCalendar``.
"""

from __future__ import annotations

import hashlib

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import chinese_calendar

__all__ = [
    "CHINA_TZ",
    "MAX_WORKDAYS",
    "DayOverride",
    "WorkCalendar",
    "china_date",
]

#: Deadlines and "which day is it" are decided in Beijing time, not in UTC or server time.
CHINA_TZ = ZoneInfo("Asia/Shanghai")

#: Upper bound for ``add_workdays``: about 14 years of working days. Real deadlines are days
#: or weeks; anything larger is a bug (or hostile input) and must not spin a loop.
MAX_WORKDAYS = 3650


def _check_date(day: object, what: str = "day") -> date:
    """Reject ``datetime`` where a calendar ``date`` is meant.

    ``datetime`` is a subclass of ``date`` but never compares equal to one, so a datetime
    would silently miss every override; and which *local* date a datetime falls on depends on
    its timezone, a decision the caller must make explicitly (see :func:`china_date`).
    """
    if isinstance(day, datetime) or not isinstance(day, date):
        raise TypeError(f"{what} must be a datetime.date (not {type(day).__name__}); "
                        "use china_date() to turn a datetime into a China local date")
    return day


def china_date(moment: datetime) -> date:
    """The calendar date of ``moment`` in China (Asia/Shanghai).

    A naive ``moment`` is taken to be UTC: the system stores UTC timestamps, and guessing the
    server's local zone would make deadlines depend on where the code runs.
    """
    if not isinstance(moment, datetime):
        raise TypeError(f"moment must be a datetime.datetime, not {type(moment).__name__}")
    if moment.tzinfo is None or moment.tzinfo.utcoffset(moment) is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(CHINA_TZ).date()


@dataclass(frozen=True)
class DayOverride:
    """One official day an admin entered, overriding the package and the weekend fallback.

    Used for a year the package does not know yet: the admin copies the State Council notice
    (holidays with ``is_workday=False``, make-up weekend workdays with ``is_workday=True``).
    Entering any day of a year marks the whole year as official (no longer provisional), so
    only the days that differ from the plain Monday–Friday week need to be entered.
    """

    day: date
    is_workday: bool
    note: str = ""

    def __post_init__(self) -> None:
        _check_date(self.day, "DayOverride.day")
        if not isinstance(self.is_workday, bool):
            raise TypeError("DayOverride.is_workday must be a bool")


@dataclass(frozen=True)
class _Year:
    """Precomputed answers for one year: answering per day costs ~18 µs in the package."""

    workdays: frozenset[date]
    #: Ordinals of the working days, ascending, for bisect-based counting and stepping.
    ordinals: tuple[int, ...]
    provisional: bool


class WorkCalendar:
    """The official Chinese working-day calendar, with admin overrides and a safe fallback.

    Instances are immutable after construction (the overrides are fixed), which is what makes
    the per-year cache safe. When an admin edits the overrides, build a new instance.
    """

    def __init__(self, overrides: Iterable[DayOverride] = ()) -> None:
        """Index the overrides by day.

        Two overrides for the same day that disagree are rejected (ValueError): silently
        picking one would make deadlines depend on row order. Exact duplicates are accepted.
        """
        by_day: dict[date, DayOverride] = {}
        for override in overrides:
            if not isinstance(override, DayOverride):
                raise TypeError(f"expected DayOverride, got {type(override).__name__}")
            previous = by_day.get(override.day)
            if previous is not None and previous.is_workday != override.is_workday:
                raise ValueError(f"conflicting overrides for {override.day.isoformat()}")
            by_day[override.day] = override
        self._overrides: dict[date, DayOverride] = by_day
        #: What the overrides say, as one digest: engine events record it, replay compares (None: no overrides).
        self.overrides_digest: str | None = hashlib.sha256(",".join(
            f"{d.isoformat()}:{int(o.is_workday)}" for d, o in sorted(by_day.items())).encode()).hexdigest() \
            if by_day else None
        self._override_years: frozenset[int] = frozenset(d.year for d in by_day)
        self._years: dict[int, _Year] = {}

    # -- single days ---------------------------------------------------------------------

    def is_workday(self, day: date) -> bool:
        """Whether ``day`` (a China local date) is a working day.

        Order: an override for that day; else the package when it covers the year; else
        Monday–Friday. Never raises the package's ``NotImplementedError``.
        """
        _check_date(day)
        return day in self._year(day.year).workdays

    def is_provisional(self, day: date) -> bool:
        """Whether the answer for ``day`` is only the weekend fallback.

        True when the package does not cover the year and no override exists for any day of
        that year: an admin who entered the official days for a year made the whole year
        official, including the ordinary weekdays and weekends they did not need to enter.
        """
        _check_date(day)
        return self._year(day.year).provisional

    def end_of_day(self, day: date) -> datetime:
        """The last instant (23:59:59.999999) of ``day`` in China time, as an aware UTC datetime."""
        _check_date(day)
        return datetime.combine(day, time.max, tzinfo=CHINA_TZ).astimezone(timezone.utc)

    # -- spans ---------------------------------------------------------------------------

    def add_workdays(self, start: datetime, n: int) -> datetime:
        """The deadline "within ``n`` working days" counted from ``start``.

        That is the end (23:59:59.999999 China time) of the n-th working day *after* the
        China local date of ``start``; the start day itself never counts, whether or not it is
        a working day and whatever the hour. ``start`` may be in any timezone; naive is UTC.
        Returned in UTC. ``n`` must be in 1..MAX_WORKDAYS (ValueError otherwise).
        """
        if isinstance(n, bool) or not isinstance(n, int):
            raise TypeError(f"n must be an int, not {type(n).__name__}")
        if not 1 <= n <= MAX_WORKDAYS:
            raise ValueError(f"n must be between 1 and {MAX_WORKDAYS}, got {n}")
        after = china_date(start)
        remaining = n
        year = after.year
        ordinal = after.toordinal()
        # Each iteration consumes one calendar year; n <= 3650 and every fallback year has
        # ~260 working days, so this ends within a handful of years.
        while True:
            ordinals = self._year(year).ordinals
            index = bisect_right(ordinals, ordinal)  # first working day strictly after `ordinal`
            available = len(ordinals) - index
            if remaining <= available:
                return self.end_of_day(date.fromordinal(ordinals[index + remaining - 1]))
            remaining -= available
            year += 1

    def workdays_between(self, start: datetime, end: datetime) -> int:
        """The number of working days d with ``china_date(start) < d <= china_date(end)``.

        Used for handling time and "overdue by N working days": a task finished on the day it
        was assigned took 0 working days; one finished the next working day took 1.
        Returns 0 when ``end`` is not after ``start`` (never negative).
        """
        first, last = china_date(start), china_date(end)
        if last <= first:
            return 0
        total = 0
        lo, hi = first.toordinal(), last.toordinal()
        for year in range(first.year, last.year + 1):
            ordinals = self._year(year).ordinals
            total += bisect_right(ordinals, hi) - bisect_right(ordinals, lo)
        return total

    # -- per-year cache ------------------------------------------------------------------

    def _year(self, year: int) -> _Year:
        """Compute (once per instance) the working days of ``year`` from the three layers."""
        cached = self._years.get(year)
        if cached is not None:
            return cached
        covered = _package_covers(year)
        workdays: set[date] = set()
        day = date(year, 1, 1)
        one = timedelta(days=1)
        while day.year == year:
            override = self._overrides.get(day)
            if override is not None:
                working = override.is_workday
            elif covered:
                working = chinese_calendar.is_workday(day)
            else:
                working = day.weekday() < 5
            if working:
                workdays.add(day)
            if day == date.max:
                break
            day += one
        computed = _Year(
            workdays=frozenset(workdays),
            ordinals=tuple(sorted(d.toordinal() for d in workdays)),
            provisional=not covered and year not in self._override_years,
        )
        self._years[year] = computed
        return computed


def _package_covers(year: int) -> bool:
    """Whether ``chinese_calendar`` has the official schedule for ``year``.

    Asked of the package itself (it raises ``NotImplementedError`` outside its range) rather
    than hard-coding 2004..2026, so upgrading the package extends coverage automatically.
    """
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True
