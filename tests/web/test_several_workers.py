"""Several web workers behind one address: two real gunicorn servers started with deploy/gunicorn.conf.py (the
production configuration of docker-compose's ``web`` and ``casegrid-web.service``) on one database.

Logins are signed session cookies, not server-side sessions: any worker with the same ``CASEGRID_SECRET_KEY``
reads a login made on another, and a logout on one ends the login everywhere (the account's session version is
in the database). Rate limits count in Redis, so a client alternating between the workers meets one budget.
Nothing is shared through a worker's memory.
"""
from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from engine.db import Database
from engine.demo.organisation import DEMO_PASSWORD
from tests.fixtures.receivers import free_port
from tests.web.test_throttles_shared import _redis_url, _wait_until_up

pytestmark = pytest.mark.parametrize("db", ["sqlite"], indirect=True)

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "deploy" / "gunicorn.conf.py"
LOGIN_LIMIT = 3
StartGunicorn = Callable[[dict[str, str]], str]


@pytest.fixture
def gunicorn(db: Database, tmp_path: Path) -> Iterator[StartGunicorn]:
    started: list[subprocess.Popen[bytes]] = []

    def start(extra: dict[str, str]) -> str:
        port = free_port()
        env = os.environ | {
            "CASEGRID_DATABASE_URL": db.url, "CASEGRID_INSTANCE": str(tmp_path / f"instance-{port}"),
            "CASEGRID_SECRET_KEY": "one-key-for-every-worker", "CASEGRID_BIND": f"127.0.0.1:{port}",
            "CASEGRID_WEB_WORKERS": "1", "CASEGRID_WEB_THREADS": "2"} | extra
        log = tmp_path / f"gunicorn-{port}.log"
        with log.open("wb") as output:
            process = subprocess.Popen([str(Path(sys.executable).with_name("gunicorn")), "--config", str(CONFIG)],
                                       env=env, cwd=tmp_path, stdout=output, stderr=subprocess.STDOUT)
        started.append(process)
        _wait_until_up(port, process, log)
        return f"http://127.0.0.1:{port}"

    yield start
    for process in started:
        process.terminate()
        process.wait(timeout=30)


def _csrf(page: httpx.Response) -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text) \
        or re.search(r'value="([^"]+)"[^>]*name="csrf_token"', page.text)
    assert found, page.text[:500]
    return found.group(1)


def _login(browser: httpx.Client, form_from: str, post_to: str, password: str = DEMO_PASSWORD) -> httpx.Response:
    token = _csrf(browser.get(f"{form_from}/login"))
    return browser.post(f"{post_to}/login", data={"csrf_token": token, "username": "wangge", "password": password})


def test_a_login_on_one_worker_is_valid_on_the_other_and_a_logout_ends_it_on_both(
        gunicorn: StartGunicorn) -> None:
    one, two = gunicorn({}), gunicorn({})
    # One browser, one cookie jar (the cookie is the host's, whatever the port): as behind a load balancer.
    with httpx.Client(timeout=30) as browser:
        response = _login(browser, form_from=one, post_to=two)  # the form's CSRF token from the other worker
        assert response.status_code == 302, response.text[:500]
        inbox = browser.get(f"{one}/inbox")
        assert inbox.status_code == 200 and "李网格员" in inbox.text
        copy = dict(browser.cookies)

        logout = browser.post(f"{one}/logout", data={"csrf_token": _csrf(inbox)})
        assert logout.status_code == 302
    with httpx.Client(timeout=30, cookies=copy) as stolen:  # the cookie as it was before the logout
        response = stolen.get(f"{two}/inbox")
        assert response.status_code == 302 and response.headers["location"].startswith("/login")


def test_login_attempts_count_once_across_workers_sharing_redis(gunicorn: StartGunicorn) -> None:
    shared = {"CASEGRID_RATELIMIT_STORAGE_URI": _redis_url(),
              "CASEGRID_RATELIMIT_KEY_PREFIX": f"test-{secrets.token_hex(6)}",
              "CASEGRID_LOGIN_LIMIT": f"{LOGIN_LIMIT} per hour"}
    workers = [gunicorn(shared), gunicorn(shared)]
    with httpx.Client(timeout=30) as browser:
        statuses = [_login(browser, form_from=workers[n % 2], post_to=workers[(n + 1) % 2],
                           password="not-the-password").status_code for n in range(LOGIN_LIMIT + 1)]
    assert statuses == [400] * LOGIN_LIMIT + [429]  # 400: wrong password, 429: over the limit

