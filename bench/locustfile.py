"""Locust users for ``bench/http_load.py`` (figure 7). Not meant to be run by hand.

Each user takes one of the sessions http_load.py logged in beforehand (``BENCH_SESSIONS``: JSON list of
``{"cookies": {...}, "csrf": token}``, grid worker ``wangge`` through the real login form), so scrypt
and the login never fall in the timed window, and then, by ``BENCH_SCENARIO``:

- ``inbox``: GET /inbox, over and over;
- ``complete``: takes the next open triage item from the pool file (``BENCH_POOL``: JSON list of
  ``[work item id, case version]``, made by http_load.py) and POSTs its task form (on-the-spot
  handling), over and over; each item is completed once. When the pool runs dry the user stops.
  Like a browser it then follows the redirect to the inbox (a separate row, so the POST's own
  figures stay apart; it also shows the flash message, which would otherwise pile up in the cookie).
"""
from __future__ import annotations

import itertools
import json
import os
import time
from collections import defaultdict

from locust import HttpUser, constant, events, task
from locust.exception import StopUser

SCENARIO = os.environ.get("BENCH_SCENARIO", "inbox")
POOL: list[list[int]] = json.loads(open(os.environ["BENCH_POOL"]).read()) if os.environ.get("BENCH_POOL") else []
SESSIONS: list[dict] = json.loads(open(os.environ["BENCH_SESSIONS"]).read())
_next_session = itertools.count()
#: Every request's (end time, response time ms, failed) by name, written to ``BENCH_OUT`` when locust quits
#: (its own CSV is written on a timer and can miss the last second of a short run).
_seen: dict[str, list[tuple[float, float, bool]]] = defaultdict(list)


@events.request.add_listener
def _record(request_type: str, name: str, response_time: float, response_length: int,
            exception: BaseException | None = None, **_: object) -> None:
    _seen[name].append((time.time(), response_time, exception is not None))


@events.quitting.add_listener
def _write(**_: object) -> None:
    if os.environ.get("BENCH_OUT"):
        with open(os.environ["BENCH_OUT"], "w") as handle:
            json.dump(_seen, handle)


class Worker(HttpUser):
    wait_time = constant(0)

    def on_start(self) -> None:
        session = SESSIONS[next(_next_session) % len(SESSIONS)]
        for name, value in session["cookies"].items():
            self.client.cookies.set(name, value)
        self.csrf = session["csrf"]

    @task
    def work(self) -> None:
        if SCENARIO == "inbox":
            with self.client.get("/inbox", name="GET /inbox", catch_response=True) as response:
                if response.status_code != 200:
                    response.failure(f"status {response.status_code}")
            return
        if not POOL:
            raise StopUser()
        item_id, version = POOL.pop()
        with self.client.post(f"/inbox/tasks/{item_id}", name="POST /inbox/tasks/<id>", allow_redirects=False,
                              catch_response=True, data={
                                  "csrf_token": self.csrf, "case_version": str(version),
                                  "triage_decision": "on_spot", "triage_note": "已当场处理"}) as response:
            if response.status_code != 302:
                response.failure(f"status {response.status_code}: {response.text[:200]}")
        self.client.get("/inbox", name="GET /inbox after POST")
