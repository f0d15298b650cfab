"""The hotline's indicators in the assessments (issue 14 point 7): 退单率, and the monthly 红黑榜 of units."""
from __future__ import annotations

from datetime import timedelta

import pytest

from engine.assessments import AssessmentService
from engine.assessments.figures import Figure
from engine.assessments.ranking import BLACK, RED, Part, red_black, score_of
from engine.clock import FixedClock
from engine.db import Database
from tests.fixtures.assessments import Dataset, cst

NOW = cst(2026, 8, 3, 10)


def _figures(db: Database, kind: str, period: str) -> dict[tuple[str, str, str], Figure]:
    service = AssessmentService(db, FixedClock(NOW))
    return {f.key: f for f in service.compute(service.resolve(kind, period)).figures}


def test_the_return_rate_counts_each_dispatch_once_by_the_department_that_returned_it(db: Database) -> None:
    ds = Dataset()
    for k in range(4):  # 城管 gets four dispatches in July and returns one; 住建 gets two and returns both
        case = ds.case(cst(2026, 7, 6 + k, 9), grid="XF-01", department="chengguan")
        ds.assign(case, "chengguan", case.opened_at + timedelta(hours=1), returned=k == 0)
    for k in range(2):
        case = ds.case(cst(2026, 7, 13 + k, 9), grid="HP-01", department="zhujian")
        ds.assign(case, "zhujian", case.opened_at + timedelta(hours=1), returned=True)
    june = ds.case(cst(2026, 6, 29, 9), grid="XF-01", department="chengguan")
    ds.assign(june, "chengguan", june.opened_at, returned=True)  # another quarter
    ds.write(db)
    figures = _figures(db, "quarterly", "2026Q3")
    rate = {key[:2]: (f.numerator, f.denominator) for key, f in figures.items() if key[2] == "return_rate"}
    assert rate[("department", "chengguan")] == (1, 4)
    assert rate[("department", "zhujian")] == (2, 2)
    assert rate[("community", "幸福里社区")] == (1, 4) and rate[("community", "和平苑社区")] == (2, 2)
    assert rate[("street", "all")] == (3, 6)
    assert figures[("department", "minzheng", "return_rate")].value is None  # nothing dispatched: n/a, not 0 %


def test_cross_department_matters_are_timed_from_the_summons_to_the_leads_completion(db: Database) -> None:
    ds = Dataset()
    for hours, community_grid in ((12, "XF-01"), (30, "XF-01"), (48, "HP-01")):  # three whistles led by 住建
        case = ds.case(cst(2026, 7, 6, 9), grid=community_grid, department="zhujian")
        summoned = case.opened_at + timedelta(hours=2)
        ds.assign(case, "zhujian", summoned, role="lead", completed=summoned + timedelta(hours=hours))
        ds.assign(case, "wuye", summoned, role="co", completed=summoned + timedelta(hours=1))
    direct = ds.case(cst(2026, 7, 7, 9), department="chengguan")
    ds.assign(direct, "chengguan", direct.opened_at, completed=direct.opened_at + timedelta(hours=100))
    ds.write(db)
    figures = _figures(db, "quarterly", "2026Q3")
    street = figures[("street", "all", "whistle_hours")]
    assert (street.value, street.denominator) == (30.0, 3)  # (12 + 30 + 48) / 3; the direct dispatch is not one
    assert figures[("department", "zhujian", "whistle_hours")].value == 30.0
    assert figures[("community", "幸福里社区", "whistle_hours")].value == 21.0
    assert ("department", "wuye", "whistle_hours") not in figures or \
        figures[("department", "wuye", "whistle_hours")].value is None  # a co-department does not lead


def test_the_score_weighs_the_three_rates_and_on_time_completion_and_counts_returns_against_the_unit() -> None:
    perfect = [Part("accept_on_time", 1.0, 20), Part("resolution_rate", 1.0, 20), Part("return_rate", 0.0, 10)]
    assert score_of(perfect) == 100.0
    assert score_of([Part("satisfaction_rate", 0.5, 20), Part("reopen_rate", 0.5, 10)]) == 50.0
    assert score_of([]) is None


def _unit(code: str, value: float) -> list[Figure]:
    return [Figure("department", code, code.upper(), "resolution_rate", value, int(value * 10), 10),
            Figure("department", code, code.upper(), "accept_on_time", value, int(value * 10), 10)]


def test_the_best_units_are_on_the_red_list_and_the_worst_on_the_black_list_never_both() -> None:
    figures = [f for code, v in (("a", .95), ("b", .9), ("c", .8), ("d", .7), ("e", .6), ("f", .5), ("g", .4))
               for f in _unit(code, v)]
    figures.append(Figure("department", "idle", "IDLE", "resolution_rate", None, 0, 0))  # no data: not ranked
    ranked = {f.unit_code: f.detail for f in red_black(figures)}
    assert [c for c, d in ranked.items() if d["list"] == RED] == ["a", "b", "c"]
    assert [c for c, d in ranked.items() if d["list"] == BLACK] == ["e", "f", "g"]
    assert ranked["d"]["list"] is None and ranked["a"]["rank"] == 1 and ranked["g"]["of"] == 7
    assert "idle" not in ranked
    two = {f.unit_code: f.detail["list"] for f in red_black(_unit("a", .9) + _unit("b", .5))}
    assert two == {"a": RED, "b": BLACK}
    assert {f.detail["list"] for f in red_black(_unit("a", .9))} == {None}  # one unit is on no list


def test_a_monthly_run_stores_the_red_and_black_lists_and_exports_them(db: Database) -> None:
    ds = Dataset()
    plan = {"chengguan": (4, 0), "zhujian": (4, 3), "wuye": (4, 1)}  # dispatches, of which returned
    for department, (n, returned) in plan.items():
        for k in range(n):
            case = ds.case(cst(2026, 7, 6 + k, 9), grid="XF-01", department=department)
            ds.assign(case, department, case.opened_at + timedelta(hours=1), returned=k < returned)
            ds.close(case, case.opened_at + timedelta(days=2), "resolved")
    ds.write(db)
    service = AssessmentService(db, FixedClock(NOW))
    run_id = service.assess("monthly", "2026-07")
    report = service.report(run_id)
    scores = {r.unit_code: r for r in report.results if r.indicator == "score" and r.unit_type == "department"}
    assert scores["chengguan"].detail["list"] == RED and scores["zhujian"].detail["list"] == BLACK
    assert scores["chengguan"].value > scores["wuye"].value > scores["zhujian"].value
    csv = service.csv(run_id).decode("utf-8-sig")
    assert "综合得分" in csv and "红榜 第 1 名" in csv and "黑榜" in csv
    assert service.xlsx(run_id)[:2] == b"PK"
