"""What people are told: staff through their notification centre, residents who consented by e-mail."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.cases.models import Case, Notification
from engine.clock import FixedClock, as_utc
from engine.db import Database
from engine.demo.driver import Driver
from engine.council import meetings
from engine.demo.scenarios import _adopt, _work_done, waiting_for_council
from engine.errors import NotFound, ValidationError
from engine.notify import OutboxService
from engine.notify.service import NotificationService
from engine.notify.smtp import SmtpSender
from engine.people.actor import Actor
from tests.fixtures.receivers import smtp_server


@pytest.fixture
def notices(db: Database, clock: FixedClock) -> NotificationService:
    return NotificationService(db, clock)


def _fan_out(db: Database, clock: FixedClock) -> None:
    OutboxService(db, clock, channels={}).send_pending()


def _kinds(notices: NotificationService, username: str) -> list[str]:
    return [n.kind for n in notices.notices(username)]


def test_new_work_lands_in_the_queue_owners_bell_and_nobody_elses(db: Database, driver: Driver, clock: FixedClock,
                                                                   notices: NotificationService) -> None:
    case = driver.report("楼道堆放杂物")
    _fan_out(db, clock)
    assert notices.unread_count("wangge") == 1
    [notice] = notices.notices("wangge")
    assert notice.kind == "new_work" and notice.tracking_code == case.tracking_code
    assert notice.link == f"/inbox/tasks/{driver.item(case, 'triage').id}"
    assert notices.unread_count("wangge2") == 0 and notices.notices("chengguan") == []  # other grid, other role
    with pytest.raises(NotFound):
        notices.mark_read("wangge2", notice.id)  # somebody else's notification is "not found"
    assert notices.unread_count("wangge") == 1
    notices.mark_read("wangge", notice.id)
    assert notices.unread_count("wangge") == 0 and notices.notices("wangge")[0].read


def test_department_work_and_its_reassignment_are_told_to_both_sides(db: Database, driver: Driver,
                                                                     clock: FixedClock,
                                                                     notices: NotificationService) -> None:
    case = driver.report("消防通道被占")
    _adopt(driver, case, department="wuye")
    item = driver.item(case, "accept")
    wuye = driver.actor_for_role("department", department="wuye")
    driver.service.claim(item.id, wuye)
    supervisor = driver.actor_for_role("supervisor")
    driver.service.reassign(item.id, supervisor, "职责调整", department="chengguan")
    _fan_out(db, clock)
    assert _kinds(notices, "wuye") == ["reassigned", "new_work"]  # newest first
    assert "已被改派" in notices.notices("wuye")[0].text
    assert _kinds(notices, "chengguan") == ["reassigned"]
    assert "职责调整" in notices.notices("chengguan")[0].text


def test_escalation_reaches_the_supervisors_bell(db: Database, driver: Driver, clock: FixedClock,
                                                 notices: NotificationService) -> None:
    case = driver.report("井盖缺失")
    _adopt(driver, case)
    driver.deadline_passes(case, "accept")
    _fan_out(db, clock)
    kinds = _kinds(notices, "dudao")
    assert "escalated" in kinds and "new_work" in kinds  # the escalation and the task to handle it


def _report_with_email(driver: Driver, notices: NotificationService, address: str = "resident@example.org") -> Case:
    case = driver.report("小区门口路灯不亮", channel="web")
    assert notices.subscribe(case.id, address, True, link=f"/track/{case.tracking_code}")
    return case


def test_a_resident_gets_a_receipt_then_news_until_closed(db: Database, driver: Driver, clock: FixedClock,
                                                          notices: NotificationService) -> None:
    case = _report_with_email(driver, notices)
    _adopt(driver, case)
    _work_done(driver, case)
    driver.do(case, "rate", rating="satisfied")
    with smtp_server() as (url, mailbox):
        OutboxService(db, clock, channels={"email": SmtpSender(url)}).send_pending()
    assert {m["X-Envelope-To"] for m in mailbox.messages} == {"resident@example.org"}
    texts = [m.get_content() for m in mailbox.messages]
    assert case.tracking_code in texts[0] and f"/track/{case.tracking_code}" in texts[0]  # the receipt
    assert mailbox.messages[0]["Subject"] == "已收到您反映的问题"
    assert any("协商" in t for t in texts)  # accepted, put to the council
    assert any("派发" in t for t in texts)  # dispatched
    assert any("请对办理结果进行评价" in t for t in texts)  # completed: please rate
    assert "已办结" in texts[-1]  # closed
    assert len(texts) == 5


def test_consent_is_required_and_a_withdrawn_resident_gets_nothing_more(db: Database, driver: Driver,
                                                                        clock: FixedClock,
                                                                        notices: NotificationService) -> None:
    case = driver.report()
    with pytest.raises(ValidationError) as refused:
        notices.subscribe(case.id, "13800138000", False, link="/track/x")
    assert "notify_consent" in refused.value.field_errors
    with pytest.raises(ValidationError) as bad:
        notices.subscribe(case.id, "not a contact", True, link="/track/x")
    assert "notify_contact" in bad.value.field_errors
    case = _report_with_email(driver, notices)
    assert notices.withdraw(case.id)
    _adopt(driver, case)
    with smtp_server() as (url, mailbox):
        OutboxService(db, clock, channels={"email": SmtpSender(url)}).send_pending()
    assert mailbox.messages == []  # not even the receipt, which was still waiting
    assert not notices.subscribed(case.id)


def test_deadline_reminders_at_50_80_and_100_percent_each_once(db: Database, driver: Driver, clock: FixedClock,
                                                                notices: NotificationService) -> None:
    case = driver.report()
    _adopt(driver, case)
    item = driver.item(case, "accept")
    assert item.due_at is not None
    created, due = as_utc(item.created_at), as_utc(item.due_at)

    def at(fraction: float) -> None:
        clock.set(created + (due - created) * fraction)

    levels = []
    for fraction in (0.3, 0.5, 0.6, 0.8, 0.9, 1.0, 1.2):
        at(fraction)
        counts = notices.remind()
        levels.append(counts["deadline_reminders"])
    assert levels == [0, 1, 0, 1, 0, 1, 0]
    with db.reading() as s:
        rows = s.scalars(select(Notification).where(Notification.kind == "deadline").order_by(Notification.id)).all()
    assert [r.recipient for r in rows] == ["department:chengguan"] * 3
    assert ["50%" in r.message for r in rows] == [True, False, False] and "已超过时限" in rows[2].message
    assert [r.urgent for r in rows] == [False, False, True]
    assert all(r.work_item_id == item.id for r in rows)


def test_a_reminder_skipped_by_a_late_sweep_sends_only_the_level_reached(db: Database, driver: Driver,
                                                                          clock: FixedClock,
                                                                          notices: NotificationService) -> None:
    case = driver.report()
    _adopt(driver, case)
    item = driver.item(case, "accept")
    assert item.due_at is not None
    clock.set(as_utc(item.created_at) + (as_utc(item.due_at) - as_utc(item.created_at)) * 0.85)
    assert notices.remind()["deadline_reminders"] == 1
    with db.reading() as s:
        [row] = s.scalars(select(Notification).where(Notification.kind == "deadline")).all()
    assert "80%" in row.message


def test_completed_work_stops_its_reminders(db: Database, driver: Driver, clock: FixedClock,
                                            notices: NotificationService) -> None:
    case = driver.report()
    _adopt(driver, case)
    accept = driver.item(case, "accept")
    driver.do(case, "accept", accept_decision="accepted")
    on_site = driver.item(case, "on_site")
    clock.advance(days=30)
    notices.remind()
    with db.reading() as s:
        items = s.scalars(select(Notification.work_item_id).where(Notification.kind == "deadline")).all()
    assert accept.id not in items and items == [on_site.id]  # only the open task's deadline, its highest level


def test_supervisors_get_one_overdue_digest_a_day(db: Database, driver: Driver, clock: FixedClock,
                                                 notices: NotificationService) -> None:
    for _ in range(2):
        case = driver.report()
        _adopt(driver, case)
    clock.advance(days=3, hours=-1)  # past the acceptance deadlines, at 08:00 China time
    assert notices.remind()["overdue_digest"] == 1
    assert notices.remind()["overdue_digest"] == 0
    _fan_out(db, clock)
    digest = [n for n in notices.notices("dudao") if n.kind == "digest"]
    assert len(digest) == 1 and "城管" in digest[0].text and "2 件" in digest[0].text
    clock.advance(hours=1)
    assert notices.remind()["overdue_digest"] == 0  # after the digest hour
    clock.advance(days=1, minutes=-30)
    assert notices.remind()["overdue_digest"] == 1  # the next day


def test_council_members_are_reminded_the_day_before_a_sitting(db: Database, driver: Driver, clock: FixedClock,
                                                              notices: NotificationService) -> None:
    waiting_for_council(driver)
    with db.transaction() as s:
        meeting = meetings.schedule_meeting(s, title="十二月议事会", scheduled_for=clock.now() + timedelta(hours=30),
                                    location="社区活动室", members=["张主任", "李委员", "王委员"],
                                    actor=Actor("yishi", "council"), at=clock.now())
    assert notices.remind()["sitting_reminders"] == 0  # 30 hours ahead
    clock.advance(hours=8)
    assert notices.remind()["sitting_reminders"] == 1
    assert notices.remind()["sitting_reminders"] == 0
    _fan_out(db, clock)
    [sitting] = [n for n in notices.notices("yishi") if n.kind == "sitting"]
    assert "十二月议事会" in sitting.text and sitting.link == f"/council/meetings/{meeting.id}"


def test_a_resident_is_reminded_before_the_default_rating(db: Database, driver: Driver, clock: FixedClock,
                                                          notices: NotificationService) -> None:
    case = _report_with_email(driver, notices)
    _adopt(driver, case)
    _work_done(driver, case)
    due = driver.service.case(case.id).next_timer_at
    assert due is not None
    clock.set(as_utc(due) - timedelta(hours=30))
    assert notices.remind()["rating_reminders"] == 0
    clock.set(as_utc(due) - timedelta(hours=20))
    assert notices.remind()["rating_reminders"] == 1
    assert notices.remind()["rating_reminders"] == 0
    with db.reading() as s:
        [row] = s.scalars(select(Notification).where(Notification.kind == "rating_reminder")).all()
    assert "基本满意" in row.message and row.recipient == "resident"


def test_a_moved_deadline_is_reminded_again_from_the_level_reached_under_it(db: Database, driver: Driver,
                                                                           clock: FixedClock,
                                                                           notices: NotificationService) -> None:
    from engine.cases.chain import append_event
    from engine.cases.models import WorkItem
    from engine.clock import to_db

    case = driver.report()
    _adopt(driver, case)
    item = driver.item(case, "accept")
    assert item.due_at is not None
    created, due = as_utc(item.created_at), as_utc(item.due_at)
    clock.set(due + timedelta(minutes=1))
    assert notices.remind()["deadline_reminders"] == 1  # 100 %: the watch is done
    # The supervisor grants more time (as an extension decision does): the item's deadline moves in the same
    # transaction as the decision's event.
    with db.transaction() as s:
        row = s.get(WorkItem, item.id)
        stored = s.get(Case, case.id)
        assert row is not None and stored is not None
        row.due_at = to_db(due + (due - created) * 3)  # now at a quarter of the new time span
        append_event(s, stored, type="extension_decided", actor="dudao", role="supervisor", at=clock.now(),
                     payload={"work_item": "accept", "approve": True})
    clock.set(created + (due + (due - created) * 3 - created) * 0.55)
    assert notices.remind()["deadline_reminders"] == 1
    with db.reading() as s:
        last = s.scalars(select(Notification).where(Notification.kind == "deadline")
                         .order_by(Notification.id.desc())).first()
    assert last is not None and "50%" in last.message
