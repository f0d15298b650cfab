"""The flows run through Prefect's engine against a temporary Prefect server (one per session: ≈ 8 s).

Everything else about the flows is tested without Prefect (their steps are plain functions);
these tests check that the flows, their tasks and the schedules really work in Prefect.
"""
from __future__ import annotations

from datetime import timedelta

import pytest

from engine.assessments import AssessmentService
from engine.db import Database
from engine.demo.driver import Driver
from engine.demo.scenarios import waiting_for_department
from tests.fixtures.assessments import Dataset, cst

pytestmark = pytest.mark.slow


@pytest.mark.usefixtures("prefect_server")
def test_the_quarterly_flow_runs_its_tasks_and_stores_a_run(db: Database) -> None:
    from workflows.quarterly_assessment import quarterly_assessment

    ds = Dataset()
    for k in range(5):
        case = ds.case(cst(2026, 7, 6 + k, 9), grid="XF-01", department="wuye")
        ds.close(case, case.opened_at + timedelta(days=2), "resolved")
    ds.write(db)
    state = quarterly_assessment(period="2026Q3", db_url=db.url, return_state=True)
    assert state.is_completed(), state
    summary = state.result()
    assert (summary["kind"], summary["period"]) == ("quarterly", "2026Q3")
    run = AssessmentService(db).report(summary["run_id"]).run
    assert run.triggered_by == "prefect"
    wuye = next(r for r in AssessmentService(db).report(run.id).results
                if r.unit_code == "wuye" and r.indicator == "resolution_rate")
    assert (wuye.numerator, wuye.denominator, wuye.status) == (5, 5, "met")


@pytest.mark.usefixtures("prefect_server")
def test_the_sla_sweep_flow_fires_due_timers_and_sends_the_outbox(db: Database, driver: Driver) -> None:
    from workflows.sla_sweep import sla_sweep

    waiting_for_department(driver)  # opened in March by the test clock: its deadline passed long ago
    counts = sla_sweep(db_url=db.url)
    assert counts == {"cases": 1, "timers": 1, "escalations": 1, "sent": 1, "failed": 0}
    assert sla_sweep(db_url=db.url) == {"cases": 0, "timers": 0, "escalations": 0, "sent": 0, "failed": 0}


def test_the_schedules_are_in_beijing_time() -> None:
    from workflows.serve import PLANS, deployments

    found = {d.flow_name: d for d in deployments()}
    assert set(found) == {p.flow_name for p in PLANS.values()}
    assert found["quarterly-assessment"].schedules[0].schedule.cron == "0 7 1 1,4,7,10 *"
    assert all(d.schedules[0].schedule.timezone == "Asia/Shanghai" for d in found.values())
    assert found["sla-sweep"].schedules[0].schedule.interval == timedelta(minutes=1)
    assert all(not d.parameters for d in found.values())  # no database URL (or password) in the Prefect UI
