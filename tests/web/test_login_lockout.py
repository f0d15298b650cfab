"""Guessing passwords: a username is locked after five failures, an address after ten tries a minute."""
from __future__ import annotations

import logging
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from engine.clock import FixedClock
from engine.db import Database
from engine.demo.organisation import DEMO_PASSWORD
from engine.people.lockout import LoginThrottle
from tests.fixtures.passwords import cheap_password_hashes  # noqa: F401
from tests.web.conftest import LoginAs
from web import create_app

#: The conftest clock stands at 2026-03-02 09:00 Beijing time: the lock ends fifteen minutes later.
LOCKED = "登录失败次数过多，请 15 分钟后再试（09:15 之后）。"

pytestmark = pytest.mark.usefixtures("cheap_password_hashes")
#: The counting itself is SQL that differs per dialect (an upsert): the tests of locking, unlocking and
#: forgetting run on both databases; the rest, about what the web layer does with it, on SQLite only.
sqlite_only = pytest.mark.parametrize("db", ["sqlite"], indirect=True)


def _fail(client: FlaskClient, username: str, times: int) -> None:
    for _ in range(times):
        assert client.post("/login", data={"username": username, "password": "wrong-password"}).status_code == 400


def _log_in(client: FlaskClient, username: str, password: str = DEMO_PASSWORD,  # type: ignore[no-untyped-def]
            client_address: str | None = None):
    headers = {"X-Forwarded-For": client_address} if client_address else {}
    return client.post("/login", data={"username": username, "password": password}, headers=headers)


def _rate_limited_app(db: Database, clock: FixedClock, tmp_path: Path, **config: object) -> Flask:
    return create_app({"TESTING": True, "DATABASE": db, "DATABASE_URL": db.url, "CLOCK": clock, "SECRET_KEY": "t",
                       "INSTANCE": str(tmp_path / "instance"), "WTF_CSRF_ENABLED": False, **config})


def test_five_failed_logins_lock_the_account_even_against_the_right_password(csrf_app: Flask) -> None:
    client = csrf_app.test_client()
    _fail(client, "wangge", 5)
    response = _log_in(client, "wangge")
    assert response.status_code == 429
    assert LOCKED in response.get_data(as_text=True)
    assert client.get("/inbox").status_code == 302  # still not logged in


@sqlite_only
def test_an_unknown_username_locks_the_same_way_so_the_lock_reveals_no_accounts(csrf_app: Flask) -> None:
    client = csrf_app.test_client()
    _fail(client, "nobody-here", 5)
    response = _log_in(client, "nobody-here")
    assert response.status_code == 429
    assert LOCKED in response.get_data(as_text=True)


def test_the_lock_ends_after_fifteen_minutes(csrf_app: Flask, clock: FixedClock) -> None:
    client = csrf_app.test_client()
    _fail(client, "wangge", 5)
    clock.advance(minutes=14)
    response = _log_in(client, "wangge")
    assert response.status_code == 429  # the page counts down: one minute left, the same moment on the clock
    assert "登录失败次数过多，请 1 分钟后再试（09:15 之后）。" in response.get_data(as_text=True)
    clock.advance(minutes=1)
    assert _log_in(client, "wangge").status_code == 302


@sqlite_only
def test_failures_spread_over_more_than_the_window_do_not_lock(csrf_app: Flask, clock: FixedClock) -> None:
    client = csrf_app.test_client()
    _fail(client, "wangge", 4)
    clock.advance(minutes=16)
    _fail(client, "wangge", 4)
    assert _log_in(client, "wangge").status_code == 302


def test_a_successful_login_forgets_earlier_failures(csrf_app: Flask, db: Database) -> None:
    client = csrf_app.test_client()
    _fail(client, "wangge", 4)
    assert _log_in(client, "wangge").status_code == 302
    with db.reading() as s:
        assert s.scalars(select(LoginThrottle)).all() == []


