"""The exit rule (项目退出机制) over three quarters, trends, and how runs are stored and read back."""
from __future__ import annotations

from datetime import timedelta

import pytest

from engine.assessments import AssessmentService
from engine.clock import FixedClock
from engine.db import Database
from tests.fixtures.assessments import Dataset, cst

NOW = cst(2026, 10, 20, 10)
QUARTER_STARTS = {"2026Q1": cst(2026, 1, 5, 9), "2026Q2": cst(2026, 4, 6, 9), "2026Q3": cst(2026, 7, 6, 9)}
#: department → resolved cases out of 10 in Q1, Q2, Q3 (None: no cases that quarter). Target: 9 of 10.
RESOLVED = {
    "wuye": (5, 6, 7),          # below three times: flagged in Q2 and Q3, streak 3
    "chengguan": (5, 10, 8),    # below, met, below: never two in a row
    "zhujian": (10, 8, 8),      # flagged in Q3 only
    "gongan": (5, None, 5),     # a quarter with nothing to measure breaks the streak
    "minzheng": (9, 9, 9),      # exactly on target every time
}


def _quarters(ds: Dataset) -> None:
    for q, (label, start) in enumerate(QUARTER_STARTS.items()):
        for department, counts in RESOLVED.items():
            if counts[q] is None:
                continue
            for k in range(10):
                case = ds.case(start + timedelta(days=k), grid="XF-01", department=department)
                ds.close(case, case.opened_at + timedelta(days=3), "resolved" if k < counts[q] else "rejected")


@pytest.fixture
def service(db: Database) -> AssessmentService:
    ds = Dataset()
    _quarters(ds)
    ds.write(db)
    return AssessmentService(db, FixedClock(NOW))


def _resolution(service: AssessmentService, run_id: int) -> dict[str, object]:
    return {r.unit_code: r for r in service.report(run_id).results
            if r.unit_type == "department" and r.indicator == "resolution_rate"}


def test_a_unit_below_target_in_two_consecutive_quarters_is_flagged(service: AssessmentService) -> None:
    runs = [service.assess("quarterly", label, triggered_by="test") for label in QUARTER_STARTS]
    q1, q2, q3 = (_resolution(service, run) for run in runs)
    assert {d: r.status for d, r in q1.items() if d in RESOLVED} == {
        "wuye": "below", "chengguan": "below", "zhujian": "met", "gongan": "below", "minzheng": "met"}
    assert not any(r.flagged for r in q1.values())  # 2025Q4 had no cases: nothing was below before
    assert {d for d, r in q2.items() if r.flagged} == {"wuye"}
    assert {d for d, r in q3.items() if r.flagged} == {"wuye", "zhujian"}
    assert (q3["wuye"].streak, q3["zhujian"].streak, q3["chengguan"].streak, q3["gongan"].streak) == (3, 2, 1, 1)
    assert q2["gongan"].status == "na" and q2["gongan"].value is None
    assert q3["minzheng"].status == "met" and q3["minzheng"].value == pytest.approx(0.9)


def test_trend_compares_with_the_previous_quarter(service: AssessmentService) -> None:
    runs = [service.assess("quarterly", label, triggered_by="test") for label in QUARTER_STARTS]
    q2, q3 = _resolution(service, runs[1]), _resolution(service, runs[2])
    assert (q2["wuye"].previous_value, q2["wuye"].value, q2["wuye"].trend) == (pytest.approx(0.5), 0.6, "up")
    assert (q3["chengguan"].previous_value, q3["chengguan"].trend) == (1.0, "down")
    assert (q3["minzheng"].trend, q3["gongan"].trend) == ("flat", None)  # gongan: n/a before
    report = service.report(runs[2])
    assert report.run.previous_run_id == runs[1]
    improved = {r.unit_code: r.improved for r in report.results
                if r.unit_type == "department" and r.indicator == "resolution_rate"}
    assert improved["wuye"] is True and improved["chengguan"] is False and improved["minzheng"] is None


def test_without_a_stored_previous_run_the_previous_quarter_is_computed(service: AssessmentService) -> None:
    run = service.assess("quarterly", "2026Q3", triggered_by="test")
    q3 = _resolution(service, run)
    # Q2 computed now: wuye and zhujian were below then too. Without Q1 the streak can only be 2.
    assert {d for d, r in q3.items() if r.flagged} == {"wuye", "zhujian"}
    assert q3["wuye"].streak == 2
    summary = service.report(run).run
    assert summary.previous_run_id is None and "无存档评估" in (summary.note or "")


def test_the_latest_run_of_the_previous_quarter_is_the_baseline(service: AssessmentService) -> None:
    service.assess("quarterly", "2026Q1", triggered_by="test")
    first_q2 = service.assess("quarterly", "2026Q2", triggered_by="test")
    second_q2 = service.assess("quarterly", "2026Q2", triggered_by="test")
    q3 = service.report(service.assess("quarterly", "2026Q3", triggered_by="test"))
    assert q3.run.previous_run_id == second_q2 != first_q2
    assert [r.kind for r in service.runs()] == ["quarterly"] * 4


def test_flagged_units_come_first(service: AssessmentService) -> None:
    for label in QUARTER_STARTS:
        run = service.assess("quarterly", label, triggered_by="test")
    units = service.report(run).units()
    flagged = [u.unit_code for u in units if u.flagged]
    assert set(flagged) >= {"wuye", "zhujian"}
    assert [u.flagged for u in units] == sorted((u.flagged for u in units), reverse=True)
    assert service.report(run).run.flagged_units == len(flagged)
