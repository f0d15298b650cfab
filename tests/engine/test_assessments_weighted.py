"""Weighted appraisal (综合考评, issue 22): indicator weights per scheme (满意度 60 %), an overall score out of 100
and a rank per department and community in the quarterly run, and annual (年度评估) and three-year (三年总评)
runs beside it, stored and exported like the others."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from engine.assessments.export import to_csv
from engine.assessments.indicators import INDICATORS, WEIGHTED_SCORE
from engine.assessments.periods import default_period, parse_period
from engine.assessments.service import AssessmentService
from engine.assessments.weights import DEMO_SCHEME, configured_scheme, parse_scheme
from engine.clock import FixedClock
from engine.db import Database
from engine.demo import scenarios as sc
from engine.demo.driver import Driver
from engine.errors import ValidationError


def _expected(parts: dict[str, float], weights: dict[str, int]) -> float:
    def earned(key: str) -> float:
        return 1 - parts[key] if INDICATORS[key].better == "lower" else parts[key]
    return round(100 * sum(weights[k] * earned(k) for k in parts) / sum(weights[k] for k in parts), 1)


@pytest.fixture
def handled(driver: Driver) -> None:
    """Issues in two communities, satisfied and not, in the first quarter of 2026."""
    sc.resolved_on_the_spot(driver)
    sc.dispatched_directly_and_satisfied(driver)
    sc.adopted_assigned_and_satisfied(driver)
    case = driver.report("楼下烧烤油烟", "环境卫生", grid_code="HP-01")
    driver.do(case, "triage", triage_decision="on_spot", triage_note="已劝离")
    driver.later(hours=3)
    driver.do(case, "rate", rating="dissatisfied", rating_comment="还在烧")


def test_the_quarter_scores_each_unit_over_the_weighted_indicators_it_has_data_for_and_ranks_them(
        handled: None, db: Database, clock: FixedClock) -> None:
    clock.set(datetime(2026, 4, 2, 2, tzinfo=UTC))
    figures = AssessmentService(db, clock).compute(parse_period("quarterly", "2026Q1")).figures
    scored = [f for f in figures if f.indicator == WEIGHTED_SCORE]
    assert {f.unit_type for f in scored} == {"department", "community"}
    weights = dict(DEMO_SCHEME.weights)
    for f in scored:
        values = {g.indicator: g.value for g in figures if (g.unit_type, g.unit_code) == (f.unit_type, f.unit_code)
                  and g.indicator in weights and g.value is not None}
        assert f.detail["parts"] == {k: round(v, 4) for k, v in values.items()}
        assert f.detail["weights"] == {k: weights[k] for k in values}
        assert f.value == _expected(values, weights)
    communities = sorted((f for f in scored if f.unit_type == "community"), key=lambda f: f.detail["rank"])
    assert [f.detail["rank"] for f in communities] == list(range(1, len(communities) + 1))
    assert [f.value for f in communities] == sorted((f.value for f in communities), reverse=True)


def test_another_scheme_weighs_differently(handled: None, db: Database, clock: FixedClock) -> None:
    clock.set(datetime(2026, 4, 2, 2, tzinfo=UTC))
    only_satisfaction = parse_scheme("satisfaction_rate=100")
    figures = AssessmentService(db, clock, weights=only_satisfaction).compute(
        parse_period("quarterly", "2026Q1")).figures
    satisfaction = {(f.unit_type, f.unit_code): f.value for f in figures if f.indicator == "satisfaction_rate"}
    for f in figures:
        if f.indicator == WEIGHTED_SCORE:
            assert f.value == round(100 * satisfaction[(f.unit_type, f.unit_code)], 1)


def test_annual_and_three_year_runs_are_stored_and_exported_with_the_weighted_score(
        handled: None, db: Database, clock: FixedClock) -> None:
    clock.set(datetime(2027, 1, 5, 2, tzinfo=UTC))
    service = AssessmentService(db, clock)
    quarter = service.report(service.assess("quarterly", "2026Q1"))
    year = service.report(service.assess("annual"))  # the year that just ended
    assert (year.run.kind, year.run.period) == ("annual", "2026")
    # The year holds the quarter's cases: the same numerators and denominators where nothing else happened.
    q = {(r.unit_type, r.unit_code, r.indicator): (r.numerator, r.denominator) for r in quarter.results}
    y = {(r.unit_type, r.unit_code, r.indicator): (r.numerator, r.denominator) for r in year.results}
    assert y[("street", "all", "satisfaction_rate")] == q[("street", "all", "satisfaction_rate")]
    assert WEIGHTED_SCORE in year.indicators()
    assert not any(r.flagged for r in year.results)  # the two-period warning is the quarter's
    text = to_csv(year).decode("utf-8-sig")
    assert "年度评估" in text and "综合考评得分" in text and "满意率" in text and "权重 60%" in text
    cycle = service.report(service.assess("triennial", "2024-2026"))
    assert (cycle.run.kind, cycle.run.period) == ("triennial", "2024-2026")
    assert "三年总评" in to_csv(cycle).decode("utf-8-sig")


def test_periods_of_a_year_and_of_three_years() -> None:
    assert parse_period("annual", "2026").label == "2026"
    cycle = parse_period("triennial", "2024-2026")
    assert (cycle.first_day.isoformat(), cycle.end_day.isoformat()) == ("2024-01-01", "2027-01-01")
    assert cycle.previous().label == "2021-2023" and cycle.following().label == "2027-2029"
    for kind, text in (("triennial", "2025-2027"), ("triennial", "2024-2025"), ("annual", "26"), ("annual", "2026Q1")):
        with pytest.raises(ValidationError):
            parse_period(kind, text)
    now = datetime(2027, 3, 1, tzinfo=UTC)
    assert default_period("annual", now).label == "2026"
    assert default_period("triennial", now).label == "2024-2026"


@pytest.mark.parametrize("text", ["satisfaction_rate=60", "satisfaction_rate=60,nope=40", "satisfaction_rate=x",
                                  "satisfaction_rate=50,satisfaction_rate=50", "volume=100", "weighted_score=100", ""])
def test_a_weight_scheme_that_is_not_whole_rates_adding_up_to_100_is_refused(text: str) -> None:
    with pytest.raises(ValidationError):
        parse_scheme(text)


def test_the_configured_scheme_comes_from_the_environment_or_is_the_demos() -> None:
    assert configured_scheme({}) is DEMO_SCHEME
    assert configured_scheme({"CASEGRID_ASSESSMENT_WEIGHTS": "satisfaction_rate=70,resolution_rate=30"}).weights == (
        ("satisfaction_rate", 70), ("resolution_rate", 30))
