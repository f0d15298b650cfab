"""Weekly dispatch (周调度) and monthly analysis (月研判) against independent computations."""
from __future__ import annotations

import random
from collections import Counter
from datetime import datetime, timedelta

import pytest

from engine.assessments import AssessmentService
from engine.assessments.periods import parse_period
from engine.calendar import WorkCalendar
from engine.clock import FixedClock
from engine.db import Database
from tests.fixtures.assessments import Dataset, cst, random_cases

NOW = cst(2026, 10, 21, 15)  # a Wednesday: week 2026-W43 is still running


@pytest.fixture
def dataset(db: Database) -> Dataset:
    ds = Dataset()
    random_cases(ds, random.Random(11), WorkCalendar(), n=220, start=cst(2026, 6, 1), end=NOW, now=NOW)
    _repeat_boundaries(ds)
    _overdue_work(ds)
    ds.write(db)
    return ds


def _overdue_work(ds: Dataset) -> None:
    """Work past its deadline: still open now, and open at the end of week 40 but finished since."""
    calendar = WorkCalendar()
    for k, department in enumerate(("wuye", "wuye", "chengguan")):
        case = ds.case(cst(2026, 10, 12 + k, 10), grid="XF-02", department=department)
        ds.item(case, "acceptance", created=case.opened_at, due=calendar.add_workdays(case.opened_at, 1),
                department=department)
    case = ds.case(cst(2026, 9, 28, 10), grid="HP-01", department="zhujian")
    ds.item(case, "on_site", created=case.opened_at, due=calendar.add_workdays(case.opened_at, 1),
            finished=cst(2026, 10, 9, 11), department="zhujian")


def _repeat_boundaries(ds: Dataset) -> None:
    """Exactly 90 days apart is a repeat; a microsecond more is not. A mediation case counts as a dispute."""
    first = cst(2026, 6, 20, 9)
    ds.case(first, address="边界路1号", category="噪音扰民")
    ds.case(first + timedelta(days=90), address="边界路1号", category="噪音扰民")
    ds.case(first, address="边界路2号", category="噪音扰民")
    ds.case(first + timedelta(days=90, microseconds=1), address="边界路2号", category="噪音扰民")
    ds.case(first + timedelta(days=91), address=" 边界路1号 ", category="环境卫生")  # another category
    ds.case(cst(2026, 9, 18, 9), process_key="mediation", category="物业管理", grid="HP-01")


# -- weekly -------------------------------------------------------------------------------------------


def weekly_reference(ds: Dataset, start: datetime, as_of: datetime) -> dict:
    cases = {c.id: c for c in ds.cases}
    expected: dict = {}
    oldest: dict = {}
    for i in ds.items:
        units = [("street", "all")]
        if i.department_code:
            units.append(("department", i.department_code))
        if cases[i.case_id].grid_code:
            units.append(("grid", cases[i.case_id].grid_code))
        is_open = i.created_at <= as_of and (i.finished_at is None or i.finished_at > as_of)
        measures = {
            "open_items": is_open,
            "overdue_items": is_open and i.due_at is not None and i.due_at < as_of,
            "new_items": start <= i.created_at <= as_of,
            "done_items": i.state == "completed" and i.finished_at is not None and start <= i.finished_at <= as_of,
        }
        for unit in units:
            for name, hit in measures.items():
                expected[(*unit, name)] = expected.get((*unit, name), 0) + hit
            if is_open:
                oldest.setdefault(unit, []).append((i.created_at, i.id, cases[i.case_id].tracking_code))
    named = {unit: [code for *_k, code in sorted(rows)[:6 if unit[0] == "street" else 3]]
             for unit, rows in oldest.items()}
    return {"counts": expected, "oldest": named}


@pytest.mark.parametrize(("label", "as_of"), [("2026-W43", NOW), ("2026-W40", cst(2026, 10, 5))])
def test_weekly_dispatch_matches_the_reference(db: Database, dataset: Dataset, label: str, as_of: datetime) -> None:
    period = parse_period("weekly", label)
    computation = AssessmentService(db, FixedClock(NOW)).compute(period)
    assert computation.as_of == as_of
    expected = weekly_reference(dataset, period.start, as_of)
    got = {f.key: f.value for f in computation.figures}
    for key, value in expected["counts"].items():
        assert got.pop(key) == value, key
    assert all(value == 0 for value in got.values())
    named = {(f.unit_type, f.unit_code): [d["code"] for d in f.detail or []]
             for f in computation.figures if f.indicator == "open_items"}
    for unit, codes in expected["oldest"].items():
        assert named[unit] == codes, unit
    assert expected["counts"][("street", "all", "overdue_items")] > 0  # the data has overdue work


