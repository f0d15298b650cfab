"""What dispatch tells people (issues 14 and 16): 催办 reaches the department holding the task, a 退单 the
dispatcher it went back to, an extension request the supervisors and their decision the department, a missed
deadline the supervisors — each row linked to its task and case, delivered by the outbox (in the bell, and
by signed SMS at night for urgent matters)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from engine.calendar import china_date
from engine.cases.models import Case, Notification
from engine.clock import FixedClock
from engine.db import Database
from engine.demo.driver import Driver
from engine.dispatch.service import DispatchService
from engine.notify import OutboxService
from engine.notify.preferences import Preferences
from engine.notify.service import NotificationService
from engine.notify.webhook import WebhookSender
from engine.people.actor import Actor
from tests.fixtures.receivers import webhook_receiver

SUPERVISOR = Actor("dudao", "supervisor", None, None)
ZHUJIAN = Actor("zhujian", "department", "zhujian", None)
SECRET = "relay-secret"


@pytest.fixture
def dispatch(db: Database, clock: FixedClock) -> DispatchService:
    return DispatchService(db, clock)


@pytest.fixture
def notices(db: Database, clock: FixedClock) -> NotificationService:
    return NotificationService(db, clock)


def _dispatched(driver: Driver, priority: str = "normal") -> Case:
    case = driver.report("3号楼路灯不亮", "公共设施", priority=priority)
    driver.do(case, "triage", triage_decision="dispatch", department="zhujian")
    return case


def _rows(db: Database, case: Case, kind: str) -> list[Notification]:
    with db.reading() as s:
        return list(s.scalars(select(Notification).where(Notification.case_id == case.id, Notification.kind == kind)
                              .order_by(Notification.id)))


def _delivered(db: Database, clock: FixedClock) -> None:
    report = OutboxService(db, clock, channels={}).send_pending()
    assert report.failed == []


def test_urging_reaches_the_departments_bell_linked_to_the_task(
        db: Database, driver: Driver, clock: FixedClock, dispatch: DispatchService,
        notices: NotificationService) -> None:
    case = _dispatched(driver)
    item = driver.item(case, "accept")
    _delivered(db, clock)
    dispatch.urge(item.id, message="请今天内签收", actor=SUPERVISOR)
    [row] = _rows(db, case, "urged")
    assert (row.work_item_id, row.recipient, row.urgent) == (item.id, "department:zhujian", False)
    _delivered(db, clock)
    [urged] = [n for n in notices.notices("zhujian") if n.kind == "urged"]
    assert urged.link == f"/inbox/tasks/{item.id}" and urged.tracking_code == case.tracking_code
    assert "请今天内签收" in urged.text and not urged.read
    assert not [n for n in notices.notices("chengguan") if n.kind == "urged"]  # another department hears nothing


def test_urging_a_claimed_task_tells_its_holder(db: Database, driver: Driver, clock: FixedClock,
                                                 dispatch: DispatchService, notices: NotificationService) -> None:
    case = _dispatched(driver)
    item = driver.item(case, "accept")
    driver.service.claim(item.id, ZHUJIAN)
    dispatch.urge(item.id, message="请加快", actor=SUPERVISOR)
    [row] = _rows(db, case, "urged")
    assert row.recipient == "user:zhujian" and row.work_item_id == item.id


def test_a_return_tells_the_dispatcher_who_returned_it_and_why(
        db: Database, driver: Driver, clock: FixedClock, notices: NotificationService) -> None:
    case = _dispatched(driver)
    driver.do(case, "accept", accept_decision="return", return_reason="路灯属于供电公司资产")
    triage = driver.item(case, "triage")
    [row] = _rows(db, case, "returned")
    assert row.work_item_id == triage.id and row.recipient == "grid:XF-01"
    _delivered(db, clock)
    [returned] = [n for n in notices.notices("wangge") if n.kind == "returned"]
    assert returned.link == f"/inbox/tasks/{triage.id}"
    assert "住建办退单" in returned.text and "路灯属于供电公司资产" in returned.text
    assert returned.subject.startswith("退单")


def test_an_extension_request_reaches_the_supervisors_and_the_decision_the_department(
        db: Database, driver: Driver, clock: FixedClock, dispatch: DispatchService,
        notices: NotificationService) -> None:
    case = _dispatched(driver)
    item = driver.item(case, "accept")
    wanted = china_date(clock.now()) + timedelta(days=5)
    request = dispatch.request_extension(item.id, new_due=wanted, reason="需等配件", actor=ZHUJIAN)
    [asked] = _rows(db, case, "extension_requested")
    assert asked.work_item_id == item.id
    _delivered(db, clock)
    [told] = [n for n in notices.notices("dudao") if n.kind == "extension_requested"]
    assert told.link == "/dispatch/extensions" and "需等配件" in told.text and wanted.isoformat() in told.text
    dispatch.decide_extension(request, approve=False, note="配件可在本地采购", actor=SUPERVISOR)
    [decided] = _rows(db, case, "extension_decided")
    assert decided.work_item_id == item.id and decided.recipient == "department:zhujian"
    _delivered(db, clock)
    [answer] = [n for n in notices.notices("zhujian") if n.kind == "extension_decided"]
    assert answer.link == f"/inbox/tasks/{item.id}"
    assert "未同意" in answer.text and "配件可在本地采购" in answer.text


def test_an_approved_extension_names_the_new_deadline(db: Database, driver: Driver, clock: FixedClock,
                                                      dispatch: DispatchService) -> None:
    case = _dispatched(driver)
    item = driver.item(case, "accept")
    wanted = china_date(clock.now()) + timedelta(days=5)
    dispatch.decide_extension(dispatch.request_extension(item.id, new_due=wanted, reason="需等配件", actor=ZHUJIAN),
                              approve=True, note="", actor=SUPERVISOR)
    [decided] = _rows(db, case, "extension_decided")
    assert f"已同意，新时限 {wanted.isoformat()}" in decided.message


def test_a_missed_department_deadline_names_task_and_department_and_links_the_supervisors_task(
        db: Database, driver: Driver, clock: FixedClock, notices: NotificationService) -> None:
    case = _dispatched(driver)
    driver.deadline_passes(case, "accept")
    handler = driver.item(case, "unit_escalation")
    [row] = _rows(db, case, "escalated")
    assert row.work_item_id == handler.id and row.recipient == "supervisor"
    assert "住建办的「签收交办」已超过时限" in row.message
    _delivered(db, clock)
    [told] = [n for n in notices.notices("dudao") if n.kind == "escalated"]
    assert told.link == f"/inbox/tasks/{handler.id}"


def test_urgent_matters_are_told_at_night_by_sms_and_ordinary_ones_wait_for_morning(
        db: Database, driver: Driver, clock: FixedClock, dispatch: DispatchService) -> None:
    """特急 counts minutes: its new work, urging and escalation ignore quiet hours; an ordinary 催办 waits."""
    NotificationService(db, clock).save_preferences(
        "zhujian", Preferences(channels=("sms",), phone="13900139000", quiet_start="22:00", quiet_end="07:00"))
    clock.set(datetime(2026, 3, 2, 15, 30, tzinfo=timezone.utc))  # 23:30 in Beijing
    ordinary = _dispatched(driver)
    critical = _dispatched(driver, priority="critical")
    for case in (ordinary, critical):
        dispatch.urge(driver.item(case, "accept").id, message="请立即签收", actor=SUPERVISOR)
    with webhook_receiver(SECRET) as (url, inbox), WebhookSender(url, SECRET) as hook:
        OutboxService(db, clock, channels={"sms": hook}).send_pending()
        told = sorted((m["kind"], critical.tracking_code in m["text"]) for m in inbox.accepted.values())
        assert told == [("new_work", True), ("urged", True)] and inbox.refused == 0
        clock.set(datetime(2026, 3, 2, 23, 0, tzinfo=timezone.utc))  # 07:00: the quiet hours are over
        OutboxService(db, clock, channels={"sms": hook}).send_pending()
        assert sorted(m["kind"] for m in inbox.accepted.values()) == ["new_work", "new_work", "urged", "urged"]


def test_departments_of_a_whistle_missing_one_deadline_are_each_escalated_by_name(
        db: Database, driver: Driver, clock: FixedClock, dispatch: DispatchService,
        notices: NotificationService) -> None:
    case = driver.report("小区消防通道被违章搭建", "安全隐患")
    dispatch.blow_whistle(case.tracking_code, lead="chengguan", co_departments=["gongan", "zhujian"],
                          actor=Actor("wangge", "grid_worker", None, "XF-01"), reason="联合处置")
    driver.deadline_passes(case, "accept")
    rows = _rows(db, case, "escalated")
    assert sorted(r.message.split("（")[1].split("的「")[0].split("）")[1] for r in rows) == \
        ["住建办", "城管执法中队", "派出所"]
    # Three escalation tasks that do not say whose they are: each notice links the case page, which shows them.
    assert {r.work_item_id for r in rows} == {None}
    _delivered(db, clock)
    assert {n.link for n in notices.notices("dudao") if n.kind == "escalated"} == {f"/cases/{case.tracking_code}"}
