"""Computed figures before they are scored and stored, and the arithmetic they share."""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from engine.assessments.indicators import COMMUNITY, DEPARTMENT, STREET

#: The code of the one ``street`` unit (the whole street office).
ALL = "all"

UnitKey = tuple[str, str]


@dataclass
class Figure:
    """One unit's value of one indicator, as computed (no target, status or trend yet)."""

    unit_type: str
    unit_code: str
    unit_name: str
    indicator: str
    value: float | None
    numerator: int | None = None
    denominator: int | None = None
    detail: Any = None

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.unit_type, self.unit_code, self.indicator)


@dataclass
class Tally:
    """Counts per unit, rolled up from (department, community) cells the database grouped by.

    Rates and histograms add up across cells, so one GROUP BY over both columns yields the
    department, community and street-wide figures without a second pass over the cases.
    """

    #: The unit type of a cell's second key: communities (quarterly) or grids (weekly dispatch).
    second: str = COMMUNITY
    counts: dict[UnitKey, Counter[str]] = field(default_factory=dict)
    histograms: dict[UnitKey, Counter[float]] = field(default_factory=dict)

    def add(self, department: str | None, other: str | None, **measures: int) -> None:
        for unit in units_of(department, other, self.second):
            self.counts.setdefault(unit, Counter()).update(
                {name: int(value or 0) for name, value in measures.items()})

    def add_histogram(self, department: str | None, other: str | None, value: float, count: int) -> None:
        for unit in units_of(department, other, self.second):
            self.histograms.setdefault(unit, Counter())[value] += int(count)

    def units(self) -> set[UnitKey]:
        return set(self.counts) | set(self.histograms)

    def get(self, unit: UnitKey, name: str) -> int:
        return self.counts.get(unit, Counter())[name]


def units_of(department: str | None, other: str | None, second: str = COMMUNITY) -> Iterator[UnitKey]:
    """The units a (department, community or grid) cell belongs to: the street, and each key that is set."""
    yield (STREET, ALL)
    if department:
        yield (DEPARTMENT, department)
    if other:
        yield (second, other)


def rate(numerator: int, denominator: int) -> tuple[float | None, int, int]:
    """(value, numerator, denominator); value None when there is nothing to measure (shown as n/a)."""
    return (numerator / denominator if denominator else None), numerator, denominator


def percentile(histogram: Counter[float], p: float) -> float | None:
    """The ``p`` quantile of the values a histogram counts, interpolated like PostgreSQL ``percentile_cont``.

    Position ``(n - 1) * p`` in the sorted values; between two values, linear interpolation.
    """
    n = sum(histogram.values())
    if n == 0:
        return None
    position = (n - 1) * p
    lower_index = math.floor(position)
    fraction = position - lower_index
    lower = upper = None
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if lower is None and seen > lower_index:
            lower = value
        if seen > lower_index + 1 or (fraction == 0 and lower is not None):
            upper = value
            break
    if upper is None:
        upper = lower
    assert lower is not None and upper is not None
    return float(lower + (upper - lower) * fraction)


def percentile_of(values: Iterable[float], p: float) -> float | None:
    """:func:`percentile` of plain values (for references and small inputs)."""
    return percentile(Counter(values), p)
