"""The residents' app API (/api/resident): a phone verification code sent by SMS through the notification
senders (the signed webhook, to a real receiver on 127.0.0.1), a short-lived token, and a resident who
reports with a photo and location, follows, adds information, rates and withdraws consent — through the
API only, and only on their own reports.
"""
from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from engine import CaseService
from engine.cases.models import Case
from engine.clock import FixedClock
from engine.db import Database
from engine.demo.driver import Driver
from engine.notify import OutboxService
from engine.notify.webhook import WebhookSender
from tests.fixtures.photos import photo
from tests.fixtures.receivers import Inbox, webhook_receiver

SECRET = "resident-app-secret"
PHONE = "13812345678"


@pytest.fixture
def sms(db: Database, clock: FixedClock) -> Iterator[tuple[OutboxService, Inbox]]:
    with webhook_receiver(SECRET) as (url, inbox), WebhookSender(url, SECRET) as hook:
        yield OutboxService(db, clock, channels={"sms": hook}), inbox


def texts_to(inbox: Inbox, phone: str) -> list[str]:
    return [m["text"] for m in inbox.accepted.values() if m["to"] == phone]


def login(client: FlaskClient, sms: tuple[OutboxService, Inbox], phone: str = PHONE) -> dict[str, str]:
    outbox, inbox = sms
    asked = client.post("/api/resident/codes", json={"phone": phone})
    assert asked.status_code == 202, asked.get_json()
    outbox.send_pending()
    [text] = [t for t in texts_to(inbox, phone) if "验证码" in t][-1:]
    code = re.search(r"\d{6}", text).group(0)  # type: ignore[union-attr]
    answer = client.post("/api/resident/tokens", json={"phone": phone, "code": code})
    assert answer.status_code == 201, answer.get_json()
    return {"Authorization": f"Bearer {answer.get_json()['token']}"}


def report(client: FlaskClient, headers: dict[str, str], **fields: Any) -> Any:
    data = {"category": "环境卫生", "description": "小区东门垃圾堆了三天", "lat": "31.2304", "long": "121.4737",
            "address": "幸福里东门", "grid": "XF-01", "follow": "1",
            "photo": (io.BytesIO(photo()), "dongmen.jpg")} | fields
    return client.post("/api/resident/reports", data=data, headers=headers, content_type="multipart/form-data")


def test_a_resident_reports_follows_adds_and_rates_through_the_api_only(
        client: FlaskClient, sms: tuple[OutboxService, Inbox], driver: Driver, service: CaseService) -> None:
    outbox, inbox = sms
    me = login(client, sms)
    filed = report(client, me)
    assert filed.status_code == 201, filed.get_json()
    code = filed.get_json()["tracking_code"]
    case = service.case(code)
    assert (case.channel, case.category, case.grid_code) == ("resident_app", "环境卫生", "XF-01")
    assert PHONE not in str(service.case(code).__dict__)  # the case itself names no phone

    listed = client.get("/api/resident/reports", headers=me).get_json()["reports"]
    assert [r["tracking_code"] for r in listed] == [code]
    view = client.get(f"/api/resident/reports/{code}", headers=me).get_json()
    assert (view["status"], view["following"], view["can_rate"]) == ("open", True, False)
    outbox.send_pending()
    assert any(code in t for t in texts_to(inbox, PHONE))  # the receipt, by SMS, because they follow

    added = client.post(f"/api/resident/reports/{code}/information", json={"text": "今天又多了两袋"}, headers=me)
    assert added.status_code == 200, added.get_json()

    driver.do(driver.refresh(case), "triage", triage_decision="on_spot", triage_note="已联系保洁当场清运")
    driver.later(hours=3)
    assert client.get(f"/api/resident/reports/{code}", headers=me).status_code == 401  # two hours are over
    me = login(client, sms)  # a new code and token: the same phone, the same reports
    assert client.get(f"/api/resident/reports/{code}", headers=me).get_json()["can_rate"] is True
    rated = client.post(f"/api/resident/reports/{code}/rating", json={"rating": "satisfied", "comment": "很快"},
                        headers=me)
    assert rated.status_code == 200, rated.get_json()
    assert rated.get_json()["status"] == "closed"
    again = client.post(f"/api/resident/reports/{code}/rating", json={"rating": "satisfied"}, headers=me)
    assert again.status_code == 409

    withdrawn = client.post(f"/api/resident/reports/{code}/withdraw", json={}, headers=me)
    assert withdrawn.get_json()["following"] is False
    refollowed = client.post(f"/api/resident/reports/{code}/follow", json={"consent": True}, headers=me)
    assert refollowed.get_json()["following"] is True


