"""The sweep cycle runs the reminders before the outbox, so a reminder written this minute goes out this minute."""
from __future__ import annotations

import pytest

from engine.clock import FixedClock, as_utc
from engine.db import Database
from engine.demo.driver import Driver
from engine.demo.scenarios import _adopt
from engine.notify.preferences import Preferences
from engine.notify.service import NotificationService
from engine.sweep.cycle import run_cycle
from engine.sweep.stages import default_stages
from tests.fixtures.receivers import webhook_receiver

SECRET = "cycle-secret"


def test_one_cycle_writes_the_80_percent_reminder_and_delivers_it_by_signed_sms(
        db: Database, driver: Driver, clock: FixedClock, monkeypatch: pytest.MonkeyPatch) -> None:
    notices = NotificationService(db, clock)
    notices.save_preferences("chengguan", Preferences(channels=("sms",), phone="13900139000"))
    case = driver.report()
    _adopt(driver, case)
    item = driver.item(case, "accept")
    assert item.due_at is not None
    clock.set(as_utc(item.created_at) + (as_utc(item.due_at) - as_utc(item.created_at)) * 0.85)
    with webhook_receiver(SECRET) as (url, inbox):
        monkeypatch.setenv("CASEGRID_WEBHOOK_URL", url)
        monkeypatch.setenv("CASEGRID_WEBHOOK_SECRET", SECRET)
        stages = default_stages(driver.service.hooks)
        assert [s.name for s in stages] == ["timers", "reminders", "cadence", "rectification", "field", "outbox",
                                            "hotline", "retention", "heads"]
        report = run_cycle(db, clock, stages, holder="test")
        assert report is not None and report.errors == {}
        assert report.count("reminders", "deadline_reminders") == 1
    texts = [m["text"] for m in inbox.accepted.values()]
    assert any("80%" in t and case.tracking_code in t for t in texts), texts
    assert any("新待办" in m["subject"] for m in inbox.accepted.values())  # the acceptance task itself
    assert inbox.refused == 0
    kinds = [n.kind for n in notices.notices("chengguan")]
    assert kinds.count("deadline") == 1


def test_a_sender_object_is_the_log_channel(db: Database, driver: Driver, clock: FixedClock) -> None:
    seen = []

    class Recording:
        def send(self, notification) -> None:  # noqa: ANN001
            seen.append(notification.kind)

    driver.report()
    report = run_cycle(db, clock, default_stages(driver.service.hooks, Recording()), holder="test")
    assert report is not None and report.count("outbox", "sent") == len(seen) == 1 and seen == ["new_work"]