@sqlite_only
def test_an_admin_resetting_the_password_lifts_the_lock(csrf_app: Flask, login_as: LoginAs) -> None:
    client = csrf_app.test_client()
    _fail(client, "wangge", 5)
    response = login_as("admin").post("/admin/users/wangge/password",
                                      data={"pw-password": "new-password-1", "pw-confirm": "new-password-1"})
    assert response.status_code == 302
    assert _log_in(client, "wangge", "new-password-1").status_code == 302


@sqlite_only
def test_locking_one_account_leaves_the_others_alone(csrf_app: Flask) -> None:
    client = csrf_app.test_client()
    _fail(client, "wangge", 5)
    assert _log_in(csrf_app.test_client(), "dudao").status_code == 302


def test_failures_whose_window_is_over_are_forgotten(csrf_app: Flask, db: Database, clock: FixedClock) -> None:
    client = csrf_app.test_client()
    _fail(client, "made-up-1", 1)
    _fail(client, "wangge", 5)
    clock.advance(minutes=16)
    _fail(client, "made-up-2", 1)
    with db.reading() as s:
        assert len(s.scalars(select(LoginThrottle)).all()) == 1  # only the fresh one


@sqlite_only
def test_the_failure_count_keeps_no_username_in_clear(csrf_app: Flask, db: Database) -> None:
    _fail(csrf_app.test_client(), "my-secret-password", 1)  # typed into the wrong field
    with db.reading() as s:
        keys = s.scalars(select(LoginThrottle.key)).all()
    assert len(keys) == 1 and "my-secret-password" not in keys[0]


@sqlite_only
def test_the_lock_is_logged_with_the_account_and_address_but_no_password(
        csrf_app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="casegrid.security")
    _fail(csrf_app.test_client(), "wangge", 5)
    [record] = [r for r in caplog.records if r.name == "casegrid.security"]
    assert record.levelno == logging.WARNING
    assert "user wangge" in record.getMessage() and "127.0.0.1" in record.getMessage()
    assert "wrong-password" not in caplog.text


@sqlite_only
def test_a_locked_account_is_refused_over_the_api_basic_auth_too(csrf_app: Flask) -> None:
    client = csrf_app.test_client()
    for _ in range(5):
        assert client.get("/api/inbox", auth=("wangge", "wrong-password")).status_code == 401
    response = client.get("/api/inbox", auth=("wangge", DEMO_PASSWORD))
    assert response.status_code in (403, 429)
    assert "登录失败次数过多" in response.get_json()["message"]


@sqlite_only
def test_one_address_may_post_ten_logins_a_minute_for_one_username(db: Database, clock: FixedClock,
                                                                   tmp_path: Path) -> None:
    client = _rate_limited_app(db, clock, tmp_path, LOGIN_MAX_FAILURES=100).test_client()
    for _ in range(10):  # the per-account lock is set high: this is the address-and-username limit alone
        assert _log_in(client, "wangge", "wrong-password").status_code == 400
    response = _log_in(client, "wangge")
    assert response.status_code == 429
    seconds = int(response.headers["Retry-After"])
    # When to come back, in seconds and on the clock (Beijing time; the clock stands at 09:00, rounded up).
    retry_at = "09:01" if seconds <= 60 else "09:02"
    assert f"操作过于频繁，请 {seconds} 秒后再试（{retry_at} 之后）。" in response.get_data(as_text=True)
    assert _log_in(client, "dudao").status_code == 302  # the office's other people, same address, log in


@sqlite_only
def test_behind_a_proxy_the_address_limit_counts_each_client_not_the_proxy(db: Database, clock: FixedClock,
                                                                           tmp_path: Path) -> None:
    client = _rate_limited_app(db, clock, tmp_path, PROXY_HOPS=1, LOGIN_MAX_FAILURES=100).test_client()
    for _ in range(10):
        assert _log_in(client, "dudao", "wrong-password", client_address="203.0.113.7").status_code == 400
    assert _log_in(client, "dudao", client_address="203.0.113.7").status_code == 429
    assert _log_in(client, "dudao", client_address="198.51.100.2").status_code == 302
