"""Production setup, for real (issue 16.1): a Prefect server (``prefect server start``), the flows registered
with ``casegrid flows deploy``, a worker (``casegrid flows worker``) — and a scheduled SLA sweep fires a due
timer with nobody typing a command. Three processes, as the README shows; about a minute or two here.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.cases.events import CaseEvent
from engine.clock import FixedClock
from engine.db import Database
from engine.demo.driver import Driver
from engine.demo.scenarios import waiting_for_department
from engine import CaseService
from engine.sweep.models import SweepRun
from tests.conftest import START
from tests.hardening.test_crash_safety import free_port

pytestmark = pytest.mark.slow

#: Server start (≈ 8 s quiet, much more on a busy machine), the next minute's scheduled run, the worker's
#: poll and the flow run's own start.
PATIENCE = 300.0


def _wait_for(condition: Callable[[], bool], what: str, procs: list[subprocess.Popen[bytes]]) -> None:
    give_up = time.monotonic() + PATIENCE
    while not condition():
        for proc in procs:
            assert proc.poll() is None, f"{proc.args} exited with {proc.returncode} while waiting for {what}"
        if time.monotonic() > give_up:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(1)


def _healthy(api: str) -> bool:
    try:
        with urllib.request.urlopen(f"{api}/health", timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture
def sqlite_db(sqlite_template: Path, tmp_path: Path) -> Iterator[Database]:
    """The Prefect server keeps its own database; one backend for casegrid's is enough to see the schedule work."""
    path = tmp_path / "casegrid.db"
    shutil.copy(sqlite_template, path)
    db = Database(f"sqlite:///{path}")
    yield db
    db.dispose()


@pytest.fixture
def prefect_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    return env | {"PREFECT_HOME": str(tmp_path / "prefect"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                  "DO_NOT_TRACK": "1", "PREFECT_WORKER_QUERY_SECONDS": "2",
                  "CASEGRID_INSTANCE": str(tmp_path / "instance")}


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT)


def test_a_deployed_sla_sweep_run_by_a_prefect_worker_fires_a_due_timer(
        sqlite_db: Database, prefect_env: dict[str, str], tmp_path: Path) -> None:
    clock = FixedClock(START)
    case = waiting_for_department(Driver(CaseService(sqlite_db, clock), clock))  # due long ago by the real clock
    casegrid = str(Path(sys.executable).with_name("casegrid"))
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    procs: list[subprocess.Popen[bytes]] = []
    try:
        procs.append(_start([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                             "--port", str(port), "--analytics-off"], prefect_env, tmp_path / "server.log"))
        _wait_for(lambda: _healthy(api), "the Prefect server", procs)
        env = prefect_env | {"PREFECT_API_URL": api}
        deployed = subprocess.run([casegrid, "flows", "deploy", "--db", sqlite_db.url], env=env,
                                  capture_output=True, text=True, timeout=PATIENCE)
        assert deployed.returncode == 0, deployed.stdout + deployed.stderr
        assert "sla-sweep" in deployed.stdout and "工作池 casegrid" in deployed.stdout
        procs.append(_start([casegrid, "flows", "worker", "--db", sqlite_db.url], env, tmp_path / "worker.log"))

        def fired() -> bool:
            with sqlite_db.reading() as s:
                return s.scalar(select(CaseEvent.id).where(CaseEvent.case_id == case.id,
                                                           CaseEvent.type == "timers_fired")) is not None

        def recorded() -> set[str]:
            with sqlite_db.reading() as s:
                return set(s.scalars(select(SweepRun.holder)))

        _wait_for(fired, "a scheduled sla-sweep run to fire the due timer", procs)
        _wait_for(lambda: bool(recorded()), "the run to record its sweep cycle", procs)
        assert recorded() == {"prefect:sla-sweep"}  # the worker's flow run swept
    finally:
        for proc in reversed(procs):
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=30)
