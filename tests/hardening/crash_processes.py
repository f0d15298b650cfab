"""The processes the crash test kills: the real web app under waitress, and a sweep worker.

Run as ``python -m tests.hardening.crash_processes serve URL PORT`` or ``... work URL SEED``; the
process imports everything, then waits for a line on stdin before it opens the database, so the
test can keep a warm standby and restart a killed process at once (a cold start of the app takes
seconds on a busy machine). Both take their time from :class:`ScaledClock` (``CASEGRID_TEST_CLOCK``), the same in every
process and across restarts, so that deadlines keep falling due while the test runs and every
process agrees on the time. Nothing else differs from production: ``web.create_app`` served by
waitress, and :class:`CaseService` calls, each one transaction.

With ``CASEGRID_TEST_STALL`` set, the first engine step of the process writes all its rows, says
``stalled`` on stdout and hangs inside its open transaction, for the test to kill it right there.
This fault injection lives here, in the test's own launcher; no engine code path knows about it.
"""
from __future__ import annotations

import os
import random
import sys
import time
from datetime import datetime, timedelta

from typing import Any

from sqlalchemy.orm import Session
from waitress import serve as waitress_serve

import engine.cases.steps
from engine.db import Database
from engine.errors import CasegridError
from engine.people.actor import Actor
from engine.people.roles import Role
from engine import CaseService
from web import create_app

CLOCK_ENV = "CASEGRID_TEST_CLOCK"
STALL_ENV = "CASEGRID_TEST_STALL"

#: The supervisor's answer to an overdue task: one more working day (the task comes back, and so does its timer).
EXTEND = {"escalation_action": "extend", "extend_days": 1, "escalation_reason": "部门人手紧张，延期一天"}
#: What the supervisor does with each overdue task: a triage the grid worker missed goes to the council, as the
#: grid worker would have sent it. Under load, deadlines (a day a second) outrun the people: every missed one
#: comes back as work, so the load never runs dry.
SUPERVISOR_FORMS = {"unit_escalation": EXTEND, "handle_escalation": EXTEND,
                    "triage_overdue": {"triage_decision": "negotiate", "triage_note": "逾期未分拨，提交议事"}}


class ScaledClock:
    """``base`` at wall-clock second ``t0``, running ``speed`` times faster than the wall clock."""

    def __init__(self, base: datetime, t0: float, speed: float) -> None:
        self.base, self.t0, self.speed = base, t0, speed

    def now(self) -> datetime:
        return self.base + timedelta(seconds=(time.time() - self.t0) * self.speed)

    def to_env(self) -> str:
        return f"{self.base.isoformat()}|{self.t0}|{self.speed}"

    @classmethod
    def from_env(cls) -> ScaledClock:
        base, t0, speed = os.environ[CLOCK_ENV].split("|")
        return cls(datetime.fromisoformat(base), float(t0), float(speed))


def serve(url: str, port: int) -> None:
    app = create_app({"DATABASE_URL": url, "CLOCK": ScaledClock.from_env(), "SECRET_KEY": "crash-test",
                      "RATELIMIT_ENABLED": False})
    waitress_serve(app, host="127.0.0.1", port=port, threads=4, _quiet=True)


def work(url: str, seed: int) -> None:
    """Sweep due timers and answer the supervisor's overdue tasks, for ever (until killed)."""
    service = CaseService(Database(url), ScaledClock.from_env())
    supervisor = Actor("dudao", Role.SUPERVISOR.value)
    rng = random.Random(seed)
    while True:
        fired = service.tick(limit=rng.randint(1, 3))
        # The whole inbox, not its first page: tasks of other kinds must not hide the ones answered here.
        items = [i for i in service.inbox(supervisor, limit=500) if i.bpmn_id in SUPERVISOR_FORMS][:5]
        for item in items:
            try:
                service.complete_task(item.id, SUPERVISOR_FORMS[item.bpmn_id], supervisor)
            except CasegridError as exc:  # e.g. a timer of the case fired first
                print(f"refused: {exc.message}", file=sys.stderr, flush=True)
        if not fired and not items:
            time.sleep(0.02)  # idle: do not spin on a shared machine


def stall_inside_the_first_step() -> None:
    """The step's last write (its domain records), flushed into the open transaction; then a hang."""
    real = engine.cases.steps.append_records

    def written_then_hang(session: Session, *args: Any, **kwargs: Any) -> Any:
        real(session, *args, **kwargs)
        session.flush()
        print("stalled", flush=True)
        while True:
            time.sleep(60)

    engine.cases.steps.append_records = written_then_hang


if __name__ == "__main__":
    command, url, arg = sys.argv[1:4]
    sys.stdin.readline()  # standing by until the test starts this process
    if os.environ.get(STALL_ENV):
        stall_inside_the_first_step()
    if command == "serve":
        serve(url, int(arg))
    else:
        work(url, int(arg))
