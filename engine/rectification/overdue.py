"""Overdue rectification items (逾期未整改), flagged by the background sweep like the joint meetings' cadence.

An item whose deadline (a China date) passed before it was verified is flagged once: ``overdue_flagged_at``
is set and the street office's supervisors and whoever listed the problem are told. Flagging is idempotent
(the flag and the notification's dedup key), so overlapping sweepers tell once.
"""
from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.calendar import china_date
from engine.cases.models import Notification
from engine.clock import to_db
from engine.rectification.models import RectificationItem
from engine.rectification.operations import RECTIFIED


def flag_item(session: Session, item_id: int, now: datetime) -> int:
    """Flag one item if it is (still) overdue and unflagged; 1 when flagged, else 0."""
    item = session.get(RectificationItem, item_id)
    if (item is None or item.status == RECTIFIED or item.overdue_flagged_at is not None
            or item.deadline >= china_date(now)):
        return 0
    item.overdue_flagged_at = to_db(now)
    message = (f"整改事项逾期：{item.responsible_unit} 未在 {item.deadline.isoformat()} 前完成整改"
               f"（{item.source_label}：{item.problem[:100]}）")
    params = {"unit": item.responsible_unit, "problem": item.problem[:100], "source": item.source_label,
              "deadline": item.deadline.isoformat(), "link": f"/rectification/{item.id}"}
    for recipient in ("supervisor", f"user:{item.raised_by}"):
        key = f"rectification-overdue:{item.id}:{recipient[:60]}"
        if session.scalar(select(func.count()).select_from(Notification).where(Notification.dedup_key == key)):
            continue
        session.add(Notification(case_id=None, recipient=recipient, kind="rectification_overdue",
                                 created_at=to_db(now), dedup_key=key, message=message,
                                 params=json.dumps(params, ensure_ascii=False, sort_keys=True)))
    session.flush()
    return 1
