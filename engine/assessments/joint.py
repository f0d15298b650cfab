"""The joint meetings' three indicators of the quarterly assessment, per community and street-wide.

- 参会率: of the member units expected at the sittings held in the quarter, the share that attended;
- 可执行决议比例: of the resolutions falling due in the quarter (up to now), the share carried out by their
  deadline (marked done, or the linked case or project closed, on or before the deadline's day);
- 有效运作率: of the quarter's months that have ended (and the current one once it has one), the share with an
  effective sitting — held, with more than half of the member units present (「每月至少召开1次」).

Sittings and resolutions are counted in the database; resolution rows due in one quarter are few (a handful
per sitting), so their on-time test runs in Python on China dates.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.assessments.figures import Tally
from engine.assessments.sql import count_if
from engine.calendar import china_date
from engine.cases.models import Case
from engine.joint import cadence
from engine.joint.models import JointAttendance, JointCommittee, JointMeeting, JointResolution


def _attendance(session: Session, tally: Tally, start: datetime, cutoff: datetime) -> None:
    rows = session.execute(
        select(JointCommittee.community, func.count(), count_if(JointAttendance.present))
        .select_from(JointAttendance).join(JointMeeting, JointMeeting.id == JointAttendance.meeting_id)
        .join(JointCommittee, JointCommittee.id == JointMeeting.committee_id)
        .where(JointMeeting.status == "held", JointMeeting.scheduled_for >= start, JointMeeting.scheduled_for < cutoff)
        .group_by(JointCommittee.community))
    for community, expected, present in rows:
        tally.add(None, community, joint_expected=expected, joint_present=present)


def _resolutions(session: Session, tally: Tally, first_day: date, last_day: date) -> None:
    """Resolutions due from ``first_day`` to ``last_day`` (China dates, inclusive)."""
    rows = session.execute(
        select(JointCommittee.community, JointResolution.deadline, JointResolution.done_at, Case.status,
               Case.closed_at)
        .select_from(JointResolution).join(JointMeeting, JointMeeting.id == JointResolution.meeting_id)
        .join(JointCommittee, JointCommittee.id == JointMeeting.committee_id)
        .outerjoin(Case, Case.id == JointResolution.case_id)
        .where(JointResolution.deadline >= first_day, JointResolution.deadline <= last_day))
    for community, deadline, done_at, case_status, closed_at in rows:
        moments = [m for m in (done_at, closed_at if case_status == "closed" else None) if m is not None]
        on_time = bool(moments) and china_date(min(moments)) <= deadline
        tally.add(None, community, joint_due=1, joint_done=int(on_time))


def _effective_months(session: Session, tally: Tally, start: datetime, end: datetime, now: datetime) -> None:
    first, last = china_date(start), china_date(end - timedelta(seconds=1))
    today = china_date(now)
    months = [cadence.window_of(date(first.year, m, 1), 1) for m in range(first.month, last.month + 1)]
    majority = (select(JointMeeting.id, JointMeeting.committee_id, JointMeeting.scheduled_for)
                .join(JointAttendance, JointAttendance.meeting_id == JointMeeting.id)
                .where(JointMeeting.status == "held", JointMeeting.scheduled_for >= start,
                       JointMeeting.scheduled_for < end)
                .group_by(JointMeeting.id, JointMeeting.committee_id, JointMeeting.scheduled_for)
                .having(2 * count_if(JointAttendance.present) > func.count()))
    effective: dict[int, set[str]] = defaultdict(set)
    for _id, committee_id, when in session.execute(majority):
        effective[committee_id].add(f"{china_date(when):%Y-%m}")
    for committee in session.scalars(select(JointCommittee)):
        set_up = china_date(committee.created_at).replace(day=1)
        counted = kept = 0
        for month in months:
            if month.start < set_up or month.start > today:
                continue
            ok = month.label in effective[committee.id]
            if month.end <= today or ok:  # the current month counts once it has its sitting
                counted += 1
                kept += int(ok)
        if counted:
            tally.add(None, committee.community, joint_months=counted, joint_effective=kept)


def joint_meetings(session: Session, tally: Tally, start: datetime, end: datetime, cutoff: datetime,
                   now: datetime) -> None:
    """Add the joint meetings' counts of the period [start, end) as known at ``now`` (``cutoff``: the earlier
    of the period's end and now) to ``tally``."""
    _attendance(session, tally, start, cutoff)
    # A deadline falling today is not missed yet: a running period counts deadlines up to yesterday.
    _resolutions(session, tally, china_date(start), min(china_date(end - timedelta(seconds=1)),
                                                        china_date(now) - timedelta(days=1)))
    _effective_months(session, tally, start, end, min(now, cutoff))
