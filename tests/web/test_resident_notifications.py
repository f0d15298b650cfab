"""A resident leaves a contact with consent when reporting, gets the receipt with their private link by e-mail,
and stops the messages through that link (the tracking code cannot)."""
from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from engine.clock import FixedClock
from engine.db import Database
from engine.demo.driver import Driver
from engine.demo.scenarios import _adopt
from engine.notify import OutboxService
from engine.notify.service import NotificationService
from engine.notify.smtp import SmtpSender
from engine import CaseService
from tests.fixtures.receivers import smtp_server


def _report(client: FlaskClient, contact: dict[str, str]) -> str:
    """Report through every screen with ``contact`` on the contact screen; the done page."""
    client.post("/report", data={"category": "公共设施"})
    client.post("/report/where", data={"grid_code": "XF-01", "address": "3号楼"})
    client.post("/report/what", data={"description": "楼道灯坏了"})
    assert client.post("/report/contact", data=contact).headers["Location"] == "/report/review"
    assert "resident@example.org" in client.get("/report/review").get_data(as_text=True)
    assert client.post("/report/review").headers["Location"] == "/report/done"
    return client.get("/report/done").get_data(as_text=True)


def _private_link(done: str) -> str:
    match = re.search(r"/my/[A-Za-z0-9_-]{20,}", done)
    assert match, done
    return match.group(0)


def test_a_resident_with_consent_gets_the_receipt_with_the_private_link_by_email(
        csrf_app: Flask, db: Database, clock: FixedClock) -> None:
    done = _report(csrf_app.test_client(), {"notify_contact": "resident@example.org", "notify_consent": "y"})
    link = _private_link(done)
    with smtp_server() as (url, mailbox):
        OutboxService(db, clock, channels={"email": SmtpSender(url)}).send_pending()
    [receipt] = mailbox.messages
    text = receipt.get_content()
    assert receipt["X-Envelope-To"] == "resident@example.org" and receipt["Subject"] == "已收到您反映的问题"
    assert link in text and re.search(r"\d{6}-[A-Z0-9]{6}", text)


def test_a_contact_without_consent_is_refused_next_to_the_checkbox(csrf_app: Flask, db: Database,
                                                                  clock: FixedClock) -> None:
    client = csrf_app.test_client()
    client.post("/report", data={"category": "公共设施"})
    client.post("/report/where", data={"grid_code": "XF-01", "address": "3号楼"})
    client.post("/report/what", data={"description": "楼道灯坏了"})
    refused = client.post("/report/contact", data={"notify_contact": "13800138000"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "接收通知须勾选同意" in html and 'id="notify_consent-error"' in html
    bad = client.post("/report/contact", data={"notify_contact": "my neighbour", "notify_consent": "y"})
    assert bad.status_code == 400 and "请填写 11 位手机号码或有效的电子邮箱" in bad.get_data(as_text=True)


def test_the_resident_stops_the_messages_through_the_private_link_only(csrf_app: Flask, db: Database,
                                                                      clock: FixedClock) -> None:
    done = _report(csrf_app.test_client(), {"notify_contact": "resident@example.org", "notify_consent": "y"})
    link = _private_link(done)
    code = re.search(r"\d{6}-[A-Z0-9]{6}", done).group(0)  # type: ignore[union-attr]
    anyone = csrf_app.test_client()
    assert anyone.get(f"/my/{code}/notifications").status_code == 404  # the tracking code is not the key
    page = anyone.get(f"{link}/notifications")
    assert page.status_code == 200 and "退订" in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    stopped = anyone.post(f"{link}/notifications")
    assert stopped.status_code == 200 and "已退订" in stopped.get_data(as_text=True)
    case = CaseService(db, clock).case(code)
    assert not NotificationService(db, clock).subscribed(case.id)
    _adopt(Driver(CaseService(db, clock), clock), case)  # news the resident would have been told
    with smtp_server() as (url, mailbox):
        OutboxService(db, clock, channels={"email": SmtpSender(url)}).send_pending()
    assert mailbox.messages == []  # not the waiting receipt, not the news
