"""Assessment periods as people write them: ``2026-W44`` (ISO week), ``2026-10`` (month), ``2026Q3``, ``2026``
(year: 年度评估) and ``2024-2026`` (three years: 三年总评, cycles counted from :data:`TRIENNIAL_FROM`).

Every period starts and ends at midnight in China (Asia/Shanghai), whatever the server's zone:
a case closed at 01:00 Beijing time on 1 July belongs to the third quarter although it is
still 30 June in UTC. Bounds are aware UTC datetimes; the start is inclusive, the end exclusive.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from engine.calendar import CHINA_TZ, china_date
from engine.errors import ValidationError

KINDS = ("weekly", "monthly", "quarterly", "annual", "triennial")
#: The first year of a three-year cycle (季度监测、年度评估、三年总评): 2024–2026, 2027–2029 …
TRIENNIAL_FROM = 2024

_PATTERNS = {
    "weekly": re.compile(r"^(\d{4})-?[Ww](\d{1,2})$"),
    "monthly": re.compile(r"^(\d{4})-(\d{1,2})$"),
    "quarterly": re.compile(r"^(\d{4})-?[Qq]([1-4])$"),
    "annual": re.compile(r"^(\d{4})()$"),
    "triennial": re.compile(r"^(\d{4})-(\d{4})$"),
}
EXAMPLES = {"weekly": "2026-W44", "monthly": "2026-10", "quarterly": "2026Q3", "annual": "2026",
            "triennial": "2024-2026"}


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=CHINA_TZ).astimezone(UTC)


@dataclass(frozen=True)
class Period:
    kind: str
    #: Canonical label: ``2026-W44``, ``2026-10``, ``2026Q3``.
    label: str
    first_day: date
    #: The day after the last day of the period.
    end_day: date

    @property
    def start(self) -> datetime:
        return _midnight(self.first_day)

    @property
    def end(self) -> datetime:
        return _midnight(self.end_day)

    def previous(self) -> Period:
        return period_containing(self.kind, self.first_day - timedelta(days=1))

    def following(self) -> Period:
        return period_containing(self.kind, self.end_day)

    def contains(self, moment: datetime) -> bool:
        return self.first_day <= china_date(moment) < self.end_day

    def __str__(self) -> str:
        return self.label


def period_containing(kind: str, day: date) -> Period:
    """The ``kind`` period that contains the China local date ``day``."""
    if kind == "weekly":
        year, week, weekday = day.isocalendar()
        first = day - timedelta(days=weekday - 1)
        return Period(kind, f"{year}-W{week:02d}", first, first + timedelta(days=7))
    if kind == "monthly":
        first = day.replace(day=1)
        following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        return Period(kind, f"{first.year}-{first.month:02d}", first, following)
    if kind == "quarterly":
        quarter = (day.month - 1) // 3 + 1
        first = date(day.year, quarter * 3 - 2, 1)
        following = date(day.year + 1, 1, 1) if quarter == 4 else date(day.year, quarter * 3 + 1, 1)
        return Period(kind, f"{day.year}Q{quarter}", first, following)
    if kind == "annual":
        return Period(kind, str(day.year), date(day.year, 1, 1), date(day.year + 1, 1, 1))
    if kind == "triennial":
        first_year = day.year - (day.year - TRIENNIAL_FROM) % 3
        return Period(kind, f"{first_year}-{first_year + 2}", date(first_year, 1, 1), date(first_year + 3, 1, 1))
    raise ValidationError("评估类型有误", {"kind": f"应为 {', '.join(KINDS)}"})


def parse_period(kind: str, text: str) -> Period:
    """``text`` as a ``kind`` period; :class:`ValidationError` with an example when it is not one."""
    if kind not in KINDS:
        raise ValidationError("评估类型有误", {"kind": f"应为 {', '.join(KINDS)}"})
    match = _PATTERNS[kind].match((text or "").strip())
    problem = {"period": f"{kind} 评估期应写作 {EXAMPLES[kind]}，收到 {text!r}"}
    if match is None:
        raise ValidationError("评估期格式有误", problem)
    year, number = int(match[1]), int(match[2] or 0)
    if kind == "triennial" and (number != year + 2 or (year - TRIENNIAL_FROM) % 3):
        raise ValidationError("评估期不存在", {"period": (
            f"三年总评按 {TRIENNIAL_FROM}–{TRIENNIAL_FROM + 2} 起每三年一期，如 {EXAMPLES[kind]}，收到 {text!r}")})
    try:
        if kind in ("annual", "triennial"):
            first = date(year, 1, 1)
        elif kind == "weekly":
            first = date.fromisocalendar(year, number, 1)
        elif kind == "monthly":
            first = date(year, number, 1)
        else:
            first = date(year, number * 3 - 2, 1)
    except ValueError:
        raise ValidationError("评估期不存在", problem) from None
    return period_containing(kind, first)


def current_period(kind: str, now: datetime) -> Period:
    """The period running at ``now`` (China time)."""
    return period_containing(kind, china_date(now))


def default_period(kind: str, now: datetime) -> Period:
    """What a scheduled run assesses: this week's backlog, the month or quarter that just ended."""
    current = current_period(kind, now)
    return current if kind == "weekly" else current.previous()
