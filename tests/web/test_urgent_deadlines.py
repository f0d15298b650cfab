"""Urgent matters (紧急 / 特急) count clock hours: their deadlines read in hours and minutes, with a badge."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from flask import Flask, render_template_string

from engine.calendar import WorkCalendar
from engine.cases.inbox_query import Deadline

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
MACROS = '{% from "inbox/_deadline.html" import deadline, priority_badge %}'

pytestmark = pytest.mark.parametrize("db", ["sqlite"], indirect=True)


def shown(app: Flask, template: str, **context: object) -> str:
    with app.test_request_context("/"):
        return " ".join(render_template_string(MACROS + template, **context).split())


@pytest.mark.parametrize(("due", "text"), [
    (timedelta(minutes=9, seconds=30), "还剩 9 分钟"),
    (timedelta(hours=1, minutes=35), "还剩 1 小时 35 分"),
    (timedelta(hours=23, minutes=59), "还剩 23 小时 59 分"),
    (-timedelta(seconds=20), "已超时 1 分钟"),
    (-timedelta(hours=2, minutes=5), "已超时 2 小时 5 分"),
])
def test_an_urgent_deadline_reads_in_hours_and_minutes(app: Flask, due: timedelta, text: str) -> None:
    d = Deadline.of(NOW + due, NOW, WorkCalendar(), urgent=True)
    assert text in shown(app, "{{ deadline(d) }}", d=d)


def test_an_ordinary_deadline_still_reads_in_working_days(app: Flask) -> None:
    d = Deadline.of(NOW + timedelta(days=2), NOW, WorkCalendar())
    assert "还剩 2 个工作日" in shown(app, "{{ deadline(d) }}", d=d)
    assert d.minutes_left == 2 * 24 * 60 and not d.urgent


@pytest.mark.parametrize(("priority", "badge"), [("critical", "特急"), ("urgent", "紧急"), ("normal", ""), (None, "")])
def test_only_urgent_matters_get_a_badge(app: Flask, priority: str | None, badge: str) -> None:
    assert shown(app, "{{ priority_badge(p) }}", p=priority).endswith(f">{badge}</span>" if badge else "")
    assert ("badge" in shown(app, "{{ priority_badge(p) }}", p=priority)) == bool(badge)
