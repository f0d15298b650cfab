"""The cadence rule (「每月至少召开1次联席会议」), watched by the background sweep.

Each committee's calendar is cut into windows of ``cadence_months`` calendar months (China time), aligned on
the calendar (monthly: each month; every 3 months: the quarters). A window counts as kept when a sitting it
scheduled was held (recorded) — the sitting's date decides the window, not the day it was recorded.

- **Reminder**: ``remind_days`` before the current window ends with no sitting held in it, the council
  and the committee's chair are told once.
- **Alert**: a window that ended (plus :data:`GRACE` for recording a sitting held on its last days) without a
  sitting raises a :class:`JointCadenceAlert` once, and the street office's supervisors and the council are told.

Windows before the committee was set up, and the one it was set up in, are never alerted.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.calendar import china_date
from engine.calendar.workdays import CHINA_TZ
from engine.cases.models import Notification
from engine.clock import to_db
from engine.joint.models import JointCadenceAlert, JointCommittee, JointMeeting

#: Time after a window's end for a sitting held on its last days to be recorded before the alert.
GRACE = timedelta(days=3)
#: How many ended windows one sweep looks back at (a sweeper that was down for months catches up).
LOOK_BACK = 12


@dataclass(frozen=True)
class Window:
    #: First day and the day after the last (China dates).
    start: date
    end: date

    @property
    def label(self) -> str:
        return f"{self.start:%Y-%m}"

    def bounds(self) -> tuple[datetime, datetime]:
        """Naive UTC instants of the window's start (inclusive) and end (exclusive)."""
        return (to_db(datetime.combine(self.start, time(), CHINA_TZ)),
                to_db(datetime.combine(self.end, time(), CHINA_TZ)))


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def _first_of(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


def window_of(day: date, months: int) -> Window:
    first = _month_index(day) // months * months
    return Window(_first_of(first), _first_of(first + months))


def previous(window: Window, months: int) -> Window:
    return window_of(window.start - timedelta(days=1), months)


def sittings_in(session: Session, committee_id: int, window: Window) -> int:
    start, end = window.bounds()
    return session.scalar(select(func.count()).select_from(JointMeeting).where(
        JointMeeting.committee_id == committee_id, JointMeeting.status == "held",
        JointMeeting.scheduled_for >= start, JointMeeting.scheduled_for < end)) or 0


def _once(session: Session, key: str) -> bool:
    return session.scalar(select(func.count()).select_from(Notification).where(Notification.dedup_key == key)) == 0


def _tell(session: Session, recipient: str, kind: str, message: str, key: str, at: datetime, **params: str) -> None:
    session.add(Notification(case_id=None, recipient=recipient, kind=kind, created_at=to_db(at), dedup_key=key,
                             message=message, params=json.dumps(params, ensure_ascii=False, sort_keys=True)))


def _remind(session: Session, committee: JointCommittee, now: datetime) -> int:
    today = china_date(now)
    current = window_of(today, committee.cadence_months)
    if (current.end - today).days > committee.remind_days or sittings_in(session, committee.id, current):
        return 0
    key = f"joint-remind:{committee.id}:{current.label}"
    if not _once(session, key):
        return 0
    until = (current.end - timedelta(days=1)).isoformat()
    message = f"{committee.community} 联席会议本期（{current.label} 起）尚未召开，请在 {until} 前召开"
    link = f"/joint/{committee.id}"
    _tell(session, f"user:{committee.chair_username}", "joint_reminder", message, key, now,
          community=committee.community, until=until, link=link)
    return 1


def _alerts(session: Session, committee: JointCommittee, now: datetime) -> int:
    today = china_date(now)
    created = window_of(china_date(committee.created_at), committee.cadence_months)
    window = previous(window_of(today, committee.cadence_months), committee.cadence_months)
    raised = 0
    for _ in range(LOOK_BACK):
        if window.start <= created.start:
            break
        ended_for = now - datetime.combine(window.end, time(), CHINA_TZ)
        if ended_for >= GRACE and not sittings_in(session, committee.id, window):
            exists = session.scalar(select(JointCadenceAlert.id).where(
                JointCadenceAlert.committee_id == committee.id, JointCadenceAlert.window == window.label))
            if exists is None:
                session.add(JointCadenceAlert(committee_id=committee.id, window=window.label, raised_at=to_db(now)))
                until = (window.end - timedelta(days=1)).isoformat()
                message = (f"{committee.community} 联席会议在 {window.start.isoformat()} 至 {until} 期间未召开"
                           f"（应每 {committee.cadence_months} 个月至少召开 1 次）")
                params = {"community": committee.community, "since": window.start.isoformat(), "until": until,
                          "link": f"/joint/{committee.id}"}
                for recipient in ("supervisor", f"user:{committee.chair_username}"):
                    _tell(session, recipient, "joint_missed", message,
                          f"joint-missed:{committee.id}:{window.label}:{recipient[:60]}", now, **params)
                raised += 1
        window = previous(window, committee.cadence_months)
    return raised


def committee_ids(session: Session) -> list[int]:
    return list(session.scalars(select(JointCommittee.id).order_by(JointCommittee.id)))


def sweep_committee(session: Session, committee_id: int, now: datetime) -> dict[str, int]:
    """One committee's reminder and alerts, written into the caller's transaction."""
    committee = session.get(JointCommittee, committee_id)
    if committee is None:
        return {"reminded": 0, "alerted": 0}
    return {"reminded": _remind(session, committee, now), "alerted": _alerts(session, committee, now)}
