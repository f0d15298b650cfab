"""The supervisors' 12345 work order pages: the list by state and deadline, an order with its callbacks and
their delivery, and sending a callback that failed for good once more (one transaction with its case event)."""
from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from babel.messages.pofile import read_po
from flask import Flask
from sqlalchemy import select

import web.hotline
from engine import CaseService
from engine.cases.events import CaseEvent
from engine.clock import FixedClock
from engine.db import Database
from engine.hotline import CallbackSender, HotlineService, WorkOrder
from engine.hotline.callbacks import MAX_ATTEMPTS
from engine.hotline.models import HotlineCallback
from engine.people.actor import Actor
from tests.web.conftest import LoginAs

STREET = Actor("dudao", "supervisor")


def _orders(app: Flask, clock: FixedClock, n: int) -> list[str]:
    hotline: HotlineService = app.extensions["casegrid.hotline"]
    numbers = []
    for i in range(n):
        order = WorkOrder(order_no=f"12345-P-{i}", category="市容环境", content=f"来电反映：{i} 号楼垃圾未清运",
                          time_limit_class="1 个工作日", deadline=clock.now() + timedelta(hours=6 + 30 * i),
                          urgency="紧急" if i == 0 else "一般", address=f"幸福里 {i} 号", grid_code="XF-01",
                          caller_name="王女士", caller_phone="13912340000")
        numbers.append(hotline.receive(order).order.order_no)
    return numbers


def _fail_for_good(app: Flask, db: Database, clock: FixedClock) -> None:
    """Every pending callback fails MAX_ATTEMPTS times (nothing listens on the port), then stops."""
    sender = CallbackSender(db, clock, "http://127.0.0.1:9/hotline", "secret", timeout=2)
    try:
        for _ in range(MAX_ATTEMPTS):
            sender.deliver()
            clock.advance(days=1)
    finally:
        sender.close()


def test_the_list_filters_by_state_and_deadline_and_never_shows_the_caller(
        app: Flask, login_as: LoginAs, clock: FixedClock) -> None:
    first, second, third = _orders(app, clock, 3)
    app.extensions["casegrid.hotline"].accept(second, STREET)
    client = login_as("dudao")
    page = client.get("/hotline").get_data(as_text=True)
    assert all(no in page for no in (first, second, third)) and "1391234" not in page and "王女士" not in page
    assert page.index(first) < page.index(second) < page.index(third)  # soonest deadline first
    accepted = client.get("/hotline?state=accepted").get_data(as_text=True)
    assert second in accepted and first not in accepted and third not in accepted
    soon = client.get("/hotline?due=soon").get_data(as_text=True)  # within 24 hours: only the first
    assert first in soon and second not in soon
    clock.advance(hours=40)  # the first two are past their deadline; the second is accepted but unanswered
    overdue = client.get("/hotline?due=overdue").get_data(as_text=True)
    assert first in overdue and second in overdue and third not in overdue and "已超时" in overdue
    for bad in ("?state=<script>", "?due=yesterday", "?state=" + "x" * 5000):
        answer = client.get("/hotline" + bad)
        assert answer.status_code == 400 and "筛选条件无效" in answer.get_data(as_text=True)
    assert client.get("/hotline/orders/nope").status_code == 404


def test_a_failed_callback_is_shown_and_sent_again_with_its_event(
        app: Flask, login_as: LoginAs, db: Database, clock: FixedClock, service: CaseService) -> None:
    [number] = _orders(app, clock, 1)
    app.extensions["casegrid.hotline"].accept(number, STREET)
    _fail_for_good(app, db, clock)
    client = login_as("dudao")
    assert number in client.get("/hotline?failed=1").get_data(as_text=True)
    app.extensions["casegrid.hotline"].reply(number, "已清运", STREET)  # its callback waits behind the failed one
    page = client.get(f"/hotline/orders/{number}").get_data(as_text=True)
    assert "发送失败" in page and "ConnectError" in page and "重发" in page and "等第 1 条送达后发送" in page
    with db.reading() as s:
        callback = s.scalars(select(HotlineCallback).where(HotlineCallback.seq == 1)).one()
        assert (callback.state, callback.attempts) == ("failed", MAX_ATTEMPTS)
    answer = client.post(f"/hotline/callbacks/{callback.id}/retry")
    assert answer.status_code == 302 and answer.headers["Location"].endswith(f"/hotline/orders/{number}")
    with db.reading() as s:
        again = s.get_one(HotlineCallback, callback.id)
        assert (again.state, again.attempts, again.body) == ("pending", 0, callback.body)  # same bytes, same key
        events = [e.type for e in s.scalars(select(CaseEvent).order_by(CaseEvent.id))]
    assert events[-1] == "hotline_callback_retried"
    page = client.get(f"/hotline/orders/{number}").get_data(as_text=True)
    assert "待发送" in page
    # pending now: a second retry changes nothing and says so
    answer = client.post(f"/hotline/callbacks/{callback.id}/retry", follow_redirects=True)
    assert "无需重发" in answer.get_data(as_text=True)
    with db.reading() as s:
        assert [e.type for e in s.scalars(select(CaseEvent).order_by(CaseEvent.id))] == events
    assert client.post("/hotline/callbacks/999999/retry").status_code == 404
    [check] = service.verify(app.extensions["casegrid.hotline"].order(number, STREET).tracking_code)
    assert check.ok, check.problem  # the retry's event is in the case's chain, and the case replays


def test_only_supervisors_see_the_pages_and_english_reads_english(app: Flask, login_as: LoginAs,
                                                                  clock: FixedClock) -> None:
    [number] = _orders(app, clock, 1)
    assert login_as("wangge").get("/hotline").status_code == 403
    assert login_as("admin").get(f"/hotline/orders/{number}").status_code == 403
    client = login_as("dudao")
    client.post("/lang/en")
    page = client.get("/hotline").get_data(as_text=True)
    assert "12345 hotline" in page and "To accept" in page and "Urgent" in page
    assert "Callbacks to the hotline platform" in client.get(f"/hotline/orders/{number}").get_data(as_text=True)


def test_every_hotline_page_message_has_an_english_translation() -> None:
    package = Path(web.hotline.__file__).parent
    with (package / "translations/en/LC_MESSAGES/messages.po").open("rb") as po:
        catalogue = {(m.id[0] if isinstance(m.id, tuple) else m.id): m.string for m in read_po(po) if m.id}
    used = set()
    for path in package.rglob("*"):
        if path.suffix in (".html", ".py"):
            source = path.read_text()
            used |= {a or b for a, b in re.findall(r"_l?\(\s*'([^']*)'|_l?\(\s*\"([^\"]*)\"", source)}
    assert sorted(m for m in used if not catalogue.get(m)) == []
