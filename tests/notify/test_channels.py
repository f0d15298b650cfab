"""The outbox's external channels against real servers on 127.0.0.1: SMTP (aiosmtpd) and a signed webhook."""
from __future__ import annotations

import threading

from sqlalchemy import select

from engine.clock import FixedClock
from engine.db import Database
from engine.demo.driver import Driver
from engine.notify import OutboxService, Outgoing
from engine.notify.models import FAILED, PENDING, SENT, Delivery
from engine.notify.outbox import MAX_ATTEMPTS
from engine.notify.preferences import Preferences
from engine.notify.service import NotificationService
from engine.notify.smtp import SmtpSender
from engine.notify.webhook import WebhookSender
from engine import CaseService
from tests.fixtures.receivers import free_port, smtp_server, webhook_receiver

SECRET = "s3cret-shared-with-the-relay"


def _grid_worker_wants(db: Database, clock: FixedClock, *channels: str) -> None:
    NotificationService(db, clock).save_preferences(
        "wangge", Preferences(channels=channels, email="wangge@example.org", phone="13800138000"))


def _deliveries(db: Database, channel: str) -> list[Delivery]:
    with db.reading() as s:
        return list(s.scalars(select(Delivery).where(Delivery.channel == channel).order_by(Delivery.id)))


def test_new_work_reaches_the_grid_worker_by_email_and_signed_sms(db: Database, driver: Driver,
                                                                   clock: FixedClock) -> None:
    _grid_worker_wants(db, clock, "email", "sms")
    case = driver.report("3号楼电梯停运")
    with (smtp_server() as (smtp_url, mailbox), webhook_receiver(SECRET) as (hook_url, inbox),
          WebhookSender(hook_url, SECRET) as hook):
        report = OutboxService(db, clock, channels={"email": SmtpSender(smtp_url), "sms": hook}).send_pending()
    assert report.failed == [] and report.sent == 2
    [mail] = mailbox.messages
    assert mail["X-Envelope-To"] == "wangge@example.org"
    assert mail["Subject"].startswith("新待办")
    [email] = _deliveries(db, "email")
    assert mail["Message-ID"] == f"<{email.idempotency_key}@casegrid>"
    assert case.tracking_code in mail.get_content()
    assert inbox.refused == 0
    [(key, body)] = inbox.accepted.items()
    assert body["to"] == "13800138000" and body["channel"] == "sms" and case.tracking_code in body["text"]
    assert body["link"].startswith("/inbox/tasks/")
    assert all(d.state == SENT for d in _deliveries(db, "email") + _deliveries(db, "sms"))
    assert key == _deliveries(db, "sms")[0].idempotency_key


def test_a_lost_answer_is_retried_with_the_same_key_and_the_receiver_accepts_it_once(
        db: Database, driver: Driver, clock: FixedClock) -> None:
    _grid_worker_wants(db, clock, "sms")
    for _ in range(3):
        driver.report()
    with webhook_receiver(SECRET) as (url, inbox), WebhookSender(url, SECRET) as hook:
        inbox.lose_first_answers = 1
        outbox = OutboxService(db, clock, channels={"sms": hook}, concurrency=4)  # as the sweep sends
        first = outbox.send_pending()
        assert first.sent == 0 and len(first.failed) == 3
        assert all(d.state == PENDING and "503" in (d.last_error or "") for d in _deliveries(db, "sms"))
        clock.advance(minutes=1)  # the first back-off
        second = outbox.send_pending()
    assert second.sent == 3
    keys = [d.idempotency_key for d in _deliveries(db, "sms")]
    assert sorted(inbox.attempts) == sorted(keys * 2)  # each key came twice …
    assert sorted(inbox.accepted) == sorted(keys)  # … and was accepted once
    assert inbox.refused == 0


def test_a_wrong_secret_is_refused_by_the_receiver_and_the_delivery_stays_with_the_error(
        db: Database, driver: Driver, clock: FixedClock) -> None:
    _grid_worker_wants(db, clock, "wechat")
    driver.report()
    with webhook_receiver(SECRET) as (url, inbox), WebhookSender(url, "not-the-secret") as hook:
        OutboxService(db, clock, channels={"wechat": hook}).send_pending()
    assert inbox.refused == 1 and inbox.accepted == {}
    [delivery] = _deliveries(db, "wechat")
    assert delivery.state == PENDING and "401" in (delivery.last_error or "")


