"""Several workers, one budget: two real server processes sharing Redis count one combined limit; with the
single-process default (``memory://``) each would count its own, so a client spreading its requests over the
workers got twice the limit.

Redis is the machine's server (``CASEGRID_TEST_REDIS_URL``, e.g. ``redis://127.0.0.1:6379/1``; ``.ci/run``
starts it); each test uses a key prefix of its own.
"""
from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from engine.db import Database
from tests.fixtures.receivers import free_port

REDIS_ENV = "CASEGRID_TEST_REDIS_URL"
#: Starts a server process with a rate-limit store and key prefix; returns its port.
StartWorker = Callable[[str, str], int]
LIMIT = 6

pytestmark = pytest.mark.parametrize("db", ["sqlite"], indirect=True)


def _redis_url() -> str:
    url = os.environ.get(REDIS_ENV)
    if url:
        return url
    if os.environ.get("CI") == "true":
        raise pytest.UsageError(f"CI=true but {REDIS_ENV} is not set: the shared-limit test must run in CI")
    pytest.skip(f"{REDIS_ENV} is not set")


def _get(port: int, path: str) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def _wait_until_up(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90  # a cold start imports Prefect and friends: seconds on a busy machine
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited: {log.read_text()[-2000:]}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5).close()
            return
        except OSError:
            time.sleep(0.2)  # polling a starting server, not timing the code under test
    raise AssertionError("server did not start")


@pytest.fixture
def workers(db: Database, tmp_path: Path) -> Iterator[StartWorker]:
    started: list[subprocess.Popen[bytes]] = []

    def start(storage_uri: str, prefix: str) -> int:
        port = free_port()
        env = os.environ | {
            "CASEGRID_DATABASE_URL": db.url, "CASEGRID_INSTANCE": str(tmp_path / f"instance-{port}"),
            "CASEGRID_SECRET_KEY": "shared-limits", "CASEGRID_RATELIMIT_STORAGE_URI": storage_uri,
            "CASEGRID_RATELIMIT_KEY_PREFIX": prefix, "CASEGRID_OPEN311_READ_LIMIT": f"{LIMIT} per hour"}
        casegrid = str(Path(sys.executable).with_name("casegrid"))
        log = tmp_path / f"server-{port}.log"
        with log.open("wb") as output:
            process = subprocess.Popen([casegrid, "serve", "--port", str(port), "--threads", "2", "--no-sweep"],
                                       env=env, stdout=output, stderr=subprocess.STDOUT)
        started.append(process)
        _wait_until_up(port, process, log)
        return port

    yield start
    for process in started:
        process.terminate()
        process.wait(timeout=30)


def _alternate(ports: list[int], times: int) -> list[int]:
    return [_get(ports[n % len(ports)], "/open311/v2/requests.json") for n in range(times)]


def test_two_workers_sharing_redis_count_one_limit(workers: StartWorker) -> None:
    url, prefix = _redis_url(), f"test-{secrets.token_hex(6)}"
    ports = [workers(url, prefix), workers(url, prefix)]
    statuses = _alternate(ports, LIMIT + 2)
    assert statuses == [200] * LIMIT + [429, 429]


def test_two_workers_each_in_memory_count_apart_which_is_why_redis_is_needed(workers: StartWorker) -> None:
    ports = [workers("memory://", "a"), workers("memory://", "b")]
    statuses = _alternate(ports, LIMIT + 2)
    assert statuses == [200] * (LIMIT + 2)
