"""The SLA sweep: due timers fire once even when two sweeps overlap; the outbox is sent once, by a pluggable sender."""
from __future__ import annotations

import threading
from collections import Counter

import pytest
from sqlalchemy import func, select

from engine.cases.events import CaseEvent
from engine.cases.models import Notification
from engine.clock import FixedClock
from engine.db import Database
from engine.demo.driver import Driver
from engine.demo.scenarios import waiting_for_department
from engine.errors import ValidationError
from engine.notify import LogSender, OutboxService, Outgoing, load_sender
from engine import CaseService
from workflows import steps

CASES = 6


class Recording:
    """A sender that remembers what it was given (thread-safe, as two sweeps share it)."""

    def __init__(self, fail_for: set[int] | None = None) -> None:
        self.sent: list[int] = []
        self.fail_for = fail_for or set()
        self._lock = threading.Lock()

    def send(self, notification: Outgoing) -> None:
        if notification.notification_id in self.fail_for:
            raise ConnectionError("SMS gateway down")
        with self._lock:
            self.sent.append(notification.notification_id)


def _cases_past_their_deadline(driver: Driver, clock: FixedClock) -> list[int]:
    ids = [waiting_for_department(driver).id for _ in range(CASES)]
    clock.advance(days=5)  # every acceptance deadline (1 working day) has passed
    return ids


def test_two_overlapping_sweeps_fire_each_due_timer_once(db: Database, driver: Driver, clock: FixedClock) -> None:
    case_ids = _cases_past_their_deadline(driver, clock)
    sender = Recording()
    start = threading.Barrier(2)
    results: list[dict[str, int]] = []
    errors: list[BaseException] = []

    def sweep() -> None:
        own = Database(db.url)  # each sweep with its own engine and connections, as two processes would
        try:
            start.wait()
            fired = steps.fire_timers(CaseService(own, clock))
            sent = steps.send_outbox(OutboxService(own, clock, sender))
            results.append({**fired, **sent})
        except BaseException as exc:  # noqa: BLE001  (surfaced below: a thread's exception would pass unnoticed)
            errors.append(exc)
        finally:
            own.dispose()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    with db.reading() as s:
        fired = Counter(s.scalars(select(CaseEvent.case_id).where(CaseEvent.type == "timers_fired")))
        escalated = Counter(s.scalars(select(CaseEvent.case_id).where(CaseEvent.type == "escalated")))
        rows = s.scalars(select(Notification)).all()
    assert fired == Counter({case_id: 1 for case_id in case_ids})
    assert escalated == Counter({case_id: 1 for case_id in case_ids})
    assert sum(r["cases"] for r in results) == CASES  # the two sweeps shared the work, nobody did it twice
    # Every notification (new work, escalations …) reached the log sender exactly once.
    assert sorted(sender.sent) == sorted(r.id for r in rows)
    assert sum(r.kind == "escalated" for r in rows) == CASES
    assert all(r.sent_at is not None for r in rows)
    # A third sweep finds nothing to do.
    assert steps.fire_timers(CaseService(db, clock)) == {"cases": 0, "timers": 0, "escalations": 0, "failed": 0,
                                                         "skipped": 0}


def test_a_failing_sender_leaves_the_notification_for_the_next_sweep(db: Database, driver: Driver,
                                                                     clock: FixedClock) -> None:
    _cases_past_their_deadline(driver, clock)
    steps.fire_timers(CaseService(db, clock))
    with db.reading() as s:
        first = s.scalar(select(func.min(Notification.id)))
        total = s.scalar(select(func.count()).select_from(Notification))
    outbox = OutboxService(db, clock, Recording(fail_for={first}))
    assert steps.send_outbox(outbox) == {"sent": total - 1, "failed": 1}
    assert outbox.unsent() == 1
    retry = Recording()
    assert steps.send_outbox(OutboxService(db, clock, retry)) == {"sent": 0, "failed": 0}  # backing off
    clock.advance(minutes=1)
    assert steps.send_outbox(OutboxService(db, clock, retry)) == {"sent": 1, "failed": 0}
    assert retry.sent == [first]


def test_the_default_sender_writes_each_message_to_the_debug_log_and_one_line_per_pass(
        db: Database, driver: Driver, clock: FixedClock, caplog: pytest.LogCaptureFixture) -> None:
    _cases_past_their_deadline(driver, clock)
    steps.fire_timers(CaseService(db, clock))
    with caplog.at_level("DEBUG", logger="casegrid.notify"):
        report = OutboxService(db, clock).send_pending()
    lines = [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "casegrid.notify"]
    escalations = [line for level, line in lines if "[escalated]" in line and level == "DEBUG"]
    assert len(escalations) == CASES and all("→ supervisor [escalated]" in line and "已上报督办" in line
                                             for line in escalations)
    # At INFO (the console of `casegrid demo`), the pass is one line with its counts, however many it sent.
    info = [line for level, line in lines if level == "INFO"]
    assert info == [report.summary()] and report.kinds["escalated"] == CASES
    assert info[0].startswith(f"通知发送：发出 {report.sent} 条（log {report.sent}；") and f"escalated {CASES}" in info[0]
    caplog.clear()
    with caplog.at_level("INFO", logger="casegrid.notify"):
        assert OutboxService(db, clock).send_pending().sent == 0
    assert [r for r in caplog.records if r.name == "casegrid.notify"] == []  # an idle pass says nothing


def test_senders_are_named_module_colon_attribute() -> None:
    assert isinstance(load_sender(None), LogSender) and isinstance(load_sender("log"), LogSender)
    assert isinstance(load_sender("engine.notify.senders:LogSender"), LogSender)
    for bad in ("no.such.module:Sender", "engine.notify.senders:Nothing", "engine.notify.senders:Outgoing"):
        with pytest.raises((ValidationError, TypeError)):
            load_sender(bad)
