"""Throttles that fit the users: every public endpoint has a budget per address or per token, integrations
have a quota of their own, logins count per address and username, and a 429 says when to retry.

Limits are set small per test through the app's config; counters are the app's own (memory://). The shared
store across processes is tested in ``test_throttles_shared.py``.
"""
from __future__ import annotations

import re
import secrets
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from engine.clock import FixedClock
from engine.db import Database
from engine.demo.organisation import DEMO_PASSWORD
from tests.fixtures.receivers import free_port
from web import create_app
from web.access import ACCESS_ATTR
from web.throttles import PUBLIC_ENDPOINTS

#: The web layer's counting does not depend on the database (tokens and logins are read the same way).
pytestmark = pytest.mark.parametrize("db", ["sqlite"], indirect=True)

V2 = "/open311/v2"


def _app(db: Database, clock: FixedClock, tmp_path: Path, **limits: Any) -> Flask:
    return create_app({"TESTING": True, "DATABASE": db, "DATABASE_URL": db.url, "CLOCK": clock, "SECRET_KEY": "t",
                       "INSTANCE": str(tmp_path / "instance"), "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": True,
                       "LOGIN_MAX_FAILURES": 1000, **limits})


def _token(app: Flask) -> str:
    return str(app.extensions["casegrid.tokens"].issue("wangge", "微信小程序", by="admin").secret)


def _statuses(client: FlaskClient, url: str, times: int, **kwargs: Any) -> list[int]:
    return [client.get(url, **kwargs).status_code for _ in range(times)]


def _open311_post(client: FlaskClient, api_key: str) -> Any:
    return client.post(f"{V2}/requests.json", data={
        "api_key": api_key, "service_code": "2", "description": "3 号楼门口垃圾堆了三天",
        "lat": "31.2304", "long": "121.4737", "attribute[grid]": "XF-01"})


def _retry_seconds(response: Any) -> int:
    seconds = int(response.headers["Retry-After"])
    assert 1 <= seconds <= 60  # per-minute limits in these tests
    return seconds


def test_every_public_route_has_a_throttle(app: Flask) -> None:
    public = {rule.endpoint for rule in app.url_map.iter_rules()
              if getattr(app.view_functions[rule.endpoint], ACCESS_ATTR, None) == "public" and rule.endpoint != "static"}
    missing = sorted(public - set(PUBLIC_ENDPOINTS))
    assert not missing, f"add a row to web/throttles.py PUBLIC_ENDPOINTS for: {missing}"
    assert not sorted(set(PUBLIC_ENDPOINTS) - public), "PUBLIC_ENDPOINTS names a route that is not public"


def test_open311_listings_are_limited_per_address_with_a_georeport_error_saying_when_to_retry(
        db: Database, clock: FixedClock, tmp_path: Path) -> None:
    client = _app(db, clock, tmp_path, OPEN311_READ_LIMIT="3 per minute").test_client()
    assert _statuses(client, f"{V2}/requests.json", 3) == [200, 200, 200]
    refused = client.get(f"{V2}/requests.json")
    assert refused.status_code == 429
    [error] = refused.get_json()
    _retry_seconds(refused)
    assert error["code"] == 429 and re.search(r"请 \d+ 秒后再试", error["description"])
    xml = client.get(f"{V2}/requests.xml")
    assert xml.status_code == 429 and xml.mimetype == "text/xml" and b"<code>429</code>" in xml.data
    other = client.get(f"{V2}/requests.json", environ_base={"REMOTE_ADDR": "198.51.100.9"})
    assert other.status_code == 200  # another address has its own budget


def test_open311_single_requests_share_the_listing_budget(db: Database, clock: FixedClock, tmp_path: Path) -> None:
    client = _app(db, clock, tmp_path, OPEN311_READ_LIMIT="2 per minute").test_client()
    assert _statuses(client, f"{V2}/requests/260302-ABCDE2.json", 3) == [404, 404, 429]
    assert client.get(f"{V2}/requests.json").status_code == 429


def test_an_integration_reading_with_its_token_has_its_own_quota(db: Database, clock: FixedClock,
                                                                 tmp_path: Path) -> None:
    app = _app(db, clock, tmp_path, OPEN311_READ_LIMIT="2 per minute", INTEGRATION_LIMIT="5 per minute")
    client, token = app.test_client(), _token(app)
    assert _statuses(client, f"{V2}/requests.json", 2) == [200, 200]
    assert client.get(f"{V2}/requests.json").status_code == 429  # the address's budget is used up
    with_token = _statuses(client, f"{V2}/requests.json?api_key={token}", 6)
    assert with_token == [200] * 5 + [429]
    made_up = client.get(f"{V2}/requests.json?api_key=cgt_{secrets.token_urlsafe(32)}")
    assert made_up.status_code == 429  # a made-up key is the address again, not a fresh quota


def test_an_integration_files_beyond_the_residents_form_limit_and_leaves_it_to_the_residents(
        db: Database, clock: FixedClock, tmp_path: Path) -> None:
    app = _app(db, clock, tmp_path, PUBLIC_FORM_LIMIT="2 per minute", INTEGRATION_LIMIT="4 per minute")
    client, token = app.test_client(), _token(app)
    assert [_open311_post(client, token).status_code for _ in range(5)] == [201, 201, 201, 201, 429]
    # The residents' form from the same address still has its whole budget.
    wrong = [_open311_post(client, "cgt_wrong-key-wrong-key").status_code for _ in range(3)]
    assert wrong == [403, 403, 429]


