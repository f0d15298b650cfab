"""kill -9 under load: the web server and the sweep worker die at random moments, come back, and
every case is exactly before or after the step that was under way (issue 9, DESIGN.md §5).

The real app runs under waitress in a subprocess; a second subprocess sweeps due timers and
answers the supervisor's overdue tasks through CaseService. Three people (one thread each) work
their inboxes over the JSON API: claim, complete, next. Seeded random kills (SIGKILL, no chance to clean up) hit
the server, the worker or both while requests and sweeps are in flight; both are restarted on
the same database. Afterwards, with everything dead once more:

- ``casegrid verify`` (the CLI) passes: every chain is intact and replays to its snapshot;
- every case's work items, next timer and completion events agree with its own log
  (:mod:`tests.hardening.invariants`): nothing half-written;
- every completion the server acknowledged is there (durability), and every completion whose
  answer was cut off by a kill either happened exactly as sent or not at all.

A kill lands inside a transaction by chance only (the load keeps transactions running most of
the time); the deterministic "inside the completion" kill is
``tests/engine/test_concurrency.py::test_process_killed_inside_a_completion...``.
"""
from __future__ import annotations

import http.client
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import sysconfig
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from datetime import timedelta
from pathlib import Path
from select import select as wait_readable
from typing import Any

import pytest
from sqlalchemy import func, select

from engine.cases.events import CaseEvent
from engine.cases.models import WorkItem
from engine.clock import FixedClock, as_utc
from engine.db import Database
from engine.demo.driver import Driver
from engine.demo.organisation import DEMO_PASSWORD
from engine.demo.scenarios import waiting_for_council, waiting_for_department
from engine import CaseService
from tests.engine.test_concurrency import case_state
from tests.hardening.crash_processes import CLOCK_ENV, STALL_ENV, ScaledClock
from tests.hardening.invariants import all_case_problems

SEED = 9
#: Kills per backend. Before each, the load gets this many answers from the server and at least one
#: acknowledged completion since the last kill, and every sweep worker killed has fired timers since it
#: started (counts, not times, so that a slow machine gets the same load), then a random fraction of a
#: second more.
KILLS = 3
ANSWERS_BEFORE_KILL = (3, 9)
KILL_WITHIN = 0.3
#: One wall-clock second is a day of case time: deadlines keep falling due during the test.
SPEED = 24 * 3600
#: Longest wait for a restarted process to answer or for the load to get its next completion: a bound,
#: not a duration (a cold start imports the app, ~3 s of CPU that a 2-core machine shared by a busy CI
#: run can stretch past 45 s of wall time).
STARTUP = 300

#: What each person submits for each task of theirs (every path of the loop that needs no resident).
FORMS: dict[str, dict[str, dict[str, Any]]] = {
    "wangge": {"triage": {"triage_decision": "negotiate", "triage_note": "需协调相关部门"}},
    "yishi": {"deliberate": {"decision": "adopt", "responsible_department": "chengguan", "deadline": "2027-12-31",
                             "votes_for": 7, "votes_against": 1, "votes_abstain": 1,
                             "resolution_text": "同意交办处理"}},
    "chengguan": {"accept": {"accept_decision": "accepted"},
                  "on_site": {"on_site_note": "已到现场核实，情况属实"},
                  "complete": {"completion_report": "已维修完毕，恢复正常使用", "evidence": "photo://after.jpg"}},
}

ROOT = Path(__file__).resolve().parents[2]

#: What a request cut off by a dying server raises.
CUT_OFF = (ConnectionError, http.client.RemoteDisconnected, http.client.IncompleteRead, socket.timeout)


