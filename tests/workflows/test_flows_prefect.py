"""The flows run through Prefect's engine against a temporary Prefect server (one per session: ≈ 8 s).

Everything else about the flows is tested without Prefect (their steps are plain functions);
these tests check that the flows, their tasks and the schedules really work in Prefect.
"""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine.assessments import AssessmentService
from engine.audit.keystore import keygen
from engine.cases.leaves import MerkleLeaf
from engine.audit.signing import ED25519
from engine.cases.models import Notification
from engine.db import Database
from engine.demo.driver import Driver
from engine.demo.scenarios import waiting_for_department
from tests.conftest import START
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
def test_the_sla_sweep_flow_fires_due_timers_and_sends_the_outbox(
        db: Database, driver: Driver, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from workflows.sla_sweep import sla_sweep

    made = keygen(tmp_path / "instance", profile=ED25519, out=tmp_path / "operator" / "key.json",
                  ring=tmp_path / "public.json", at=START)
    monkeypatch.setenv("CASEGRID_AUDIT_SIGNING_KEY", str(made.private_path))  # the flow signs the Merkle log too
    waiting_for_department(driver)  # opened in March by the test clock: its deadline passed long ago
    counts = sla_sweep(db_url=db.url)
    with db.reading() as s:  # the escalation and each step's new work: every one went out
        written = s.scalar(select(func.count()).select_from(Notification))
    # The system clock runs this sweep: the supervisors' digest goes out if it is 08:00–09:00 in Beijing.
    digest = counts["reminders"].pop("overdue_digest")
    with db.reading() as s:
        leaves = s.scalar(select(func.count()).select_from(MerkleLeaf))
    assert counts.pop("heads") == {"signed": 1, "size": leaves, "gaps": 0}
    assert counts == {"timers": {"cases": 1, "timers": 1, "escalations": 1, "failed": 0, "skipped": 0},
                      "reminders": {"deadline_reminders": 0, "sitting_reminders": 0, "rating_reminders": 0},
                      "cadence": {"reminded": 0, "alerted": 0, "failed": 0},
                      "rectification": {"flagged": 0, "failed": 0},
                      "field": {"generated": 0, "reminded": 0, "overdue": 0, "failed": 0},
                      "outbox": {"sent": written, "failed": 0},
                      "hotline": {"sent": 0}, "retention": {"due": 0, "erased": 0, "failed": 0}}
    again = sla_sweep(db_url=db.url)
    assert again["timers"] == {"cases": 0, "timers": 0, "escalations": 0, "failed": 0, "skipped": 0}
    assert again["outbox"] == {"sent": 0, "failed": 0} and digest in (0, 1)
    assert again["heads"] == {"signed": 0}  # the next head is due ten minutes after this one


def test_the_schedules_are_in_beijing_time() -> None:
    from workflows.serve import PLANS, deployments

    found = {d.flow_name: d for d in deployments()}
    # The web UI's requested runs have a deployment without a schedule.
    assert not found.pop("requested-assessment").schedules
    assert set(found) == {p.flow_name for p in PLANS.values()}
    assert found["quarterly-assessment"].schedules[0].schedule.cron == "0 7 1 1,4,7,10 *"
    assert all(d.schedules[0].schedule.timezone == "Asia/Shanghai" for d in found.values())
    assert found["sla-sweep"].schedules[0].schedule.interval == timedelta(minutes=1)
    assert all(not d.parameters for d in found.values())  # no database URL (or password) in the Prefect UI