def test_tracking_pages_are_limited_per_address(db: Database, clock: FixedClock, tmp_path: Path,
                                                driver: Any) -> None:
    code = driver.report().tracking_code
    client = _app(db, clock, tmp_path, PUBLIC_READ_LIMIT="4 per minute").test_client()
    assert _statuses(client, f"/track/{code}", 5) == [200, 200, 200, 200, 429]


def test_a_429_page_says_when_to_retry(db: Database, clock: FixedClock, tmp_path: Path) -> None:
    client = _app(db, clock, tmp_path, PUBLIC_READ_LIMIT="1 per minute").test_client()
    assert client.get("/report").status_code == 200
    refused = client.get("/report")
    _retry_seconds(refused)
    assert refused.status_code == 429
    assert re.search(r"操作过于频繁，请 \d+ 秒后再试（\d\d:\d\d 之后）。", refused.get_data(as_text=True))


def test_voting_is_limited_per_ballot_token_and_per_address(db: Database, clock: FixedClock,
                                                            tmp_path: Path) -> None:
    client = _app(db, clock, tmp_path, VOTE_TOKEN_LIMIT="2 per minute", VOTE_ADDRESS_LIMIT="3 per minute",
                  PUBLIC_READ_LIMIT="100 per minute").test_client()
    token = secrets.token_urlsafe(18)
    assert [client.post(f"/vote/{token}", data={"choice": "yes"}).status_code for _ in range(3)][2] == 429
    other = secrets.token_urlsafe(18)
    assert client.post(f"/vote/{other}", data={"choice": "yes"}).status_code != 429
    assert client.post(f"/vote/{secrets.token_urlsafe(18)}", data={"choice": "yes"}).status_code == 429
    assert client.get(f"/vote/{other}").status_code != 429  # reading the ballot is the page budget's


def test_the_ballot_page_has_a_per_address_budget(db: Database, clock: FixedClock, tmp_path: Path) -> None:
    client = _app(db, clock, tmp_path, PUBLIC_READ_LIMIT="3 per minute").test_client()
    assert _statuses(client, f"/vote/{secrets.token_urlsafe(18)}", 4)[3] == 429


def test_an_api_token_has_a_quota_answered_in_json_with_retry_after(db: Database, clock: FixedClock,
                                                                    tmp_path: Path) -> None:
    app = _app(db, clock, tmp_path, INTEGRATION_LIMIT="3 per minute")
    client, token = app.test_client(), _token(app)
    headers = {"Authorization": f"Bearer {token}"}
    assert _statuses(client, "/api/inbox", 4, headers=headers) == [200, 200, 200, 429]
    refused = client.get("/api/inbox", headers=headers)
    body = refused.get_json()
    # Flask-Limiter rewrites the header from the same moment, rounding down: a second apart at most.
    assert body["status"] == 429 and abs(body["retry_after"] - _retry_seconds(refused)) <= 1
    assert re.search(r"请 \d+ 秒后再试", body["message"])


def test_logins_count_per_address_and_username_so_an_office_does_not_lock_itself_out(
        db: Database, clock: FixedClock, tmp_path: Path) -> None:
    client = _app(db, clock, tmp_path, LOGIN_LIMIT="3 per minute").test_client()
    wrong = [client.post("/login", data={"username": "nobody", "password": "wrong-password"}).status_code
             for _ in range(4)]
    assert wrong == [400, 400, 400, 429]
    # A colleague at the same address (the office's one NAT address) logs in as usual.
    assert client.post("/login", data={"username": "dudao", "password": DEMO_PASSWORD}).status_code == 302


def test_many_usernames_from_one_address_meet_the_address_limit(db: Database, clock: FixedClock,
                                                                tmp_path: Path) -> None:
    client = _app(db, clock, tmp_path, LOGIN_ADDRESS_LIMIT="4 per minute").test_client()
    statuses = [client.post("/login", data={"username": f"guess-{n}", "password": "x"}).status_code
                for n in range(5)]
    assert statuses == [400, 400, 400, 400, 429]


def test_with_the_shared_store_down_limits_hold_in_memory_and_nobody_gets_a_500(
        db: Database, clock: FixedClock, tmp_path: Path, driver: Any, caplog: pytest.LogCaptureFixture) -> None:
    nothing_listens = f"redis://127.0.0.1:{free_port()}/0"
    client = _app(db, clock, tmp_path, RATELIMIT_STORAGE_URI=nothing_listens, OPEN311_READ_LIMIT="2 per minute",
                  PUBLIC_FORM_LIMIT="2 per minute").test_client()
    assert _statuses(client, f"{V2}/requests.json", 3) == [200, 200, 429]
    assert "rate-limit store unreachable" in caplog.text
    misses = [client.post("/track", data={"code": f"260302-ABCDE{n}"}).status_code for n in range(2, 5)]
    assert misses == [404, 404, 429]  # Flask-Limiter's own limits fall back the same way
