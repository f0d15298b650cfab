"""The quarterly assessment (季评估) against an independent computation over a generated street office.

The reference below is plain Python over the rows the dataset wrote, with its own working-day
count (``chinese_calendar`` directly) and its own percentiles (``statistics``): nothing is shared
with ``engine.assessments`` but the dataset.
"""
from __future__ import annotations

import random
import statistics
from datetime import date, datetime, timedelta

import chinese_calendar
import pytest

from engine.assessments import AssessmentService
from engine.assessments.indicators import WEIGHTED_SCORE
from engine.assessments.periods import parse_period
from engine.calendar import WorkCalendar
from engine.clock import FixedClock
from engine.db import Database
from engine.people.operations import ensure_grid
from tests.fixtures.assessments import BEIJING, Dataset, cst, random_cases

NOW = cst(2026, 10, 20, 10)
Q2, Q3 = parse_period("quarterly", "2026Q2"), parse_period("quarterly", "2026Q3")
SATISFIED = ("satisfied", "basically")
FORMS = {"acceptance": "accept_on_time", "on_site": "onsite_on_time", "completion": "complete_on_time"}


# -- the reference ------------------------------------------------------------------------------------


def _day(moment: datetime) -> date:
    return moment.astimezone(BEIJING).date()


def _workdays(start: datetime, end: datetime) -> int:
    first, last = _day(start), _day(end)
    return sum(chinese_calendar.is_workday(first + timedelta(days=k)) for k in range(1, (last - first).days + 1))


def _quantile(values: list[int], p: float) -> float:
    if len(values) == 1:
        return float(values[0])
    return statistics.quantiles(values, n=100, method="inclusive")[round(p * 100) - 1]


def reference(ds: Dataset, start: datetime, end: datetime, now: datetime) -> dict[tuple[str, str, str], tuple]:
    """(unit type, unit, indicator) → (value, numerator, denominator) for every unit with anything to show."""
    cutoff = min(end, now)
    members = {}  # unit → predicate on a case
    for c in ds.cases:
        members[("street", "all")] = lambda case: True
        if c.department_code:
            members[("department", c.department_code)] = lambda case, d=c.department_code: case.department_code == d
        if c.community:
            members[("community", c.community)] = lambda case, m=c.community: case.community == m
    for i in ds.items:
        if i.department_code:
            members.setdefault(("department", i.department_code),
                               lambda case, d=i.department_code: case.department_code == d)
    by_id = {c.id: c for c in ds.cases}
    expected = {}

    def rate(num: int, den: int) -> tuple:
        return (num / den if den else None, num, den)

    for unit, belongs in members.items():
        kind, code = unit
        opened = [c for c in ds.cases if belongs(c) and start <= c.opened_at < cutoff]
        ok = due = 0
        for c in opened:
            done = [i.finished_at for i in ds.items_of(c) if i.state == "completed"]
            first = min(done) if done else None
            ok += first is not None and first - c.opened_at <= timedelta(hours=24)
            due += first is not None or c.opened_at <= now - timedelta(hours=24)
        figures = {"volume": (float(len(opened)), None, None)}
        if kind != "department":
            figures["first_response"] = rate(ok, due)
        for form_key, indicator in FORMS.items():
            faced = [i for i in ds.items if i.form_key == form_key and i.role == "department"
                     and i.due_at and start <= i.due_at < cutoff
                     and not (i.state == "cancelled" and i.finished_at < i.due_at)
                     and (i.department_code == code if kind == "department" else belongs(by_id[i.case_id]))]
            met = [i for i in faced if i.state == "completed" and i.finished_at <= i.due_at]
            figures[indicator] = rate(len(met), len(faced))
        closed = [c for c in ds.cases if belongs(c) and c.closed_at and start <= c.closed_at < cutoff
                  and c.outcome != "merged"]
        durations = sorted(_workdays(c.opened_at, c.closed_at) for c in closed)
        figures["handling_median"] = (_quantile(durations, 0.5) if durations else None, None, len(closed))
        figures["handling_p90"] = (_quantile(durations, 0.9) if durations else None, None, len(closed))
        figures["resolution_rate"] = rate(sum(c.outcome == "resolved" for c in closed), len(closed))
        dissatisfied = {r.case_id for r in ds.ratings if r.value == "dissatisfied"}
        figures["reopen_rate"] = rate(sum(c.id in dissatisfied for c in closed), len(closed))
        mediation = [c for c in closed if c.process_key == "mediation"]
        figures["mediation_success"] = rate(sum(c.outcome == "resolved" for c in mediation), len(mediation))
        disputes = [c for c in closed if c.process_key == "mediation" or c.category == "邻里纠纷"]
        figures["onsite_resolution"] = rate(sum(c.outcome == "resolved" for c in disputes), len(disputes))
        ratings = [r for r in ds.ratings if start <= r.rated_at < cutoff and belongs(by_id[r.case_id])]
        given = [r for r in ratings if not r.is_default]
        figures["satisfaction_rate"] = rate(sum(r.value in SATISFIED for r in given), len(given))
        figures["default_rating_share"] = rate(sum(r.is_default for r in ratings), len(ratings))
        for indicator, value in figures.items():
            expected[(kind, code, indicator)] = value
    return expected


