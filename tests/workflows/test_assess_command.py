"""``casegrid assess`` and ``casegrid flows …`` run the flows' steps without any Prefect server."""
from __future__ import annotations

import os
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from sqlalchemy import func, select

from engine.cases.models import Notification
from engine.cli import main
from engine.clock import FixedClock
from engine.db import Database
from engine.demo.driver import Driver
from engine.demo.scenarios import waiting_for_department
from tests.fixtures.assessments import Dataset, cst


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    return CliRunner()


def _quarter(db: Database) -> None:
    ds = Dataset()
    for k in range(10):
        case = ds.case(cst(2026, 7, 6 + k, 9), grid="HP-01", department="wuye")
        ds.item(case, "triage", created=case.opened_at, finished=case.opened_at + timedelta(hours=3))
        ds.close(case, case.opened_at + timedelta(days=3), "resolved" if k < 8 else "rejected")
    ds.write(db)


def test_assess_quarterly_prints_the_table_and_writes_the_files(db: Database, runner: CliRunner,
                                                               tmp_path: Path) -> None:
    _quarter(db)
    xlsx, csv_dir = tmp_path / "out" / "q3.xlsx", tmp_path / "csv"
    result = runner.invoke(main, ["assess", "quarterly", "--period", "2026Q3", "--db", db.url,
                                  "--xlsx", str(xlsx), "--csv", str(csv_dir)])
    assert result.exit_code == 0, result.output
    assert "季评估 2026Q3（2026-07-01 至 2026-09-30" in result.output
    wuye = next(line for line in result.output.splitlines() if "物业服务中心" in line)
    assert "80.0%!" in wuye  # resolution 8 of 10: below the 90 % target
    assert "民政办" in result.output and "n/a" in result.output
    assert load_workbook(xlsx).sheetnames == ["评估结果", "连续未达标警示"]
    assert (csv_dir / "assessment-quarterly-2026Q3.csv").read_bytes().startswith("\ufeff评估类型".encode())


def test_assess_without_a_server_does_not_touch_prefect(db: Database, runner: CliRunner) -> None:
    _quarter(db)
    loaded_before = "prefect" in sys.modules
    result = runner.invoke(main, ["assess", "weekly", "--period", "2026-W29", "--db", db.url])
    assert result.exit_code == 0, result.output
    assert "周调度 2026-W29" in result.output and "最久未办" in result.output
    if not loaded_before:
        assert "prefect" not in sys.modules


def test_assess_monthly_and_bad_periods(db: Database, runner: CliRunner) -> None:
    _quarter(db)
    result = runner.invoke(main, ["assess", "monthly", "--period", "2026-07", "--db", db.url])
    assert result.exit_code == 0, result.output
    assert "热点（类别 × 网格）" in result.output and "和平苑一网格" in result.output
    ranked = result.output.split("红黑榜")[1].split("同一地址")[0]
    assert "部门 物业服务中心" in ranked and "1/1" in ranked  # the month's score per unit, as in the exports
    result = runner.invoke(main, ["assess", "quarterly", "--period", "2026-07", "--db", db.url])
    assert result.exit_code == 1 and "2026Q3" in result.output


def test_flows_serve_needs_a_prefect_server(runner: CliRunner, db: Database) -> None:
    result = runner.invoke(main, ["flows", "serve", "--db", db.url])
    assert result.exit_code == 1
    assert "PREFECT_API_URL" in result.output and "prefect server start" in result.output


def test_flows_sweep_runs_the_sla_sweep_once(db: Database, runner: CliRunner, driver: Driver,
                                             clock: FixedClock) -> None:
    waiting_for_department(driver)  # its acceptance deadline passed long ago by the system clock
    result = runner.invoke(main, ["flows", "sweep", "--db", db.url])
    assert result.exit_code == 0, result.output
    with db.reading() as s:  # the escalation and the new work of each step: all sent
        written = s.scalar(select(func.count()).select_from(Notification))
    assert ("fired 1 timer(s) in 1 case(s), 1 escalation(s), 0 failed (incidents), 0 busy; 0 reminder(s); "
            f"sent {written} notification(s), 0 failed") in result.output


def test_prefect_settings_are_defaults_an_operator_can_override(monkeypatch: pytest.MonkeyPatch,
                                                              tmp_path: Path) -> None:
    from workflows import environment

    monkeypatch.setenv("CASEGRID_INSTANCE", str(tmp_path))
    monkeypatch.delenv("PREFECT_HOME", raising=False)
    monkeypatch.setenv("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "300")
    monkeypatch.delenv("DO_NOT_TRACK", raising=False)
    environment.prepare()
    assert os.environ["PREFECT_HOME"] == str(tmp_path / "prefect")
    assert os.environ["DO_NOT_TRACK"] == "1"
    assert os.environ["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"] == "300"
