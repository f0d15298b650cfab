"""The sweep always runs (issue 16.1): two real ``casegrid serve`` processes on one database, each sweeping
in the background, fire every due timer exactly once; one process sweeps at a time (the lease); when it
stops, the other takes over and fires what falls due next. SQLite and PostgreSQL.

Cases are opened with the test clock in March 2026, so by the servers' system clock their acceptance
deadlines passed long ago: they are due the moment the servers start.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.cases.events import CaseEvent
from engine.cases.models import Notification
from engine.db import Database
from engine.demo.driver import Driver
from engine.demo.scenarios import waiting_for_department
from engine.sweep.models import SweepRun
from tests.hardening.test_crash_safety import free_port

pytestmark = pytest.mark.slow

CASES = 5
#: Generous: two app processes start on a busy 2-core machine, sweeping every second once up.
PATIENCE = 120.0


def _casegrid() -> str:
    return str(Path(sys.executable).with_name("casegrid"))


def _wait_for(condition: Callable[[], bool], what: str) -> None:
    """Poll until ``condition`` holds (no fixed sleeps: the machine's speed decides how long it takes)."""
    give_up = time.monotonic() + PATIENCE
    while not condition():
        if time.monotonic() > give_up:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.2)


def _answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture
def due(driver: Driver) -> list[int]:
    """Cases waiting for a department, opened before the servers start: a sweep already running could fire a
    case's triage deadline between its report and its dispatch (the driver's dispatch then finds it cancelled)."""
    return [waiting_for_department(driver).id for _ in range(CASES)]


@pytest.fixture
def servers(db: Database, due: list[int], tmp_path: Path) -> Iterator[list[tuple[subprocess.Popen[bytes], int]]]:
    started, logs = [], []
    env = os.environ | {"CASEGRID_INSTANCE": str(tmp_path / "instance"), "CASEGRID_SECRET_KEY": "sweep-test"}
    for n in range(2):
        port = free_port()
        log = (tmp_path / f"serve-{n}.log").open("wb")
        logs.append(log)
        proc = subprocess.Popen([_casegrid(), "serve", "--db", db.url, "--port", str(port), "--threads", "2",
                                 "--sweep-interval", "1"], env=env, stdout=log, stderr=subprocess.STDOUT)
        started.append((proc, port))
    try:
        yield started
    finally:
        for proc, _port in started:
            if proc.poll() is None:
                proc.kill()
            proc.wait(timeout=30)
        for log in logs:
            log.close()


def _timers_fired(db: Database) -> Counter[int]:
    with db.reading() as s:
        return Counter(s.scalars(select(CaseEvent.case_id).where(CaseEvent.type == "timers_fired")))


def _runs(db: Database) -> list[SweepRun]:
    with db.reading() as s:
        return list(s.scalars(select(SweepRun).order_by(SweepRun.started_at, SweepRun.id)))


def test_two_serving_processes_fire_each_due_timer_once_and_the_other_takes_over_when_one_stops(
        db: Database, driver: Driver, due: list[int], servers: list[tuple[subprocess.Popen[bytes], int]]) -> None:
    _wait_for(lambda: set(_timers_fired(db)) >= set(due), "the background sweep to fire every due timer")
    _wait_for(lambda: len(_runs(db)) >= 3, "a few more sweep cycles")  # more cycles: nothing fires twice
    assert all(_answers(port) for _proc, port in servers)
    assert _timers_fired(db) == Counter({case_id: 1 for case_id in due})
    runs = _runs(db)
    holders = {run.holder for run in runs}
    assert len(holders) == 1, holders  # one process swept; the other found the lease taken every time
    for earlier, later in zip(runs, runs[1:]):  # and never two cycles at once
        assert earlier.finished_at is not None and earlier.finished_at <= later.started_at
    with db.reading() as s:
        notes = list(s.scalars(select(Notification)))
    # One escalation per case (besides the new work and reminders the steps wrote), all sent by the outbox stage.
    assert sum(n.kind == "escalated" for n in notes) == CASES and all(n.sent_at is not None for n in notes)

    # The sweeping process stops (Ctrl+C: it gives the lease back); the other takes over.
    sweeper_pid = int(holders.pop().split(":")[2])
    stopping = next(proc for proc, _port in servers if proc.pid == sweeper_pid)
    stopping.send_signal(signal.SIGINT)
    stopping.wait(timeout=60)
    # A new report: its triage deadline (24 h after the test clock's March morning) is due by the servers' clock.
    later = driver.report("楼道灯坏了，晚上很黑").id
    _wait_for(lambda: later in _timers_fired(db), "the other process to take the sweep over")
    assert _timers_fired(db)[later] == 1
    # A cycle is recorded when all its stages are done, a moment after its timers fired.
    pids = {str(proc.pid) for proc, _port in servers}
    _wait_for(lambda: {run.holder.split(":")[2] for run in _runs(db)} == pids, "the other process's cycle record")