# -- the data -----------------------------------------------------------------------------------------


def boundary_cases(ds: Dataset, calendar: WorkCalendar) -> dict[str, object]:
    """The cases the issue names, each with a known answer."""
    named: dict[str, object] = {}
    # Exactly on target, in a community of its own: 9 of 10 resolved, 9 of 10 satisfied = 90 %.
    for k in range(10):
        case = ds.case(cst(2026, 7, 6 + k, 9), grid="ET-01", community="恰好社区", category="其他")
        ds.item(case, "triage", created=case.opened_at, finished=case.opened_at + timedelta(hours=1))
        ds.close(case, case.opened_at + timedelta(days=2), "resolved" if k else "rejected")
        ds.rate(case, "satisfied" if k else "dissatisfied", case.opened_at + timedelta(days=2))
    # Crossing the quarter boundary in Beijing time: closed 00:30 on 1 July (still 30 June in UTC) → Q3;
    # closed 23:59:59.999999 on 30 June → Q2.
    edge = {"grid": "BD-01", "community": "边界社区"}
    named["into_q3"] = ds.close(ds.case(cst(2026, 6, 29, 10), **edge), cst(2026, 7, 1, 0, 30))
    named["stays_q2"] = ds.close(ds.case(cst(2026, 6, 29, 11), **edge), cst(2026, 6, 30, 23, 59, 59, 999999))
    # A holiday inside a deadline: assigned Thursday 24 September; 25 September (Mid-Autumn) and the
    # weekend are not working days, so "1 working day" ends on Monday 28 September.
    holiday = ds.case(cst(2026, 9, 24, 10), grid="XF-02", department="weijian")
    due = calendar.add_workdays(holiday.opened_at, 1)
    assert _day(due) == date(2026, 9, 28)
    ds.item(holiday, "triage", created=holiday.opened_at, finished=holiday.opened_at + timedelta(hours=1))
    ds.item(holiday, "acceptance", created=holiday.opened_at, due=due, finished=cst(2026, 9, 28, 15),
            department="weijian")
    ds.close(holiday, cst(2026, 9, 28, 16))
    named["holiday"] = holiday
    return named


@pytest.fixture
def street(db: Database) -> tuple[Dataset, dict[str, object]]:
    calendar = WorkCalendar()
    with db.transaction() as s:
        ensure_grid(s, "ET-01", "恰好一网格", "恰好社区")
        ensure_grid(s, "BD-01", "边界一网格", "边界社区")
    ds = Dataset()
    random_cases(ds, random.Random(7), calendar, n=260, start=cst(2026, 3, 20), end=cst(2026, 10, 19), now=NOW)
    named = boundary_cases(ds, calendar)
    ds.write(db)
    return ds, named


def _computed(db: Database, period_label: str) -> dict[tuple[str, str, str], tuple]:
    service = AssessmentService(db, FixedClock(NOW))
    figures = service.compute(service.resolve("quarterly", period_label)).figures
    return {f.key: (f.value, f.numerator, f.denominator) for f in figures}