class Http:
    """A minimal client keeping the session cookie (no dependency beyond the standard library)."""

    def __init__(self, port: int, load: Load | None = None) -> None:
        self.port, self.cookies, self.load = port, dict[str, str](), load

    def call(self, method: str, path: str, body: str | None = None,
             content_type: str = "application/json") -> tuple[int, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.connect()
        except OSError as exc:
            raise Down() from exc
        try:
            headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
            if body is not None:
                headers["Content-Type"] = content_type
            conn.request(method, path, body=body.encode() if body is not None else None, headers=headers)
            response = conn.getresponse()
            text = response.read().decode()
            if self.load is not None:
                self.load.answers += 1  # one writer per thread; a lost increment only delays a kill
            for cookie in response.msg.get_all("Set-Cookie") or []:
                name, _, value = cookie.split(";", 1)[0].partition("=")
                self.cookies[name] = value
            return response.status, text
        finally:
            conn.close()

    def login(self, username: str) -> None:
        status, page = self.call("GET", "/login")
        token = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', page)
        assert status == 200 and token, page[:500]
        form = f"username={username}&password={DEMO_PASSWORD}&csrf_token={token.group(1)}"
        status, _ = self.call("POST", "/login", form, "application/x-www-form-urlencoded")
        assert status == 302, status


class Down(Exception):
    """The server does not accept connections (dead or not up yet): nothing was sent."""


@dataclass(frozen=True)
class Attempt:
    user: str
    item_id: int
    form: dict[str, Any]
    #: ``ok``, the HTTP status of a refusal, or ``cut off`` when the server died before answering.
    outcome: str


@dataclass
class Load:
    """One thread per person working their inbox over the API until told to stop."""

    port: int
    stop: threading.Event = field(default_factory=threading.Event)
    #: Answers received from the server so far (any status).
    answers: int = 0
    #: Completions the server acknowledged (200) so far.
    completed: int = 0
    attempts: list[Attempt] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> None:
        self.threads = [threading.Thread(target=self._person, args=(user,), daemon=True) for user in FORMS]
        for thread in self.threads:
            thread.start()

    def finish(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(60)
        assert not any(t.is_alive() for t in self.threads), "a load thread hung"

    def wait_until(self, done: Callable[[], bool], what: str) -> None:
        """Until ``done()``: the server (and worker) may be slow, never silent for long."""
        deadline = time.monotonic() + STARTUP
        while not done():
            assert time.monotonic() < deadline and not self.errors, (f"the load stalled: {what}", self.errors)
            time.sleep(0.01)

    def past(self, answers: int, completed: int) -> bool:
        """Whether the server has given ``answers`` answers and acknowledged more than ``completed`` completions."""
        return self.answers >= answers and self.completed > completed

    def _person(self, user: str) -> None:
        client = Http(self.port, self)
        try:
            self._until_up(lambda: client.login(user))
            while not self.stop.is_set():
                try:
                    self._round(client, user)
                except (Down, *CUT_OFF):
                    self.stop.wait(0.05)  # the server is down: the test is restarting it
        except Exception as exc:  # noqa: BLE001 - reported to the test
            self.errors.append(f"{user}: {type(exc).__name__}: {exc}")

    def _until_up(self, call: Any) -> None:
        while not self.stop.is_set():
            try:
                return call()
            except (Down, *CUT_OFF):
                self.stop.wait(0.05)

    def _round(self, client: Http, user: str) -> None:
        status, body = client.call("GET", "/api/inbox?limit=20")
        assert status == 200, (status, body[:1000])
        items = [i for i in json.loads(body)["items"] if i["task"]["bpmn_id"] in FORMS[user]]
        if not items:
            self.stop.wait(0.05)
        for item in items[:3]:
            form = FORMS[user][item["task"]["bpmn_id"]]
            status, body = client.call("POST", f"/api/work-items/{item['id']}/claim", "{}")
            if status != 200:
                assert status == 409, (status, body[:1000])
                continue
            try:
                status, body = client.call("POST", f"/api/work-items/{item['id']}/complete",
                                           json.dumps({"data": form}))
            except CUT_OFF:
                self.attempts.append(Attempt(user, item["id"], form, "cut off"))
                raise
            assert status in (200, 409), (status, body[:1000])  # 409: a timer took the task first
            self.attempts.append(Attempt(user, item["id"], form, "ok" if status == 200 else str(status)))
            self.completed += status == 200


class Fleet:
    """The server and the worker subprocesses, started, killed with SIGKILL and restarted.

    The server has a warm standby (imported, waiting on stdin, database not yet opened) that takes
    over right after a kill, so the load waits a fraction of a second instead of a cold start; the
    worker, whom nobody waits for, restarts cold.
    """

    def __init__(self, url: str, port: int, clock: ScaledClock, logs: Path) -> None:
        self.url, self.port, self.clock, self.logs = url, port, clock, logs
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.standby: dict[str, subprocess.Popen[bytes]] = {}
        self.kills: Counter[str] = Counter()

    def _spawn(self, name: str) -> subprocess.Popen[bytes]:
        arg = str(self.port) if name == "server" else str(SEED + self.kills[name])
        with open(self.logs / f"{name}.log", "ab") as log:
            return launch("serve" if name == "server" else "work", self.url, arg, self.clock, log)

    def start(self, name: str, *, again: bool = True) -> None:
        """Start ``name`` (its standby if there is one); ``again``: it may be killed and restarted later."""
        proc = self.standby.pop(name, None) or self._spawn(name)
        go(proc)
        self.procs[name] = proc
        if again and name == "server":
            self.standby[name] = self._spawn(name)

    def kill(self, name: str) -> None:
        proc = self.procs[name]
        assert proc.poll() is None, f"the {name} died on its own: see {self.logs / (name + '.log')}"
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(30) == -signal.SIGKILL
        if proc.stdin is not None:
            proc.stdin.close()
        self.kills[name] += 1

    def wait_until_serving(self) -> None:
        deadline = time.monotonic() + STARTUP
        while time.monotonic() < deadline:
            assert self.procs["server"].poll() is None, f"the server did not start: see {self.logs / 'server.log'}"
            try:
                if Http(self.port).call("GET", "/login")[0] == 200:
                    return
            except (Down, *CUT_OFF):
                time.sleep(0.05)
        raise AssertionError("the server did not answer in time")

    def stop_all(self) -> None:
        for proc in [*self.procs.values(), *self.standby.values()]:
            if proc.poll() is None:
                proc.kill()
            proc.wait(30)
            if proc.stdin is not None:
                proc.stdin.close()


def launch(command: str, url: str, arg: str, clock: ScaledClock, stdout: Any,
           **env: str) -> subprocess.Popen[bytes]:
    """A :mod:`tests.hardening.crash_processes` process, standing by until :func:`go`."""
    return subprocess.Popen([sys.executable, "-m", "tests.hardening.crash_processes", command, url, arg],
                            env=os.environ | {CLOCK_ENV: clock.to_env(), "PYTHONPATH": str(ROOT)} | env,
                            stdin=subprocess.PIPE, stdout=stdout, stderr=subprocess.STDOUT)


def go(proc: subprocess.Popen[bytes]) -> None:
    assert proc.stdin is not None
    proc.stdin.write(b"go\n")
    proc.stdin.flush()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def seed_cases(driver: Driver) -> ScaledClock:
    """Cases at every stage the load works on, some with deadlines already passed; the clock that goes on.

    Four cases go to 物业 (wuye), whom nobody in the load plays: their acceptance deadlines keep passing,
    the sweeper fires them, the supervisor extends, and round again — timers fire all through the test.
    """
    for n in range(8):
        driver.report(f"楼道灯坏了（第{n}栋）")
    for _ in range(3):
        waiting_for_council(driver)
    for _ in range(4):
        case = driver.report("井盖缺失有安全隐患", "安全隐患")
        driver.do(case, "triage", **FORMS["wangge"]["triage"])
        driver.do(case, "deliberate", **FORMS["yishi"]["deliberate"] | {"responsible_department": "wuye"})
    overdue = [waiting_for_department(driver) for _ in range(4)]
    deadlines = [as_utc(driver.item(case, "accept").due_at) for case in overdue]  # type: ignore[arg-type]
    return ScaledClock(max(deadlines) + timedelta(minutes=1), time.time(), SPEED)


def timers_fired(db: Database) -> int:
    with db.reading() as s:
        return s.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.type == "timers_fired")) or 0


