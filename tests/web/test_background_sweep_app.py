"""The web process sweeps by itself: ``casegrid serve`` / ``demo`` start the background sweeper (unless
``--no-sweep``), and ``--clock-offset`` lets a demo user see a deadline pass and escalate."""
from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask

from engine.cli import main
from engine.clock import FixedClock, OffsetClock
from engine.db import Database
from engine.demo.driver import Driver
from engine.demo.scenarios import waiting_for_department
from engine.people.actor import Actor
from engine import CaseService
from web import create_app
from web.sweeping import start_sweeper

SUPERVISOR = Actor("dudao", "supervisor")


def _app(db: Database, clock: object, tmp_path: Path) -> Flask:
    return create_app({"TESTING": True, "DATABASE": db, "DATABASE_URL": db.url, "CLOCK": clock, "SECRET_KEY": "t",
                       "INSTANCE": str(tmp_path / "instance"), "RATELIMIT_ENABLED": False})


def _escalations(service: CaseService) -> list[str]:
    return [i.bpmn_id for i in service.inbox(SUPERVISOR) if i.bpmn_id == "unit_escalation"]


def test_with_the_clock_two_days_ahead_the_app_s_sweeper_escalates_a_deadline_that_has_not_passed_yet(
        db: Database, driver: Driver, clock: FixedClock, tmp_path: Path) -> None:
    waiting_for_department(driver)  # accept within 1 working day of the (fixed) now
    today = CaseService(db, clock)
    assert today.sweep_timers().counts()["cases"] == 0  # today nothing is due
    app = _app(db, OffsetClock(timedelta(days=2), base=clock), tmp_path)
    sweeper = start_sweeper(app, interval=timedelta(seconds=3600))  # the first cycle runs at once
    try:
        give_up = time.monotonic() + 60
        while not _escalations(today) and time.monotonic() < give_up:
            time.sleep(0.1)
    finally:
        sweeper.stop()
    assert _escalations(today) == ["unit_escalation"]
    status = app.extensions["casegrid.sweep"].status(SUPERVISOR)
    assert status.last is not None and status.last.count("timers", "escalations") == 1
    assert status.holder is None  # stopping gave the lease back


def test_apps_do_not_sweep_unless_asked(db: Database, clock: FixedClock, tmp_path: Path) -> None:
    assert "casegrid.sweeper" not in _app(db, clock, tmp_path).extensions


@pytest.mark.parametrize("command", [["serve"], ["demo", "--no-serve", "--rounds", "1"]])
def test_a_bad_clock_offset_is_refused_with_its_format(command: list[str], tmp_path: Path) -> None:
    result = CliRunner().invoke(main, [*command, "--clock-offset", "next week", "--db",
                                       f"sqlite:///{tmp_path / 'x.db'}"])
    assert result.exit_code == 2 and "3d" in result.output and "--clock-offset" in result.output


def test_serve_and_demo_offer_no_sweep_and_a_clock_offset() -> None:
    for command in ("serve", "demo"):
        shown = CliRunner().invoke(main, [command, "--help"]).output
        assert "--no-sweep" in shown and "--clock-offset" in shown
