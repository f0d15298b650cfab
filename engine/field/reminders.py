"""The due visits in the background sweep: made without anyone opening a page, and their grid worker told.

- **Generation.** The current month's due visits of every active plan are made (idempotent, see
  :mod:`engine.field.plans`) at most once every :data:`GENERATE_EVERY`, the next run kept as a lease row named
  :data:`GENERATE_MARKER` (like the retention sweep): a new month's visits are due within the hour, and a
  household flagged mid-month gets its visits at the next run.
- **Reminder.** :data:`REMIND_BEFORE` before a deadline, the grid's workers are told once how many households of
  the plan still wait for that visit (``field_due``: one message per grid, plan and deadline, not per household).
- **Overdue.** Once the deadline passed with households not visited, the grid's workers and the street's
  supervisors are told once (``field_overdue``). Deadlines older than :data:`LOOK_BACK` are not looked at
  (a sweeper that was down for months does not flood anyone).

Every message has a ``dedup_key``, so a second sweep (or an overlapping one) writes nothing more.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.calendar import china_date
from engine.cases.models import Notification
from engine.clock import as_utc, to_db
from engine.field.models import DueVisit, VisitPlan

GENERATE_EVERY = timedelta(hours=1)
GENERATE_MARKER = "field-due-visits"
REMIND_BEFORE = timedelta(days=3)
LOOK_BACK = timedelta(days=35)
#: Where a grid worker's due visits are listed (the link in the message).
LINK = "/field"


@dataclass(frozen=True)
class OpenGroup:
    """The open due visits of one grid, plan and deadline."""

    grid_code: str
    plan_id: int
    plan_name: str
    number: int
    due_at: datetime
    households: int


def open_groups(session: Session, now: datetime) -> list[OpenGroup]:
    """Groups with a deadline from :data:`LOOK_BACK` ago up to :data:`REMIND_BEFORE` ahead (one grouped read)."""
    rows = session.execute(
        select(DueVisit.grid_code, DueVisit.plan_id, VisitPlan.name, DueVisit.number, DueVisit.due_at,
               func.count())
        .join(VisitPlan, VisitPlan.id == DueVisit.plan_id)
        .where(DueVisit.visit_id.is_(None), DueVisit.grid_code.is_not(None),
               DueVisit.due_at >= to_db(now - LOOK_BACK), DueVisit.due_at <= to_db(now + REMIND_BEFORE))
        .group_by(DueVisit.grid_code, DueVisit.plan_id, VisitPlan.name, DueVisit.number, DueVisit.due_at)
        .order_by(DueVisit.grid_code, DueVisit.due_at, DueVisit.plan_id)).tuples()
    return [OpenGroup(str(grid), plan_id, name, number, as_utc(due), count)
            for grid, plan_id, name, number, due, count in rows]


def _once(session: Session, key: str) -> bool:
    return session.scalar(select(func.count()).select_from(Notification).where(Notification.dedup_key == key)) == 0


def _tell(session: Session, recipient: str, kind: str, message: str, key: str, at: datetime,
          params: dict[str, str]) -> None:
    session.add(Notification(case_id=None, recipient=recipient, kind=kind, created_at=to_db(at), dedup_key=key,
                             message=message, params=json.dumps(params, ensure_ascii=False, sort_keys=True)))


def remind_group(session: Session, group: OpenGroup, now: datetime) -> str | None:
    """Write the group's reminder or overdue notice unless it was written before: ``"reminded"``,
    ``"overdue"`` or None (nothing new)."""
    day = china_date(group.due_at).isoformat()
    stamp = f"{group.grid_code[:40]}:{group.plan_id}:{group.due_at:%Y%m%d%H%M}"
    params = {"grid": group.grid_code, "plan": group.plan_name, "number": str(group.number),
              "households": str(group.households), "until": day, "link": LINK}
    if now < group.due_at:
        key = f"field-due:{stamp}"
        if not _once(session, key):
            return None
        message = (f"走访提醒：「{group.plan_name}」本网格（{group.grid_code}）还有 {group.households} 户的"
                   f"第 {group.number} 次走访未完成，请在 {day} 前上门")
        _tell(session, f"grid:{group.grid_code}", "field_due", message, key, now, params)
        return "reminded"
    key = f"field-overdue:{stamp}"
    if not _once(session, f"{key}:grid"):
        return None
    message = (f"走访超期：「{group.plan_name}」网格 {group.grid_code} 有 {group.households} 户的"
               f"第 {group.number} 次走访未在 {day} 前完成")
    for recipient, suffix in ((f"grid:{group.grid_code}", "grid"), ("supervisor", "supervisor")):
        _tell(session, recipient, "field_overdue", message, f"{key}:{suffix}", now, params)
    return "overdue"
