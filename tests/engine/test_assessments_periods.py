"""Assessment periods in Beijing time, and the percentile the SQLite path computes from a histogram."""
from __future__ import annotations

import random
import statistics
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest

from engine.assessments.figures import percentile
from engine.assessments.indicators import INDICATORS
from engine.assessments.periods import current_period, default_period, parse_period
from engine.errors import ValidationError


@pytest.mark.parametrize(("kind", "text", "label", "first", "end"), [
    ("quarterly", "2026Q3", "2026Q3", date(2026, 7, 1), date(2026, 10, 1)),
    ("quarterly", "2026-q4", "2026Q4", date(2026, 10, 1), date(2027, 1, 1)),
    ("monthly", "2026-10", "2026-10", date(2026, 10, 1), date(2026, 11, 1)),
    ("monthly", "2026-12", "2026-12", date(2026, 12, 1), date(2027, 1, 1)),
    ("weekly", "2026-W44", "2026-W44", date(2026, 10, 26), date(2026, 11, 2)),
    ("weekly", "2026w1", "2026-W01", date(2025, 12, 29), date(2026, 1, 5)),
])
def test_periods_parse_to_beijing_midnights(kind: str, text: str, label: str, first: date, end: date) -> None:
    period = parse_period(kind, text)
    assert (period.label, period.first_day, period.end_day) == (label, first, end)
    # Midnight in Beijing is 16:00 UTC the day before.
    assert period.start == datetime(first.year, first.month, first.day, tzinfo=UTC) - timedelta(hours=8)
    assert period.end == datetime(end.year, end.month, end.day, tzinfo=UTC) - timedelta(hours=8)
    assert period.following().previous() == period


@pytest.mark.parametrize(("kind", "text"), [("quarterly", "2026Q5"), ("monthly", "2026-13"), ("weekly", "2026-W54"),
                                           ("quarterly", "2026-10"), ("monthly", "last month"), ("daily", "2026")])
def test_bad_periods_are_refused_with_an_example(kind: str, text: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_period(kind, text)
    assert caught.value.field_errors


def test_the_period_running_and_the_one_a_schedule_assesses() -> None:
    # 30 June 16:30 UTC is already 1 July in Beijing.
    moment = datetime(2026, 6, 30, 16, 30, tzinfo=UTC)
    assert current_period("quarterly", moment).label == "2026Q3"
    assert default_period("quarterly", moment).label == "2026Q2"
    assert default_period("monthly", moment).label == "2026-06"
    assert default_period("weekly", moment).label == "2026-W27"


@pytest.mark.parametrize("seed", range(20))
def test_histogram_percentiles_interpolate_like_percentile_cont(seed: int) -> None:
    rng = random.Random(seed)
    values = [rng.choice([0, 0, 1, 1, 2, 3, 5, 8, 13, 40]) for _ in range(rng.randint(1, 60))]
    histogram = Counter(float(v) for v in values)
    if len(values) == 1:
        expected = {0.5: values[0], 0.9: values[0]}
    else:
        deciles = statistics.quantiles(values, n=10, method="inclusive")
        expected = {0.5: statistics.median(values), 0.9: deciles[8]}
    for p, value in expected.items():
        assert percentile(histogram, p) == pytest.approx(value)
    assert percentile(Counter(), 0.5) is None


def test_rates_meet_a_target_exactly_without_float_rounding() -> None:
    resolution = INDICATORS["resolution_rate"]
    assert resolution.meets(0.9, 9, 10) is True
    assert resolution.meets(899 / 1000, 899, 1000) is False
    assert resolution.meets(None, 0, 0) is None
    assert INDICATORS["onsite_resolution"].meets(0.95, 19, 20) is True
    assert INDICATORS["overdue_items"].meets(0.0, None, None) is True
    assert INDICATORS["overdue_items"].meets(1.0, None, None) is False