def test_an_unreachable_smtp_server_leaves_the_message_retrying_then_failed_and_an_admin_resends_it(
        db: Database, driver: Driver, clock: FixedClock) -> None:
    _grid_worker_wants(db, clock, "email")
    driver.report()
    dead = SmtpSender(f"smtp://127.0.0.1:{free_port()}")
    outbox = OutboxService(db, clock, channels={"email": dead})
    for _ in range(MAX_ATTEMPTS):
        outbox.send_pending()
        clock.advance(hours=1)  # past any back-off
    [delivery] = _deliveries(db, "email")
    assert delivery.state == FAILED and delivery.attempts == MAX_ATTEMPTS
    assert "ConnectionRefusedError" in (delivery.last_error or "")
    notices = NotificationService(db, clock)
    [problem] = notices.problems()
    assert problem.id == delivery.id and problem.state == FAILED and problem.to == "wangge"
    notices.resend(delivery.id)
    with smtp_server() as (url, mailbox):
        assert OutboxService(db, clock, channels={"email": SmtpSender(url)}).send_pending().sent == 1
    assert len(mailbox.messages) == 1 and mailbox.messages[0]["Message-ID"] == f"<{delivery.idempotency_key}@casegrid>"
    assert notices.problems() == []


class Blocking:
    """A sender stuck on an unreachable server: it does not return until the test lets it."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()

    def send(self, notification: Outgoing) -> None:
        self.entered.set()
        self.release.wait(timeout=60)
        raise TimeoutError("SMTP server did not answer")


def test_a_stuck_sender_does_not_hold_up_a_task_completion(db: Database, driver: Driver, clock: FixedClock) -> None:
    _grid_worker_wants(db, clock, "email")
    case = driver.report()
    stuck = Blocking()
    other = Database(db.url)  # the sweep's own connections, as in its own process
    sweep = threading.Thread(target=OutboxService(other, clock, channels={"email": stuck}).send_pending)
    sweep.start()
    try:
        assert stuck.entered.wait(timeout=60)
        # While the sender hangs, the grid worker completes the triage: no lock is held by the delivery.
        result = CaseService(db, clock).complete_task(driver.item(case, "triage").id,
                                                      {"triage_decision": "negotiate", "triage_note": "需协商"},
                                                      driver.actor_for_role("grid_worker", "XF-01"))
        assert result.event.type == "task_completed"
        assert not stuck.release.is_set()  # the completion finished while the delivery was still stuck
    finally:
        stuck.release.set()
        sweep.join(timeout=60)
        other.dispose()
    [delivery] = _deliveries(db, "email")
    assert delivery.state == PENDING and "did not answer" in (delivery.last_error or "")


def test_quiet_hours_hold_a_non_urgent_sms_until_they_end_but_not_an_urgent_one(
        db: Database, driver: Driver, clock: FixedClock) -> None:
    from datetime import datetime, timezone

    from engine.cases.models import Notification
    from engine.clock import to_db

    NotificationService(db, clock).save_preferences(
        "wangge", Preferences(channels=("sms",), phone="13800138000", quiet_start="22:00", quiet_end="07:00"))
    clock.set(datetime(2026, 3, 2, 15, 30, tzinfo=timezone.utc))  # 23:30 in Beijing
    case = driver.report()  # new work: not urgent
    with db.transaction() as s:
        s.add(Notification(case_id=case.id, recipient="user:wangge", kind="deadline", message="已超过时限",
                           created_at=to_db(clock.now()), urgent=True))
    with webhook_receiver(SECRET) as (url, inbox), WebhookSender(url, SECRET) as hook:
        outbox = OutboxService(db, clock, channels={"sms": hook})
        assert outbox.send_pending().sent == 1
        assert [m["kind"] for m in inbox.accepted.values()] == ["deadline"]
        clock.set(datetime(2026, 3, 2, 22, 59, tzinfo=timezone.utc))  # 06:59: still quiet
        assert outbox.send_pending().sent == 0
        clock.set(datetime(2026, 3, 2, 23, 0, tzinfo=timezone.utc))  # 07:00: the quiet hours are over
        assert outbox.send_pending().sent == 1
    assert sorted(m["kind"] for m in inbox.accepted.values()) == ["deadline", "new_work"]
