"""Reminders and digests: stages of the background sweep, each a plain ``(session, now) -> count`` function.

- :func:`deadline_reminders`: a work item's team at 50 % and 80 % of its time and when the deadline passes;
- :func:`overdue_digest`: once a day (between 08:00 and 09:00 China time) the supervisors get the overdue work
  per department;
- :func:`sitting_reminders`: council members the day before a scheduled sitting;
- :func:`rating_reminders`: a subscribed resident the day before the default rating (基本满意) applies.

Each reads only rows that are due (indexed), writes notifications into the caller's transaction and never
the same one twice (a reminder level is recorded on its watch row; the others carry a ``dedup_key``).
"""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from datetime import datetime, time, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from engine.calendar.workdays import CHINA_TZ
from engine.cases.models import Case, Notification, WorkItem
from engine.clock import as_utc, to_db
from engine.council.models import CouncilMeeting
from engine.notify.models import DeadlineWatch, ResidentSubscription
from engine.notify.recipients import RESIDENT
from engine.notify.triggers import LEVELS, local, note, private_link, queue_of
from engine.people.models import Department

#: When the daily digest goes out (China time), and how far ahead sittings and default ratings are announced.
DIGEST_HOUR = 8
AHEAD = timedelta(days=1)
BATCH = 500


def _lock(stmt, session: Session):  # type: ignore[no-untyped-def]
    return stmt.with_for_update(skip_locked=True) if session.get_bind().dialect.name == "postgresql" else stmt


def level_time(item: WorkItem, level: int) -> datetime:
    assert item.due_at is not None
    return item.created_at + (item.due_at - item.created_at) * level / 100


def deadline_reminders(session: Session, now: datetime) -> int:
    """Tell each due work item's team how much of its time has passed (only the highest level reached)."""
    sent = 0
    at = to_db(now)
    watches = list(session.scalars(_lock(select(DeadlineWatch).where(DeadlineWatch.next_at <= at)
                                         .order_by(DeadlineWatch.next_at).limit(BATCH), session)))
    finished: list[int] = []  # watches with nothing left to remind of
    for watch in watches:
        item = session.get(WorkItem, watch.work_item_id)
        if item is None or not item.is_open or item.due_at is None or item.due_at <= item.created_at:
            finished.append(watch.work_item_id)
            continue
        reached = max((lv for lv in LEVELS if level_time(item, lv) <= at), default=0)
        if reached > watch.level_done:
            case = session.get(Case, item.case_id)
            assert case is not None
            if reached == 100:
                text = f"案件 {case.tracking_code} 的任务「{item.name}」已超过时限（{local(item.due_at)}），请尽快办理"
            else:
                text = (f"案件 {case.tracking_code} 的任务「{item.name}」已用去时限的 {reached}%，"
                        f"请在 {local(item.due_at)} 前办结")
            session.add(note(case, queue_of(item), "deadline", text, at=at, item=item,
                             urgent=reached == 100 or item.urgency > 0,
                             task=item.name, level=reached, deadline=local(item.due_at)))
            watch.level_done = reached
            sent += 1
        later = [lv for lv in LEVELS if lv > watch.level_done]
        if later:
            watch.next_at = level_time(item, later[0])
        else:
            finished.append(watch.work_item_id)
    if finished:
        session.execute(delete(DeadlineWatch).where(DeadlineWatch.work_item_id.in_(finished)))
    return sent


def _once(session: Session, key: str) -> bool:
    """True the first time ``key`` is asked for (the sweep runs one stage at a time, under its lease)."""
    return session.scalar(select(func.count()).select_from(Notification).where(Notification.dedup_key == key)) == 0


def overdue_digest(session: Session, now: datetime) -> int:
    """Within the digest hour only: a day with nothing overdue sends nothing, and the count is not
    repeated every minute of the day."""
    local_now = as_utc(now).astimezone(CHINA_TZ)
    if not time(DIGEST_HOUR) <= local_now.time() < time(DIGEST_HOUR + 1):
        return 0
    key = f"digest:{local_now.date().isoformat()}"
    if not _once(session, key):
        return 0
    rows = session.execute(select(WorkItem.department_code, WorkItem.role, func.count())
                           .where(WorkItem.state.in_(WorkItem.OPEN_STATES), WorkItem.due_at < to_db(now))
                           .group_by(WorkItem.department_code, WorkItem.role)).all()
    if not rows:
        return 0
    names: dict[str, str] = dict(session.execute(select(Department.code, Department.name)).all())
    by_unit: Counter[str] = Counter()
    for department, role, count in rows:
        by_unit[names.get(department, department) if department else role] += count
    summary = "，".join(f"{unit} {count} 件" for unit, count in by_unit.most_common())
    session.add(Notification(case_id=None, recipient="supervisor", kind="digest", created_at=to_db(now),
                             message=f"截至 {local_now:%m-%d %H:%M} 超期未办：{summary}", dedup_key=key,
                             params=_json(summary=summary, link="/cases")))
    return 1