def test_a_token_acts_only_on_its_own_reports(client: FlaskClient, sms: tuple[OutboxService, Inbox],
                                              driver: Driver) -> None:
    mine, theirs = login(client, sms), login(client, sms, "13987654321")
    code = report(client, mine).get_json()["tracking_code"]
    other = driver.report("楼道灯坏了", "公共设施").tracking_code  # a web-form report of someone else
    assert client.get("/api/resident/reports", headers=theirs).get_json()["reports"] == []
    for who, ref in ((theirs, code), (mine, other)):
        assert client.get(f"/api/resident/reports/{ref}", headers=who).status_code == 404
        for action, body in (("information", {"text": "x"}), ("rating", {"rating": "satisfied"}),
                             ("follow", {"consent": True}), ("withdraw", {})):
            answer = client.post(f"/api/resident/reports/{ref}/{action}", json=body, headers=who)
            assert answer.status_code == 404, (action, answer.get_json())


def test_a_code_works_once_for_five_guesses_and_ten_minutes_and_a_token_for_two_hours(
        client: FlaskClient, sms: tuple[OutboxService, Inbox], clock: FixedClock) -> None:
    outbox, inbox = sms
    client.post("/api/resident/codes", json={"phone": PHONE})
    outbox.send_pending()
    code = re.search(r"\d{6}", texts_to(inbox, PHONE)[-1]).group(0)  # type: ignore[union-attr]
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        answer = client.post("/api/resident/tokens", json={"phone": PHONE, "code": wrong})
        assert answer.status_code == 400 and "code" in answer.get_json()["field_errors"]
    assert client.post("/api/resident/tokens", json={"phone": PHONE, "code": code}).status_code == 400  # void

    client.post("/api/resident/codes", json={"phone": PHONE})
    outbox.send_pending()
    code = re.search(r"\d{6}", texts_to(inbox, PHONE)[-1]).group(0)  # type: ignore[union-attr]
    clock.advance(minutes=11)
    assert client.post("/api/resident/tokens", json={"phone": PHONE, "code": code}).status_code == 400

    me = login(client, sms)
    assert client.get("/api/resident/reports", headers=me).status_code == 200
    clock.advance(hours=2, minutes=1)
    expired = client.get("/api/resident/reports", headers=me)
    assert expired.status_code == 401 and "Bearer" in expired.headers["WWW-Authenticate"]


def test_bad_input_is_a_clear_400_and_writes_nothing(client: FlaskClient, sms: tuple[OutboxService, Inbox],
                                                     service: CaseService) -> None:
    assert client.post("/api/resident/codes", json={"phone": "12345"}).get_json()["field_errors"] == \
        {"phone": "请填写 11 位手机号码"}
    assert client.post("/api/resident/codes", data="phone=1", content_type="text/plain").status_code == 415
    me = login(client, sms)
    for fields, named in (({"category": "没有这个"}, "category"), ({"description": ""}, "description"),
                          ({"lat": "north"}, "lat"), ({"lat": "", "long": "", "address": ""}, "address_string"),
                          ({"photo": (io.BytesIO(b"MZ not a photo"), "x.jpg")}, "photo")):
        answer = report(client, me, **fields)
        assert answer.status_code == 400, (fields, answer.get_json())
        assert named in answer.get_json()["field_errors"], answer.get_json()
    assert client.get("/api/resident/reports", headers=me).get_json()["reports"] == []
    assert client.post("/api/resident/reports", json={}, headers=me).status_code == 415


def test_codes_and_logins_are_throttled_per_address(db: Database, clock: FixedClock, tmp_path: Any) -> None:
    from web import create_app
    app: Flask = create_app({"TESTING": True, "DATABASE": db, "DATABASE_URL": db.url, "CLOCK": clock,
                             "SECRET_KEY": "t", "INSTANCE": str(tmp_path / "instance"), "RATELIMIT_ENABLED": True,
                             "RESIDENT_CODE_LIMIT": "2 per hour"})
    client = app.test_client()
    statuses = [client.post("/api/resident/codes", json={"phone": PHONE}).status_code for _ in range(3)]
    assert statuses == [202, 202, 429]
    assert client.post("/api/resident/tokens", json={"phone": PHONE, "code": "000000"}).status_code == 429
    assert timedelta(0) < timedelta(seconds=int(
        client.post("/api/resident/codes", json={"phone": PHONE}).headers["Retry-After"]))


def test_a_resident_may_ask_for_privacy_mode_in_the_app(client: FlaskClient, sms: tuple[OutboxService, Inbox],
                                                        service: CaseService, db: Database) -> None:
    me = login(client, sms)
    private = report(client, me, privacy_mode="1").get_json()["tracking_code"]
    ordinary = report(client, me).get_json()["tracking_code"]
    with db.reading() as s:
        modes = dict(s.execute(select(Case.tracking_code, Case.privacy_mode)).tuples().all())
    assert modes == {private: True, ordinary: False}
    assert client.get(f"/open311/v2/requests/{private}.json").status_code == 404
    assert client.get(f"/open311/v2/requests/{ordinary}.json").status_code == 200
