"""The staff session cookie: script-proof, same-site, HTTPS-only when configured, bound to the browser."""
from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from engine.clock import FixedClock
from engine.db import Database
from engine.demo.organisation import DEMO_PASSWORD
from web import create_app

#: Headers and cookies do not depend on the database: SQLite only.
sqlite_only = pytest.mark.parametrize("db", ["sqlite"], indirect=True)

LOGIN = {"username": "dudao", "password": DEMO_PASSWORD}


def _session_cookie(client: FlaskClient, base_url: str = "http://localhost") -> str:
    response = client.post("/login", data=LOGIN, base_url=base_url)
    assert response.status_code == 302
    [cookie] = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    return cookie


@sqlite_only
def test_the_session_cookie_is_http_only_and_same_site_lax(csrf_app: Flask) -> None:
    cookie = _session_cookie(csrf_app.test_client())
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain-HTTP demo installations must still be able to log in


@sqlite_only
def test_behind_https_the_cookies_are_secure_only(db: Database, clock: FixedClock, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASEGRID_HTTPS", "true")
    app = create_app({"TESTING": True, "DATABASE": db, "DATABASE_URL": db.url, "CLOCK": clock, "SECRET_KEY": "t",
                      "INSTANCE": str(tmp_path / "instance"), "WTF_CSRF_ENABLED": False,
                      "RATELIMIT_ENABLED": False})
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert "Secure" in _session_cookie(app.test_client(), "https://localhost")


@sqlite_only
def test_a_session_replayed_from_another_browser_is_dropped(csrf_app: Flask) -> None:
    client = csrf_app.test_client()
    _session_cookie(client)
    assert client.get("/inbox").status_code == 200
    response = client.get("/inbox", headers={"User-Agent": "another browser"})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


@sqlite_only
def test_logging_out_clears_the_session_but_keeps_the_language(csrf_app: Flask) -> None:
    client = csrf_app.test_client()
    client.post("/lang/en", data={"next": "/"})
    _session_cookie(client)
    client.post("/logout")
    with client.session_transaction() as session:
        assert dict(session) == {"lang": "en"}
    assert client.get("/inbox").status_code == 302
