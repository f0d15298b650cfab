"""12345 hotline work orders, with the test playing the city's platform: it dispatches 100 work orders to
casegrid served on 127.0.0.1 over real HTTP, takes casegrid's callbacks on a real HTTP receiver of its own
(which checks every signature and keeps each Idempotency-Key once), and reports the callers' 回访 ratings.
The street accepts, objects (退回) and replies through the API; its staff triage the cases as usual.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta, timezone
from typing import Any

import httpx
import pytest
from flask import Flask

from engine import CaseService
from engine.clock import FixedClock
from engine.db import Database
from engine.errors import ValidationError
from engine.demo.driver import Driver
from engine.hotline import CallbackSender, HotlineService
from engine.hotline.models import HotlineCaller
from engine.people.roles import HOTLINE_PLATFORM
from tests.fixtures.receivers import Inbox, webhook_receiver

SECRET = "hotline-shared-secret"
BEIJING = timezone(timedelta(hours=8))
ORDERS = 100




@pytest.fixture
def platform(app: Flask, live_url: str) -> Iterator[httpx.Client]:
    """The platform's HTTP client, with a token of the integration account casegrid's admin made for it."""
    app.extensions["casegrid.people"].create_integration("hotline-12345", "市 12345 热线平台", HOTLINE_PLATFORM,
                                                         by="admin")
    token = app.extensions["casegrid.tokens"].issue("hotline-12345", "12345 热线平台", by="admin").secret
    with httpx.Client(base_url=live_url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
        yield client


@pytest.fixture
def street(app: Flask, live_url: str) -> Iterator[httpx.Client]:
    """The grid worker of 幸福里 (XF-01), through the API with their own token."""
    token = app.extensions["casegrid.tokens"].issue("wangge", "工单处理", by="admin").secret
    with httpx.Client(base_url=live_url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
        yield client


@pytest.fixture
def callbacks(app: Flask, db: Database, clock: FixedClock) -> Iterator[tuple[HotlineService, Inbox]]:
    with webhook_receiver(SECRET) as (url, inbox):
        sender = CallbackSender(db, clock, url, SECRET)
        yield HotlineService(db, clock, app.extensions["casegrid.cases"].hooks, sender=sender), inbox
        sender.close()


def work_order(n: int, clock: FixedClock, **fields: Any) -> dict[str, Any]:
    return {"order_no": f"12345-2026-{n:06d}", "category": "市容环境" if n % 2 else "物业服务",
            "content": f"来电反映：幸福里 {n} 号楼门口垃圾多日未清运", "time_limit_class": "3 个工作日",
            "deadline": (clock.now() + timedelta(days=3)).astimezone(BEIJING).isoformat(timespec="seconds"),
            "urgency": "紧急" if n % 10 == 0 else "一般", "address": f"幸福里 {n} 号楼", "lat": 31.23, "long": 121.47,
            "grid": "XF-01", "caller": {"name": "王女士", "phone": f"1391234{n:04d}"}} | fields


def test_a_hundred_work_orders_come_back_signed_in_order_and_exactly_once(
        platform: httpx.Client, street: httpx.Client, callbacks: tuple[HotlineService, Inbox], driver: Driver,
        service: CaseService, clock: FixedClock, db: Database) -> None:
    hotline, inbox = callbacks
    inbox.lose_first_answers = 1  # every first answer is "lost": each callback must be retried, and taken once
    codes: dict[str, str] = {}
    for n in range(ORDERS):
        answer = platform.post("/api/hotline/orders", json=work_order(n, clock))
        assert answer.status_code == 201, answer.text
        codes[answer.json()["order_no"]] = answer.json()["tracking_code"]
    again = platform.post("/api/hotline/orders", json=work_order(0, clock))
    assert (again.status_code, again.json()["tracking_code"]) == (200, codes["12345-2026-000000"])

    objected = {no for i, no in enumerate(codes) if i % 10 == 3}
    for no, code in codes.items():
        case = service.case(code)
        assert (case.channel, case.priority, case.grid_code) == \
            ("hotline_order", "urgent" if no.endswith("0") and int(no[-6:]) % 10 == 0 else "normal", "XF-01")
        assert case.category in ("环境卫生", "物业管理") and "1391234" not in case.description
        if no in objected:
            answer = street.post(f"/api/hotline/orders/{no}/object", json={"reason": "该地址属邻街道管辖"})
            assert answer.status_code == 200, answer.text
            assert street.post(f"/api/hotline/orders/{no}/object", json={"reason": "再退"}).status_code == 409
            continue
        assert street.post(f"/api/hotline/orders/{no}/accept", json={}).status_code == 200
        driver.do(driver.refresh(case), "triage", triage_decision="on_spot", triage_note="已联系保洁当场清运")
        answer = street.post(f"/api/hotline/orders/{no}/reply", json={"reply": "已清运完毕，现场已恢复整洁"})
        assert answer.status_code == 200, answer.text
    hotline.sweep()
    clock.advance(minutes=2)  # past the first back-off
    hotline.sweep()

    for no in codes:
        if no not in objected:
            answer = platform.post(f"/api/hotline/orders/{no}/visit", json={"rating": "satisfied", "comment": "满意"})
            assert answer.status_code == 200, answer.text
            assert answer.json()["state"] == "closed"
            assert service.case(codes[no]).status == "closed"
    for _ in range(4):  # closed callbacks, each answered "lost" once, then taken
        hotline.sweep()
        clock.advance(minutes=5)
    assert hotline.pending_callbacks() == 0

    assert inbox.refused == 0  # every callback was signed with the shared secret
    assert sorted(inbox.attempts) == sorted(2 * list(inbox.accepted))  # each retried once, taken once
    by_order: dict[str, list[tuple[int, str]]] = {}
    for message in inbox.accepted.values():  # in the order the platform first took them
        by_order.setdefault(message["order_no"], []).append((message["seq"], message["event"]))
    assert set(by_order) == set(codes)
    for no, events in by_order.items():
        expected = ["objected"] if no in objected else ["accepted", "replied", "closed"]
        assert events == list(enumerate(expected, start=1)), (no, events)
    closed = [m for m in inbox.accepted.values() if m["event"] == "closed"]
    assert {(m["outcome"], m["rating"]) for m in closed} == {("resolved", "satisfied")}
    with db.reading() as s:  # the caller's contact: kept in its one place, never sent back
        assert s.query(HotlineCaller).count() == ORDERS
    assert not any("1391234" in json.dumps(m, ensure_ascii=False) for m in inbox.accepted.values())


def test_the_street_acts_only_on_its_own_orders_and_in_the_right_order(
        platform: httpx.Client, street: httpx.Client, clock: FixedClock) -> None:
    mine = platform.post("/api/hotline/orders", json=work_order(1, clock)).json()["order_no"]
    other = platform.post("/api/hotline/orders", json=work_order(2, clock, grid="HP-01")).json()["order_no"]
    assert street.get(f"/api/hotline/orders/{other}").status_code == 404
    assert street.post(f"/api/hotline/orders/{other}/accept", json={}).status_code == 404
    assert street.post(f"/api/hotline/orders/{mine}/reply", json={"reply": "已处理"}).status_code == 409  # not accepted
    assert street.post("/api/hotline/orders", json=work_order(3, clock)).status_code == 403  # not the platform
    assert street.post(f"/api/hotline/orders/{mine}/visit", json={"rating": "satisfied"}).status_code == 403
    assert platform.post(f"/api/hotline/orders/{mine}/visit", json={"rating": "satisfied"}).status_code == 409
    view = street.get(f"/api/hotline/orders/{mine}").json()
    assert (view["state"], view["time_limit_class"]) == ("received", "3 个工作日")


@pytest.mark.parametrize(("fields", "named"), [
    ({"order_no": ""}, "order_no"), ({"deadline": "明天"}, "deadline"), ({"deadline": "2026-03-02T09:00:00"}, "deadline"),
    ({"deadline": "2000-01-01T00:00:00+08:00"}, "deadline"), ({"urgency": "很急"}, "urgency"),
    ({"lat": 91.0}, "lat"), ({"long": None}, "long"), ({"content": ""}, "content"), ({"caller": "王女士"}, "caller"),
    ({"category": "外星入侵", "order_no": "X-1"}, None), ({"extra": 1}, "extra"), ({"lat": "31"}, "lat"),
])
def test_a_bad_work_order_is_a_clear_400_and_writes_nothing(platform: httpx.Client, street: httpx.Client,
                                                             clock: FixedClock,
                                                             service: CaseService, fields: dict[str, Any],
                                                             named: str | None) -> None:
    answer = platform.post("/api/hotline/orders", json=work_order(7, clock, **fields))
    if named is None:  # an unknown category falls back to 其他: the street still gets the order
        assert answer.status_code == 201 and service.case(answer.json()["tracking_code"]).category == "其他"
        return
    assert answer.status_code == 400, answer.text
    assert named in answer.json()["field_errors"], answer.json()
    assert street.get("/api/hotline/orders/12345-2026-000007").status_code == 404


def test_the_platform_account_can_call_its_own_api_and_nothing_else(
        app: Flask, platform: httpx.Client, street: httpx.Client, live_url: str, clock: FixedClock) -> None:
    """The integration account: no password, no login, no other route; a supervisor is not the platform."""
    people = app.extensions["casegrid.people"]
    mine = platform.post("/api/hotline/orders", json=work_order(1, clock)).json()["order_no"]
    for method, url in [("GET", f"/api/hotline/orders/{mine}"), ("POST", f"/api/hotline/orders/{mine}/accept"),
                        ("POST", f"/api/hotline/orders/{mine}/reply"), ("GET", "/api/inbox"), ("GET", "/api/processes"),
                        ("POST", "/api/evidence")]:
        answer = platform.request(method, url, json={} if method == "POST" else None)
        assert answer.status_code in (401, 403), (method, url, answer.status_code)
    for page in ("/inbox", "/cases", "/admin/users", "/ops"):  # a token is no login to the web pages
        assert platform.get(page, follow_redirects=False).status_code in (302, 401), page
    assert people.authenticate("hotline-12345", "") is None
    with pytest.raises(ValidationError):
        people.reset_password("hotline-12345", "correct horse battery staple 7", by="admin")
    with pytest.raises(ValidationError):
        people.update_account("hotline-12345", display_name="平台", role="supervisor", by="admin")
    with pytest.raises(ValidationError):
        people.update_account("dudao", display_name="督办", role=HOTLINE_PLATFORM, by="admin")
    login = httpx.post(f"{live_url}/login", data={"username": "hotline-12345", "password": "x"})
    assert login.status_code != 302
    supervisor = app.extensions["casegrid.tokens"].issue("dudao", "督办", by="admin").secret
    answer = httpx.post(f"{live_url}/api/hotline/orders", json=work_order(2, clock),
                        headers={"Authorization": f"Bearer {supervisor}"})
    assert answer.status_code == 403  # only the platform's own account dispatches
    [listed] = people.integrations()
    assert (listed.account.username, listed.active_tokens) == ("hotline-12345", 1)
    assert listed.last_used_at is not None
    people.set_account_active("hotline-12345", False, by="admin")  # disabling stops every token at once
    assert platform.post("/api/hotline/orders", json=work_order(3, clock)).status_code == 401