def sitting_reminders(session: Session, now: datetime) -> int:
    at = to_db(now)
    meetings = session.scalars(select(CouncilMeeting).where(
        CouncilMeeting.status == "scheduled", CouncilMeeting.scheduled_for > at,
        CouncilMeeting.scheduled_for <= at + AHEAD))
    sent = 0
    for meeting in meetings:
        key = f"sitting:{meeting.id}:{meeting.scheduled_for.isoformat()}"
        if not _once(session, key):
            continue
        when = local(meeting.scheduled_for)
        place = f"，地点：{meeting.location}" if meeting.location else ""
        session.add(Notification(case_id=None, recipient="council", kind="sitting", created_at=at, dedup_key=key,
                                 message=f"议事会议「{meeting.title}」将于 {when} 召开{place}",
                                 params=_json(when=when, topic=meeting.title, link=f"/council/meetings/{meeting.id}")))
        sent += 1
    return sent


def rating_reminders(session: Session, now: datetime) -> int:
    at = to_db(now)
    cases = session.scalars(select(Case).join(ResidentSubscription, ResidentSubscription.case_id == Case.id).where(
        ResidentSubscription.withdrawn_at.is_(None), Case.phase == "evaluate", Case.status == "open",
        Case.next_timer_at > at, Case.next_timer_at <= at + AHEAD))
    sent = 0
    for case in cases:
        assert case.next_timer_at is not None
        key = f"rating:{case.id}:{case.next_timer_at.isoformat()}"
        if not _once(session, key):
            continue
        deadline = local(case.next_timer_at)
        row = note(case, RESIDENT, "rating_reminder",
                   f"您反映的问题（{case.tracking_code}）已办结，请在 {deadline} 前评价，逾期将默认为“基本满意”。",
                   at=at, deadline=deadline, link=private_link(case))
        row.dedup_key = key
        session.add(row)
        sent += 1
    return sent


def _json(**values: object) -> str:
    return json.dumps(values, ensure_ascii=False, sort_keys=True)


def _exists(session: Session, stmt) -> bool:  # type: ignore[no-untyped-def]
    return session.scalar(stmt.limit(1)) is not None


def due(session: Session, now: datetime) -> list[Callable[[Session, datetime], int]]:
    """The stages with something to do, found by reading (indexed look-ups): an idle minute opens no write
    transaction, which on SQLite would take the database's one write lock."""
    at = to_db(now)
    local_now = as_utc(now).astimezone(CHINA_TZ)
    checks = {
        deadline_reminders: lambda: _exists(session, select(DeadlineWatch.work_item_id)
                                            .where(DeadlineWatch.next_at <= at)),
        overdue_digest: lambda: (time(DIGEST_HOUR) <= local_now.time() < time(DIGEST_HOUR + 1)
                                 and _once(session, f"digest:{local_now.date().isoformat()}")),
        sitting_reminders: lambda: _exists(session, select(CouncilMeeting.id).where(
            CouncilMeeting.status == "scheduled", CouncilMeeting.scheduled_for > at,
            CouncilMeeting.scheduled_for <= at + AHEAD)),
        rating_reminders: lambda: _exists(session, select(Case.id).join(
            ResidentSubscription, ResidentSubscription.case_id == Case.id).where(
            ResidentSubscription.withdrawn_at.is_(None), Case.phase == "evaluate", Case.status == "open",
            Case.next_timer_at > at, Case.next_timer_at <= at + AHEAD)),
    }
    return [stage for stage in STAGES if checks[stage]()]


#: The stages in the order the sweep runs them.
STAGES: tuple[Callable[[Session, datetime], int], ...] = (deadline_reminders, overdue_digest, sitting_reminders,
                                                          rating_reminders)
