"""Deadlines read the same everywhere (issue 16.3): one function (``engine.cases.deadlines.Deadline``) decides
"due in N working days / hours", "overdue by …" and "no deadline" for the inbox, the task page, the case page,
the mediation workspace, the tracking page and the API; a future deadline is never shown as overdue."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from engine.calendar import WorkCalendar
from engine.cases.deadlines import Deadline, is_overdue
from engine.clock import FixedClock, as_utc
from engine.db import Database
from engine.demo import mediation_scenarios as ms
from engine.demo.driver import Driver
from engine.demo.scenarios import urgent_matter_waiting_in_minutes, waiting_for_department
from engine.people.actor import Actor
from engine.specs.service import ProcessService
from tests.fixtures.process_versions import civic_loop, replace_once, versions_restored  # noqa: F401
from tests.web.conftest import LoginAs

#: Monday 2026-12-07 10:00 in Beijing.
MONDAY = datetime(2026, 12, 7, 2, 0, tzinfo=timezone.utc)
CALENDAR = WorkCalendar()


@pytest.fixture(autouse=True)
def mediators(db: Database) -> None:
    with db.transaction() as s:
        ms.seed_mediators(s)


def test_a_future_deadline_is_never_overdue_and_a_passed_one_always_is() -> None:
    for later in (timedelta(minutes=1), timedelta(hours=20), timedelta(days=9)):
        d = Deadline.of(MONDAY + later, MONDAY, CALENDAR)
        assert d is not None and not d.overdue and d.state != "overdue"
    due_now = Deadline.of(MONDAY, MONDAY, CALENDAR)
    assert due_now is not None and not due_now.overdue and due_now.state == "due_today"
    late = Deadline.of(MONDAY - timedelta(minutes=1), MONDAY, CALENDAR)
    assert late is not None and late.overdue and late.minutes_overdue == 1 and late.state == "overdue"
    assert Deadline.of(None, MONDAY, CALENDAR) is None
    assert not is_overdue(None, MONDAY) and is_overdue(MONDAY - timedelta(seconds=1), MONDAY)


def test_working_days_for_ordinary_matters_and_clock_time_for_urgent_ones() -> None:
    friday_evening = datetime(2026, 12, 11, 10, 0, tzinfo=timezone.utc)  # 18:00 Beijing, 4 working days on
    ordinary = Deadline.of(friday_evening, MONDAY, CALENDAR)
    assert ordinary is not None and ordinary.workdays_left == 4 and ordinary.state == "open"
    urgent = Deadline.of(MONDAY + timedelta(minutes=95), MONDAY, CALENDAR, urgent=True)
    assert urgent is not None and urgent.minutes_left == 95 and urgent.state == "due_soon"
    over = Deadline.of(MONDAY - timedelta(hours=3), MONDAY, CALENDAR, urgent=True)
    assert over is not None and over.overdue and over.minutes_overdue == 180


def _reading(html: str, anchor: str) -> str:
    """The deadline reading (``还剩 … / 今天到期 / 已超期 … / 无时限``) shown after ``anchor``."""
    at = html.index(anchor)
    match = re.search(r'class="deadline[^"]*">\s*([^<]+?)\s*<', html[at:])
    assert match, f"no deadline after {anchor!r}"
    return match.group(1)


def test_an_escalated_mediation_whose_deadline_is_still_ahead_reads_the_same_in_workspace_and_inbox(
        driver: Driver, clock: FixedClock, login_as: LoginAs) -> None:
    """The reported bug: the workspace said "已超期，已报街道督办" for a deadline nine days ahead while the
    inbox said "无时限" for the mediator's task. (A demo's clock runs ahead of the real one, so escalations
    recorded "later" than now happen; the reading must follow the deadline, not the flag.)"""
    case = ms.register(driver)
    ms.assign_and_accept(driver, case, "tiaojie")
    start = clock.now()
    driver.later(days=31)  # the 30 days pass: the supervisor is told
    page = ms.mediation(driver).mediation_page(case.tracking_code, Actor("dudao", "supervisor"))
    assert page.mediation.escalated_at is not None
    clock.set(start + timedelta(days=21))  # … and the page is read nine days before the deadline
    mediator = login_as("tiaojie")
    workspace = mediator.get(f"/mediation/{case.tracking_code}").get_data(as_text=True)
    listing = mediator.get("/mediation").get_data(as_text=True)
    inbox = mediator.get("/inbox").get_data(as_text=True)
    for html in (workspace, listing):
        assert "已超期" not in html and "已报街道督办" not in html
    readings = {_reading(workspace, "调解期限"), _reading(listing, case.tracking_code),
                _reading(inbox, case.tracking_code)}
    assert len(readings) == 1 and readings.pop().startswith("还剩"), readings
    clock.set(start + timedelta(days=40))  # past the deadline: everywhere overdue, and the escalation shows
    workspace = mediator.get(f"/mediation/{case.tracking_code}").get_data(as_text=True)
    inbox = mediator.get("/inbox").get_data(as_text=True)
    assert _reading(workspace, "调解期限").startswith("已超期") and "已报街道督办" in workspace
    assert _reading(inbox, case.tracking_code) == _reading(workspace, "调解期限")


def test_the_case_page_the_task_page_the_tracking_page_and_the_api_agree_with_the_inbox(
        driver: Driver, clock: FixedClock, login_as: LoginAs) -> None:
    case = waiting_for_department(driver)
    item = driver.item(case, "accept")
    assert item.due_at is not None
    due = as_utc(item.due_at)
    for moment, expected in ((due - timedelta(hours=2), "今天到期"), (due + timedelta(days=3), "已超期")):
        clock.set(moment)
        dept = login_as("chengguan")
        inbox = dept.get("/inbox").get_data(as_text=True)
        task = dept.get(f"/inbox/tasks/{item.id}").get_data(as_text=True)
        page = login_as("dudao").get(f"/cases/{case.tracking_code}").get_data(as_text=True)
        tracking = login_as("dudao").get(f"/track/{case.tracking_code}").get_data(as_text=True)
        readings = {_reading(inbox, case.tracking_code), _reading(task, "办理时限"), _reading(page, "签收时限"),
                    _reading(tracking, "办理时限")}
        assert len(readings) == 1 and readings.pop().startswith(expected), (moment, readings)
        api = dept.get("/api/inbox").get_json()
        (row,) = [r for r in api["items"] if r["case"] == case.tracking_code]
        assert row["overdue"] is (expected == "已超期")


def with_first_response_timer(xml: str) -> str:
    """A 24-hour first-response deadline on triage (the diagram's own timer is the dispatch work's)."""
    timer = """
    <bpmn:boundaryEvent id="triage_first_response" name="首次响应超时" cancelActivity="false" attachedToRef="triage">
      <bpmn:outgoing>flow_first_response_end</bpmn:outgoing>
      <bpmn:timerEventDefinition id="TimerEventDefinition_first_response">
        <bpmn:timeDuration xsi:type="bpmn:tFormalExpression">"PT24H"</bpmn:timeDuration>
      </bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:endEvent id="first_response_end"><bpmn:incoming>flow_first_response_end</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="flow_first_response_end" sourceRef="triage_first_response" targetRef="first_response_end"/>
    """
    anchor = '<bpmn:userTask id="triage" name="分拨研判" camunda:formKey="triage">'
    return replace_once(xml, anchor, timer + anchor)


def test_triage_shows_its_first_response_deadline_on_every_page(
        db: Database, driver: Driver, clock: FixedClock, login_as: LoginAs, versions_restored: None) -> None:  # noqa: F811
    ProcessService(db, clock).publish_file(with_first_response_timer(civic_loop()), "首次响应时限", by="dudao")
    case = driver.report("路灯不亮")
    item = driver.item(case, "triage")
    assert item.due_at is not None and as_utc(item.due_at) == clock.now() + timedelta(hours=24)
    clock.advance(hours=20)
    grid = login_as("wangge")
    readings = {_reading(grid.get("/inbox").get_data(as_text=True), case.tracking_code),
                _reading(grid.get(f"/inbox/tasks/{item.id}").get_data(as_text=True), "办理时限"),
                _reading(grid.get(f"/track/{case.tracking_code}").get_data(as_text=True), "办理时限")}
    assert len(readings) == 1 and not readings.pop().startswith("已超期"), readings


def test_an_urgent_matter_reads_in_clock_minutes_on_every_page_and_in_the_api(
        driver: Driver, clock: FixedClock, login_as: LoginAs) -> None:
    """特急: the department's 10 minutes to report in and its hour to be on site read in minutes on the inbox,
    the task page, the case page (签收 / 到场时限), the tracking page and in the API — never in working days."""
    case = urgent_matter_waiting_in_minutes(driver)
    item = driver.item(case, "accept")
    assert item.due_at is not None and item.urgency == 2
    due = as_utc(item.due_at)
    for moment, expected in ((due - timedelta(minutes=6), "还剩 6 分钟"), (due + timedelta(hours=2, minutes=5),
                                                                        "已超时 2 小时 5 分")):
        clock.set(moment)
        dept = login_as("zhujian")
        inbox = dept.get("/inbox").get_data(as_text=True)
        task = dept.get(f"/inbox/tasks/{item.id}").get_data(as_text=True)
        page = login_as("dudao").get(f"/cases/{case.tracking_code}").get_data(as_text=True)
        tracking = login_as("dudao").get(f"/track/{case.tracking_code}").get_data(as_text=True)
        readings = {_reading(inbox, case.tracking_code), _reading(task, "办理时限"), _reading(page, "签收时限"),
                    _reading(tracking, "办理时限")}
        assert readings == {expected}, (moment, readings)
        api = dept.get("/api/inbox").get_json()
        (row,) = [r for r in api["items"] if r["case"] == case.tracking_code]
        detail = dept.get(f"/api/work-items/{item.id}").get_json()
        [open_item] = dept.get(f"/api/cases/{case.tracking_code}").get_json()["work_items"]
        for reading in (row, detail, open_item):
            assert reading["deadline"]["urgent"] is True and reading["priority"] == "critical"
            assert reading["overdue"] is expected.startswith("已超时")
            minutes = reading["deadline"]["minutes_overdue" if reading["overdue"] else "minutes_left"]
            assert minutes == (125 if reading["overdue"] else 6)
    clock.set(due - timedelta(minutes=6))
    page = login_as("dudao").get(f"/cases/{case.tracking_code}").get_data(as_text=True)
    assert _reading(page, "到场时限") == "还剩 56 分钟"


def test_an_ordinary_deadline_in_the_api_counts_working_days(driver: Driver, clock: FixedClock,
                                                             login_as: LoginAs) -> None:
    case = waiting_for_department(driver)
    item = driver.item(case, "accept")
    api = login_as("chengguan").get(f"/api/work-items/{item.id}").get_json()
    assert api["priority"] == "normal" and api["deadline"]["urgent"] is False
    assert api["deadline"]["workdays_left"] == CALENDAR.workdays_between(clock.now(), as_utc(item.due_at))


def test_each_inbox_section_lists_the_most_urgent_first_then_the_earliest_deadline(
        driver: Driver, clock: FixedClock, login_as: LoginAs) -> None:
    """Inboxes sort by urgency, then deadline — in 我的任务 and in 待认领 alike (claimed work is its own section)."""
    early = driver.report("路灯坏了", "公共设施")
    clock.advance(hours=2)
    late = driver.report("井盖松动", "公共设施")
    urgent = driver.report("楼道有异味", "公共设施", priority="urgent")
    critical = driver.report("电梯困人", "公共设施", priority="critical")
    grid = login_as("wangge")
    queue = [critical, urgent, early, late]
    html = grid.get("/inbox").get_data(as_text=True).split('id="queue-heading"')[1]
    assert [c.tracking_code for c in sorted(queue, key=lambda c: html.index(c.tracking_code))] == \
        [c.tracking_code for c in queue]
    for case in (late, critical, early):
        assert grid.post(f"/inbox/tasks/{driver.item(case, 'triage').id}/claim").status_code == 302
    mine = grid.get("/inbox").get_data(as_text=True).split('id="mine-heading"')[1].split('id="queue-heading"')[0]
    assert [c.tracking_code for c in sorted((late, critical, early), key=lambda c: mine.index(c.tracking_code))] == \
        [critical.tracking_code, early.tracking_code, late.tracking_code]
    api = [r["case"] for r in grid.get("/api/inbox").get_json()["items"]]
    assert api[:4] == [critical.tracking_code, early.tracking_code, late.tracking_code, urgent.tracking_code]