def timers_fired_since(db: Database, count: int) -> bool:
    return timers_fired(db) > count


def completion_data(db: Database, case_id: int, task_id: str) -> list[dict[str, Any]]:
    with db.reading() as s:
        payloads = s.scalars(select(CaseEvent.payload).where(CaseEvent.case_id == case_id,
                                                               CaseEvent.type == "task_completed"))
        return [p["data"] for p in map(json.loads, payloads) if p["task_id"] == task_id]


def casegrid(*args: str) -> subprocess.CompletedProcess[str]:
    script = Path(sysconfig.get_path("scripts")) / "casegrid"
    return subprocess.run([str(script), *args], capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_server_and_sweeper_killed_at_random_leave_every_case_before_or_after_its_step(
        db: Database, driver: Driver, service: CaseService, tmp_path: Path) -> None:
    scaled = seed_cases(driver)
    fleet = Fleet(db.url, free_port(), scaled, tmp_path)
    load = Load(fleet.port)
    rng = random.Random(SEED)
    try:
        fleet.start("server")
        fleet.start("worker")
        fleet.wait_until_serving()
        load.start()
        started = time.time()
        completed, worker_from = 0, 0  # the load's completions and the timers fired when the worker started
        for n in range(KILLS + 1):
            last = n == KILLS  # the last crash takes both: nothing ever shuts down cleanly
            victims = ["server", "worker"] if last else rng.choice([["server"], ["worker"], ["server", "worker"]])
            answers = load.answers + rng.randint(*ANSWERS_BEFORE_KILL)
            load.wait_until(partial(load.past, answers, completed), "no acknowledged completion")
            if "worker" in victims:
                load.wait_until(partial(timers_fired_since, db, worker_from), "the worker fired no timer")
            time.sleep(rng.uniform(0, KILL_WITHIN))  # the kill lands wherever the load is
            for name in victims:
                fleet.kill(name)
            completed = load.completed
            if not last:
                if "worker" in victims:
                    worker_from = timers_fired(db)
                for name in victims:
                    fleet.start(name, again=n < KILLS - 1)
                fleet.wait_until_serving()
    finally:
        load.finish()
        fleet.stop_all()

    assert load.errors == []
    verified = casegrid("verify", "--db", db.url)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert all_case_problems(service, db) == {}
    with db.reading() as s:
        items = {i.id: i for i in s.scalars(select(WorkItem))}
    for attempt in load.attempts:
        item = items[attempt.item_id]
        # The fields as sent (the engine stores the validated form, defaults filled in).
        done = [{k: data.get(k) for k in attempt.form} for data in completion_data(db, item.case_id, item.task_id)]
        if attempt.outcome == "ok":  # acknowledged: it must have survived every later kill
            assert (item.state, item.completed_by, done) == ("completed", attempt.user, [attempt.form])
        elif attempt.outcome == "cut off":  # exactly after the step, or exactly before it
            expected = [attempt.form] if item.state == "completed" else []
            assert done == expected, (attempt, item)
    outcomes = Counter(a.outcome for a in load.attempts)
    fired = timers_fired(db)
    print(f"\n{db.engine.dialect.name}: {time.time() - started:.1f} s under load ({scaled.now():%Y-%m-%d} case time), "
          f"kills {dict(fleet.kills)}, completions {dict(outcomes)}, timers fired {fired}")
    assert outcomes["ok"] > 0 and fired > 0, "the load did not run"


@pytest.mark.slow
def test_sweeper_killed_inside_a_timer_firing_leaves_the_case_before_it_and_the_next_sweep_fires_it(
        db: Database, driver: Driver, service: CaseService) -> None:
    case = waiting_for_department(driver)
    after_deadline = ScaledClock(as_utc(driver.item(case, "accept").due_at) + timedelta(minutes=1),  # type: ignore[arg-type]
                                 time.time(), 1)
    before = case_state(service, db, case)
    sweeper = launch("work", db.url, str(SEED), after_deadline, subprocess.PIPE, **{STALL_ENV: "1"})
    try:
        go(sweeper)
        assert sweeper.stdout is not None
        ready, _, _ = wait_readable([sweeper.stdout], [], [], STARTUP)
        assert ready and sweeper.stdout.readline() == b"stalled\n", "the sweeper never got inside the firing"
        os.kill(sweeper.pid, signal.SIGKILL)  # every row of the firing written, nothing committed
        assert sweeper.wait(30) == -signal.SIGKILL
    finally:
        if sweeper.poll() is None:
            sweeper.kill()
            sweeper.wait(30)
        for pipe in (sweeper.stdin, sweeper.stdout):
            if pipe is not None:
                pipe.close()

    assert case_state(service, db, case) == before
    assert all_case_problems(service, db) == {}
    fired = CaseService(db, FixedClock(after_deadline.now())).tick()
    assert [r.case.id for r in fired] == [case.id]
    assert driver.open_ids(case) == ["unit_escalation"]