def test_the_oldest_items_say_how_many_working_days_they_are_overdue(db: Database) -> None:
    ds = Dataset()
    case = ds.case(cst(2026, 9, 21, 9), grid="XF-02", department="wuye")
    # Due Wednesday 30 September; National Day holidays follow: on Friday 9 October it is 2 working days late
    # (8 and 9 October), not 9 calendar days.
    ds.item(case, "acceptance", created=case.opened_at, due=cst(2026, 9, 30, 23, 59, 59, 999999), department="wuye")
    ds.write(db)
    service = AssessmentService(db, FixedClock(cst(2026, 10, 9, 17)))
    figures = {f.key: f for f in service.compute(service.resolve("weekly")).figures}
    oldest = figures[("department", "wuye", "open_items")].detail[0]
    assert (oldest["code"], oldest["due"], oldest["overdue_workdays"]) == (case.tracking_code, "2026-09-30", 2)
    assert figures[("grid", "XF-02", "overdue_items")].value == 1


# -- monthly ------------------------------------------------------------------------------------------


def monthly_reference(ds: Dataset, start: datetime, end: datetime) -> dict:
    month = [c for c in ds.cases if start <= c.opened_at < end]
    expected: dict = {}
    for c in month:
        key = ("hotspot", f"{c.category}|{c.grid_code or '-'}", "cases")
        expected[key] = expected.get(key, 0) + 1
        if c.process_key == "mediation" or c.category == "邻里纠纷":
            key = ("dispute", f"{c.grid_code or '-'}|{c.category}", "disputes")
            expected[key] = expected.get(key, 0) + 1
    candidates = [c for c in ds.cases if c.address and c.address.strip() and c.outcome != "merged"]
    repeats = Counter()
    for c in month:
        if c not in candidates:
            continue
        if any(o is not c and o.address.strip() == c.address.strip() and o.category == c.category
               and (o.opened_at, o.id) < (c.opened_at, c.id) and c.opened_at - o.opened_at <= timedelta(days=90)
               for o in candidates):
            repeats[f"{c.address.strip()}|{c.category}"] += 1
    for code, n in repeats.items():
        expected[("repeat", code, "repeat_cases")] = n
    expected[("street", "all", "cases")] = len(month)
    expected[("street", "all", "repeat_cases")] = sum(repeats.values())
    expected[("street", "all", "disputes")] = sum(v for k, v in expected.items() if k[0] == "dispute")
    return expected


@pytest.mark.parametrize("label", ["2026-08", "2026-09"])
def test_monthly_analysis_matches_the_reference(db: Database, dataset: Dataset, label: str) -> None:
    period = parse_period("monthly", label)
    figures = AssessmentService(db, FixedClock(NOW)).compute(period).figures
    # The 红黑榜 scores are checked in test_assessments_hotline.py; here the month's analysis itself.
    assert {f.key: f.value for f in figures if f.indicator != "score"} == monthly_reference(
        dataset, period.start, period.end)


def test_monthly_analysis_names_repeats_and_compares_with_the_previous_month(db: Database, dataset: Dataset) -> None:
    service = AssessmentService(db, FixedClock(NOW))
    report = service.report(service.assess("monthly", "2026-09", triggered_by="test"))
    by_key = {(r.unit_type, r.unit_code): r for r in report.results}
    assert ("repeat", "边界路1号|噪音扰民") in by_key and ("repeat", "边界路2号|噪音扰民") not in by_key
    assert [d["opened"] for d in by_key[("repeat", "边界路1号|噪音扰民")].detail] == ["2026-09-18"]
    assert ("dispute", "HP-01|物业管理") in by_key  # the mediation case, whatever its category
    august = monthly_reference(dataset, *_bounds("2026-08"))[("street", "all", "cases")]
    total = next(r for r in report.results if r.unit_type == "street" and r.indicator == "cases")
    assert total.previous_value == august
    assert total.trend == ("up" if total.value > august else "down" if total.value < august else "flat")


def _bounds(label: str) -> tuple[datetime, datetime]:
    period = parse_period("monthly", label)
    return period.start, period.end
