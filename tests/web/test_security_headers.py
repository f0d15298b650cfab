"""Every response carries the security headers; the script policy allows no inline code, no framing."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from engine.clock import FixedClock
from engine.db import Database
from tests.web.conftest import LoginAs
from web import create_app

#: Headers and cookies do not depend on the database: SQLite only.
sqlite_only = pytest.mark.parametrize("db", ["sqlite"], indirect=True)

WEB = Path(__file__).resolve().parents[2] / "web"

#: One response of each kind: a page, a redirect, an error page, a JSON error, a static file, a public API.
SAMPLES = ["/", "/inbox", "/no/such/page", "/api/inbox", "/static/css/app.css", "/api/openapi.json", "/report?new=1"]


def _policy(header: str) -> dict[str, str]:
    return {part.split()[0]: " ".join(part.split()[1:]) for part in header.split(";") if part.strip()}


@sqlite_only
@pytest.mark.parametrize("url", SAMPLES)
def test_every_kind_of_response_carries_the_security_headers(client: FlaskClient, url: str) -> None:
    with client.get(url) as response:
        headers = response.headers
    assert "Content-Security-Policy" in headers
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "camera=()" in headers["Permissions-Policy"]


@sqlite_only
def test_the_script_policy_allows_only_the_apps_own_files(client: FlaskClient) -> None:
    policy = _policy(client.get("/").headers["Content-Security-Policy"])
    assert policy["script-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["default-src"] == "'self'"


@sqlite_only
def test_no_page_may_be_framed(client: FlaskClient) -> None:
    assert _policy(client.get("/login").headers["Content-Security-Policy"])["frame-ancestors"] == "'none'"


@sqlite_only
def test_a_logged_in_page_carries_the_headers_too(login_as: LoginAs) -> None:
    headers = login_as("dudao").get("/inbox").headers
    assert headers["X-Frame-Options"] == "DENY" and "script-src 'self'" in headers["Content-Security-Policy"]


@sqlite_only
def test_staff_pages_are_not_kept_in_the_browser_cache_but_static_files_and_public_pages_may_be(
        login_as: LoginAs, client: FlaskClient) -> None:
    staff = login_as("dudao")
    assert staff.get("/inbox").headers["Cache-Control"] == "no-store"
    with staff.get("/static/css/app.css") as static:
        assert "no-store" not in static.headers.get("Cache-Control", "")
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")


def test_no_template_has_an_inline_script_or_event_handler() -> None:
    """An inline script would be refused by the policy: the page would silently lose its behaviour."""
    offenders = []
    for template in WEB.glob("**/templates/**/*.html"):
        text = template.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag and 'type="application/json"' not in tag:
                offenders.append(f"{template.relative_to(WEB)}: {tag}")
        offenders += [f"{template.relative_to(WEB)}: {m}" for m in re.findall(r"\son[a-z]+\s*=\s*[\"']", text)]
        offenders += [f"{template.relative_to(WEB)}: {m}" for m in re.findall(r"javascript:", text)]
    assert offenders == []


@sqlite_only
def test_strict_transport_security_is_sent_only_when_serving_https(
        db: Database, clock: FixedClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = {"TESTING": True, "DATABASE": db, "DATABASE_URL": db.url, "CLOCK": clock, "SECRET_KEY": "t",
              "INSTANCE": str(tmp_path / "instance")}
    assert "Strict-Transport-Security" not in create_app(config).test_client().get("/").headers
    monkeypatch.setenv("CASEGRID_HTTPS", "1")
    assert create_app(config).test_client().get("/").headers["Strict-Transport-Security"].startswith("max-age=")