# -- tests --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("period", [Q2, Q3], ids=["2026Q2", "2026Q3"])
def test_every_indicator_matches_the_reference(db: Database, street, period) -> None:
    ds, _ = street
    computed = _computed(db, period.label)
    expected = reference(ds, period.start, period.end, NOW)
    for key, (value, numerator, denominator) in expected.items():
        got = computed.pop(key, None)
        assert got is not None, f"no figure for {key}"
        assert got[1:] == (numerator, denominator), key
        assert got[0] == pytest.approx(value, abs=1e-9) if value is not None else got[0] is None, (key, got, value)
    # Whatever the reference has no data for must be a unit without cases: nothing to measure. The weighted
    # score is made of the figures checked above (tests/engine/test_assessments_weighted.py checks the sum).
    for key, (value, numerator, denominator) in computed.items():
        assert value in (None, 0.0) or key[2] == WEIGHTED_SCORE, key


def test_the_generated_street_exercises_every_indicator(street) -> None:
    ds, _ = street
    expected = reference(ds, Q3.start, Q3.end, NOW)
    for indicator in ("first_response", "accept_on_time", "onsite_on_time", "complete_on_time", "resolution_rate",
                      "satisfaction_rate", "default_rating_share", "reopen_rate", "mediation_success",
                      "onsite_resolution"):
        _value, numerator, denominator = expected[("street", "all", indicator)]
        assert denominator and 0 < numerator < denominator, indicator  # neither empty nor trivially 0 % / 100 %
    assert expected[("street", "all", "handling_p90")][0] > expected[("street", "all", "handling_median")][0]


def test_exactly_on_target_meets_it(db: Database, street) -> None:
    service = AssessmentService(db, FixedClock(NOW))
    report = service.report(service.assess("quarterly", "2026Q3", triggered_by="test"))
    on_target = {r.indicator: r for r in report.results if r.unit_code == "恰好社区"}
    assert (on_target["resolution_rate"].numerator, on_target["resolution_rate"].denominator) == (9, 10)
    assert on_target["resolution_rate"].status == "met"
    assert (on_target["satisfaction_rate"].numerator, on_target["satisfaction_rate"].denominator) == (9, 10)
    assert on_target["satisfaction_rate"].status == "met"
    assert on_target["reopen_rate"].value == pytest.approx(0.1)


def test_a_unit_without_cases_reads_na_not_zero(db: Database, street) -> None:
    service = AssessmentService(db, FixedClock(NOW))
    report = service.report(service.assess("quarterly", "2026Q3", triggered_by="test"))
    minzheng = {r.indicator: r for r in report.results if r.unit_code == "minzheng"}
    assert minzheng["volume"].value == 0
    for indicator in ("accept_on_time", "resolution_rate", "satisfaction_rate", "mediation_success",
                      "handling_median"):
        assert minzheng[indicator].value is None and minzheng[indicator].status == "na", indicator
    csv = service.csv(report.run.id).decode("utf-8-sig")
    assert "民政办,解决率,n/a,0,0,≥ 90.0%,无数据" in csv


def test_the_quarter_ends_at_midnight_in_beijing(db: Database, street) -> None:
    _, named = street
    assert named["into_q3"].closed_at.date() == date(2026, 6, 30)  # still June in UTC
    q2, q3 = _computed(db, "2026Q2"), _computed(db, "2026Q3")
    assert q2[("community", "边界社区", "volume")][0] == 2 and q3[("community", "边界社区", "volume")][0] == 0
    # Closed 00:30 on 1 July Beijing time counts in Q3, 23:59:59.999999 on 30 June in Q2.
    assert q2[("community", "边界社区", "resolution_rate")] == (1.0, 1, 1)
    assert q3[("community", "边界社区", "resolution_rate")] == (1.0, 1, 1)


def test_a_holiday_inside_a_deadline_is_not_counted_against_the_department(db: Database, street) -> None:
    computed = _computed(db, "2026Q3")
    # 民政办 has nothing, 卫健办 has exactly the holiday case: accepted Monday 28 September, on time.
    assert computed[("department", "weijian", "accept_on_time")] == (1.0, 1, 1)
    # Opened Thursday 24, closed Monday 28 September: one working day (25th is Mid-Autumn).
    assert computed[("department", "weijian", "handling_median")][0] == 1.0
