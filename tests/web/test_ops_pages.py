"""The operations page and the incidents page (supervisors and admins): a poisoned case shows as an incident
with its element and error; retry shows its outcome; the sweep's last cycle, due timers and the outbox show."""
from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import func, select

from engine.cases.models import Notification
from engine.clock import FixedClock
from engine.db import Database
from engine.demo.driver import Driver
from engine.demo.scenarios import waiting_for_department
from engine import CaseService
from engine.sweep.cycle import run_cycle
from engine.sweep.stages import default_stages
from tests.engine.test_incidents import _publish, with_failing_escalation
from tests.fixtures.process_versions import civic_loop, versions_restored  # noqa: F401
from tests.web.conftest import LoginAs


def _poison(db: Database, driver: Driver, clock: FixedClock) -> str:
    waiting_for_department(driver)
    _publish(db, clock, with_failing_escalation(civic_loop()))
    bad = waiting_for_department(driver).tracking_code
    clock.advance(days=5)
    return bad


def test_the_incidents_page_lists_the_failed_case_and_a_retry_reports_its_outcome(
        app: Flask, db: Database, driver: Driver, clock: FixedClock, service: CaseService, login_as: LoginAs,
        versions_restored: None) -> None:  # noqa: F811
    bad = _poison(db, driver, clock)
    service.sweep_timers()
    page = login_as("dudao").get("/ops/incidents")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and bad in html and "esc_accept" in html and "phase_nobody_set" in html
    incident_id = int(html.split('id="incident-')[1].split('"')[0])
    answer = login_as("dudao").post(f"/ops/incidents/{incident_id}/retry", follow_redirects=True)
    shown = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "重试仍然失败" in shown and "phase_nobody_set" in shown
    assert "刘书记（街道督办）" in shown  # who retried last, on the incident's row
    admin = login_as("admin").get("/ops/incidents").get_data(as_text=True)
    assert bad in admin and f'href="/cases/{bad}"' not in admin  # admins see it, without a case link they cannot open


def test_the_operations_page_shows_the_last_sweep_what_is_due_and_the_outbox(
        app: Flask, db: Database, driver: Driver, clock: FixedClock, service: CaseService, login_as: LoginAs,
        versions_restored: None) -> None:  # noqa: F811
    never = login_as("dudao").get("/ops").get_data(as_text=True)
    assert "从未执行" in never and "当前没有进程在执行定时清扫" in never
    _poison(db, driver, clock)
    report = run_cycle(db, clock, default_stages(service.hooks), holder="web:test", interval=timedelta(minutes=1))
    with db.reading() as s:  # everything the cases and the reminders wrote went to the log, once each
        written = s.scalar(select(func.count()).select_from(Notification))
    assert report is not None and report.count("timers", "failed") == 1 and report.count("outbox", "sent") == written
    html = login_as("admin").get("/ops").get_data(as_text=True)
    assert "从未执行" not in html and "当前没有进程" not in html
    assert 'id="open-incidents"><a href="/ops/incidents">1</a>' in html
    assert "触发 1 个案件的 1 个定时器，上报督办 1 次，失败 1" in html and f"发送通知 {written} 条" in html
    assert '<dd id="due-now">0</dd>' in html  # the failed case is backed off, not due again at once
    assert '<dd id="outbox-pending">0</dd>' in html and '<dd id="outbox-retrying">0</dd>' in html
    assert '<a href="/admin/outbox">0</a>' in html  # admins go on to the failed deliveries


def test_other_roles_cannot_see_operations(login_as: LoginAs) -> None:
    for user in ("wangge", "chengguan", "jiandu", "yishi", "tiaojie"):
        assert login_as(user).get("/ops").status_code == 403
        assert login_as(user).get("/ops/incidents").status_code == 403
