"""What the joint-meeting pages show: plain dataclasses, never ORM rows.

A resolution's execution is read, not stored twice: carried out when marked done or when its linked case or
project closed (the earlier of the two), overdue when neither happened by its deadline.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.calendar import china_date
from engine.cases.models import Case
from engine.errors import PermissionDenied
from engine.joint import cadence
from engine.joint.models import (
    JointAttendance,
    JointCadenceAlert,
    JointCommittee,
    JointMeeting,
    JointResolution,
    JointUnit,
)
from engine.joint.operations import UNIT_KINDS, get_committee, get_meeting
from engine.people.actor import Actor
from engine.people.models import Grid
from engine.people.roles import Role

READERS = frozenset({Role.GRID_WORKER.value, Role.COUNCIL.value, Role.SUPERVISOR.value, Role.AUDITOR.value,
                     Role.ADMIN.value})
DONE, OVERDUE, OPEN = "done", "overdue", "open"


def check_may_read(actor: Actor) -> None:
    if actor.role not in READERS:
        raise PermissionDenied("只有街道、社区工作人员可以查看联席会议")


@dataclass(frozen=True)
class CommitteeRow:
    id: int
    community: str
    chair_username: str
    cadence_months: int
    units: int
    last_sitting: datetime | None
    #: Whether the current cadence window already has a sitting.
    kept_now: bool
    alerts: int


@dataclass(frozen=True)
class UnitRow:
    id: int
    name: str
    kind: str
    representative: str
    active: bool


@dataclass(frozen=True)
class MeetingRow:
    id: int
    title: str
    scheduled_for: datetime
    location: str | None
    status: str
    present: int
    expected: int
    resolutions: int
    minutes_approved: bool


@dataclass(frozen=True)
class ResolutionRow:
    id: int
    meeting_id: int
    text: str
    unit: str
    deadline: date
    case_code: str | None
    case_is_project: bool
    done_on: date | None
    done_note: str | None
    status: str


@dataclass(frozen=True)
class CommitteePage:
    committee: CommitteeRow
    remind_days: int
    units: list[UnitRow]
    meetings: list[MeetingRow]
    resolutions: list[ResolutionRow]
    alerts: list[tuple[str, datetime]]
    window: tuple[date, date]


@dataclass(frozen=True)
class AttendanceRow:
    unit: str
    present: bool
    attendee: str | None


@dataclass(frozen=True)
class MeetingPage:
    meeting: MeetingRow
    committee_id: int
    community: str
    chair_username: str
    units: list[UnitRow]
    attendance: list[AttendanceRow]
    resolutions: list[ResolutionRow]
    minutes: str | None
    minutes_approved_at: datetime | None
    minutes_approved_by: str | None


def resolution_status(deadline: date, done_on: date | None, today: date) -> str:
    if done_on is not None:
        return DONE
    return OVERDUE if deadline < today else OPEN


def _resolutions(session: Session, where: object, today: date) -> list[ResolutionRow]:
    rows = session.execute(select(JointResolution, JointUnit.name, Case.tracking_code, Case.process_key,
                                  Case.status, Case.closed_at)
                           .join(JointUnit, JointUnit.id == JointResolution.unit_id)
                           .outerjoin(Case, Case.id == JointResolution.case_id)
                           .where(where)  # type: ignore[arg-type]
                           .order_by(JointResolution.meeting_id.desc(), JointResolution.position)).all()
    found = []
    for r, unit, code, process, case_status, closed_at in rows:
        moments = [m for m in (r.done_at, closed_at if case_status == "closed" else None) if m is not None]
        done_on = china_date(min(moments)) if moments else None
        found.append(ResolutionRow(r.id, r.meeting_id, r.text, unit, r.deadline, code, process == "project",
                                   done_on, r.done_note, resolution_status(r.deadline, done_on, today)))
    return found


def _meeting_rows(session: Session, committee_id: int) -> list[MeetingRow]:
    meetings = list(session.scalars(select(JointMeeting).where(JointMeeting.committee_id == committee_id)
                                    .order_by(JointMeeting.scheduled_for.desc(), JointMeeting.id.desc())))
    ids = [m.id for m in meetings]
    present: dict[int, int] = {}
    expected: dict[int, int] = {}
    resolved: dict[int, int] = {}
    if ids:
        for meeting_id, is_present in session.execute(select(JointAttendance.meeting_id, JointAttendance.present)
                                                      .where(JointAttendance.meeting_id.in_(ids))):
            expected[meeting_id] = expected.get(meeting_id, 0) + 1
            present[meeting_id] = present.get(meeting_id, 0) + int(is_present)
        for (meeting_id,) in session.execute(select(JointResolution.meeting_id)
                                             .where(JointResolution.meeting_id.in_(ids))):
            resolved[meeting_id] = resolved.get(meeting_id, 0) + 1
    return [MeetingRow(m.id, m.title, m.scheduled_for, m.location, m.status, present.get(m.id, 0),
                       expected.get(m.id, 0), resolved.get(m.id, 0), m.minutes_approved_at is not None)
            for m in meetings]


def _units(session: Session, committee_id: int) -> list[UnitRow]:
    return [UnitRow(u.id, u.name, UNIT_KINDS.get(u.kind, u.kind), u.representative, u.active)
            for u in session.scalars(select(JointUnit).where(JointUnit.committee_id == committee_id)
                                     .order_by(JointUnit.id))]


def _committee_row(session: Session, c: JointCommittee, today: date) -> CommitteeRow:
    last = session.scalar(select(JointMeeting.scheduled_for).where(
        JointMeeting.committee_id == c.id, JointMeeting.status == "held")
        .order_by(JointMeeting.scheduled_for.desc()).limit(1))
    units = len([u for u in _units(session, c.id) if u.active])
    alerts = len(list(session.scalars(select(JointCadenceAlert.id).where(JointCadenceAlert.committee_id == c.id))))
    kept = cadence.sittings_in(session, c.id, cadence.window_of(today, c.cadence_months)) > 0
    return CommitteeRow(c.id, c.community, c.chair_username, c.cadence_months, units, last, kept, alerts)


def communities(session: Session) -> list[str]:
    return sorted(set(session.scalars(select(Grid.community).where(Grid.community.is_not(None)))))


def committee_rows(session: Session, today: date) -> list[CommitteeRow]:
    return [_committee_row(session, c, today)
            for c in session.scalars(select(JointCommittee).order_by(JointCommittee.community))]


def committee_page(session: Session, committee_id: int, today: date) -> CommitteePage:
    c = get_committee(session, committee_id)
    meeting_ids = select(JointMeeting.id).where(JointMeeting.committee_id == c.id)
    alerts = [(a.window, a.raised_at) for a in session.scalars(
        select(JointCadenceAlert).where(JointCadenceAlert.committee_id == c.id).order_by(JointCadenceAlert.window.desc()))]
    window = cadence.window_of(today, c.cadence_months)
    return CommitteePage(_committee_row(session, c, today), c.remind_days, _units(session, c.id),
                         _meeting_rows(session, c.id),
                         _resolutions(session, JointResolution.meeting_id.in_(meeting_ids), today), alerts,
                         (window.start, window.end))


def meeting_page(session: Session, meeting_id: int, today: date) -> MeetingPage:
    m = get_meeting(session, meeting_id)
    c = get_committee(session, m.committee_id)
    [row] = [r for r in _meeting_rows(session, c.id) if r.id == m.id]
    attendance = [AttendanceRow(name, a.present, a.attendee) for a, name in session.execute(
        select(JointAttendance, JointUnit.name).join(JointUnit, JointUnit.id == JointAttendance.unit_id)
        .where(JointAttendance.meeting_id == m.id).order_by(JointUnit.id))]
    return MeetingPage(row, c.id, c.community, c.chair_username, [u for u in _units(session, c.id) if u.active],
                       attendance, _resolutions(session, JointResolution.meeting_id == m.id, today), m.minutes,
                       m.minutes_approved_at, m.minutes_approved_by)
