"""Read models of field work for the pages (plain rows, no ORM objects leave the engine)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.calendar import china_date
from engine.cases.models import Case
from engine.clock import as_utc, to_db
from engine.council.models import Household
from engine.errors import NotFound
from engine.evidence.models import EvidenceFile
from engine.field import access
from engine.field.flags import FLAGS, flags_of
from engine.field.models import DueVisit, FieldMeeting, FieldNeed, FieldVisit, HouseholdFlag, VisitPhoto, VisitPlan
from engine.people.actor import Actor

#: Rows a list shows at most (the due list is paged by the phone's day, not scrolled forever).
LIST_LIMIT = 200


@dataclass(frozen=True)
class DueRow:
    due_id: int
    household_id: int
    address: str
    head_name: str
    plan: str
    flag_label: str
    month: str
    number: int
    due_at: datetime
    overdue: bool

    @property
    def due_day(self) -> date:
        """The working day (China date) by whose end the visit is due."""
        return china_date(self.due_at)


@dataclass(frozen=True)
class NeedRow:
    need_id: int
    position: int
    description: str
    tracking_code: str | None


@dataclass(frozen=True)
class VisitRow:
    visit_id: int
    household_id: int
    address: str
    visited_on: date
    met: str
    visited_by: str
    needs: int


@dataclass(frozen=True)
class PhotoRow:
    sha256: str
    thumb_sha256: str | None
    captured_at: str | None


@dataclass(frozen=True)
class VisitPage:
    visit_id: int
    household_id: int
    address: str
    head_name: str
    community: str
    grid_code: str | None
    visited_on: date
    met: str
    notes: str
    gps: tuple[str, str] | None
    visited_by: str
    recorded_at: datetime
    needs: list[NeedRow]
    photos: list[PhotoRow]
    #: The due visits this visit fulfilled: (plan name, month, number, on time).
    fulfilled: list[tuple[str, str, int, bool | None]]


@dataclass(frozen=True)
class HouseholdRow:
    household_id: int
    address: str
    head_name: str
    grid_code: str | None
    flags: list[str]
    last_visit: date | None


@dataclass(frozen=True)
class HouseholdPage:
    row: HouseholdRow
    community: str
    visits: list[VisitRow]
    open_due: list[DueRow]


@dataclass(frozen=True)
class MeetingRow:
    meeting_id: int
    grid_code: str
    held_on: date
    topic: str
    attendance: int
    issues: int


@dataclass(frozen=True)
class MeetingPage:
    meeting_id: int
    grid_code: str
    community: str
    held_on: date
    topic: str
    location: str
    attendance: int
    attendees: str
    recorded_by: str
    issues: list[NeedRow]


@dataclass(frozen=True)
class PlanRow:
    plan_id: int
    name: str
    flag: str
    flag_label: str
    per_month: int
    grid_code: str | None
    active: bool
    open_due: int


def _address(home: Household) -> str:
    return f"{home.building} {home.room}"


def due_list(session: Session, actor: Actor, *, now: datetime, limit: int = 50) -> list[DueRow]:
    """The actor's open due visits, soonest deadline first (a grid worker's: their grid only)."""
    scope = access.grid_scope(actor)
    stmt = (select(DueVisit.id, DueVisit.household_id, Household.building, Household.room, Household.head_name,
                   VisitPlan.name, VisitPlan.flag, DueVisit.month, DueVisit.number, DueVisit.due_at)
            .join(Household, Household.id == DueVisit.household_id).join(VisitPlan, VisitPlan.id == DueVisit.plan_id)
            .where(DueVisit.visit_id.is_(None)).order_by(DueVisit.due_at, DueVisit.id).limit(min(limit, LIST_LIMIT)))
    if scope is not None:
        stmt = stmt.where(DueVisit.grid_code == scope)
    stored_now = to_db(now)
    return [DueRow(i, h, f"{b} {r}", head, plan, FLAGS.get(flag, flag), month, n, as_utc(due), due < stored_now)
            for i, h, b, r, head, plan, flag, month, n, due in session.execute(stmt)]


def due_count(session: Session, actor: Actor, *, now: datetime) -> tuple[int, int]:
    """(open due visits, of which overdue) of the actor's scope."""
    scope = access.grid_scope(actor)
    stmt = select(func.count(), func.count().filter(DueVisit.due_at < to_db(now))).where(DueVisit.visit_id.is_(None))
    if scope is not None:
        stmt = stmt.where(DueVisit.grid_code == scope)
    total, overdue = session.execute(stmt).one()
    return int(total or 0), int(overdue or 0)


def _needs(session: Session, **where: int) -> list[NeedRow]:
    column = FieldNeed.visit_id if "visit_id" in where else FieldNeed.meeting_id
    rows = session.execute(select(FieldNeed.id, FieldNeed.position, FieldNeed.description, Case.tracking_code)
                           .outerjoin(Case, Case.id == FieldNeed.case_id)
                           .where(column == next(iter(where.values()))).order_by(FieldNeed.position))
    return [NeedRow(*row) for row in rows]


def visit_page(session: Session, visit_id: int, actor: Actor) -> VisitPage:
    visit = session.get(FieldVisit, visit_id)
    if visit is None:
        raise NotFound("走访记录不存在")
    access.check_grid(actor, visit.grid_code)
    home = session.get(Household, visit.household_id)
    assert home is not None
    photos = [PhotoRow(sha, thumb, captured) for sha, thumb, captured in session.execute(
        select(VisitPhoto.sha256, EvidenceFile.thumb_sha256, EvidenceFile.captured_at)
        .join(EvidenceFile, EvidenceFile.sha256 == VisitPhoto.sha256)
        .where(VisitPhoto.visit_id == visit.id).order_by(VisitPhoto.position))]
    fulfilled = [(name, month, n, on_time) for name, month, n, on_time in session.execute(
        select(VisitPlan.name, DueVisit.month, DueVisit.number, DueVisit.on_time)
        .join(VisitPlan, VisitPlan.id == DueVisit.plan_id).where(DueVisit.visit_id == visit.id)
        .order_by(DueVisit.plan_id))]
    gps = (visit.gps_lat, visit.gps_lon) if visit.gps_lat and visit.gps_lon else None
    return VisitPage(visit.id, home.id, _address(home), home.head_name, visit.community, visit.grid_code,
                     visit.visited_on, visit.met, visit.notes, gps, visit.visited_by, as_utc(visit.recorded_at),
                     _needs(session, visit_id=visit.id), photos, fulfilled)


def visit_photo(session: Session, visit_id: int, sha256: str, actor: Actor) -> EvidenceFile:
    """The photo's catalogue row, if it belongs to a visit the actor may see."""
    visit = session.get(FieldVisit, visit_id)
    if visit is None:
        raise NotFound("走访记录不存在")
    access.check_grid(actor, visit.grid_code)
    row = session.scalar(select(EvidenceFile).join(VisitPhoto, VisitPhoto.sha256 == EvidenceFile.sha256)
                         .where(VisitPhoto.visit_id == visit.id, VisitPhoto.sha256 == sha256))
    if row is None:
        raise NotFound("没有这张照片")
    return row


def _visit_rows(session: Session, stmt: object) -> list[VisitRow]:
    needs = select(func.count()).where(FieldNeed.visit_id == FieldVisit.id).scalar_subquery()
    rows = session.execute(select(FieldVisit.id, FieldVisit.household_id, Household.building, Household.room,
                                  FieldVisit.visited_on, FieldVisit.met, FieldVisit.visited_by, needs)
                           .join(Household, Household.id == FieldVisit.household_id)
                           .where(*stmt)  # type: ignore[misc]
                           .order_by(FieldVisit.visited_on.desc(), FieldVisit.id.desc()).limit(LIST_LIMIT))
    return [VisitRow(i, h, f"{b} {r}", day, met, by, n) for i, h, b, r, day, met, by, n in rows]


def recent_visits(session: Session, actor: Actor) -> list[VisitRow]:
    scope = access.grid_scope(actor)
    return _visit_rows(session, [FieldVisit.grid_code == scope] if scope else [])


def households(session: Session, actor: Actor, *, flag: str | None = None, building: str | None = None) -> list[HouseholdRow]:
    scope = access.grid_scope(actor)
    last = (select(func.max(FieldVisit.visited_on)).where(FieldVisit.household_id == Household.id)
            .scalar_subquery())
    stmt = select(Household, last).order_by(Household.building, Household.room).limit(LIST_LIMIT * 5)
    if scope is not None:
        stmt = stmt.where(Household.grid_code == scope)
    if building:
        stmt = stmt.where(Household.building == building)
    if flag:
        stmt = stmt.where(select(HouseholdFlag.id).where(HouseholdFlag.household_id == Household.id,
                                                         HouseholdFlag.flag == flag).exists())
    rows = session.execute(stmt).all()
    flags = flags_of(session, [h.id for h, _ in rows])
    return [HouseholdRow(h.id, _address(h), h.head_name, h.grid_code, flags[h.id], day) for h, day in rows]


def household_page(session: Session, household_id: int, actor: Actor, *, now: datetime) -> HouseholdPage:
    home = access.household(session, household_id, actor)
    last = session.scalar(select(func.max(FieldVisit.visited_on)).where(FieldVisit.household_id == home.id))
    row = HouseholdRow(home.id, _address(home), home.head_name, home.grid_code, flags_of(session, [home.id])[home.id],
                       last)
    due = [DueRow(i, home.id, row.address, home.head_name, plan, FLAGS.get(flag, flag), month, n, as_utc(at),
                  at < to_db(now))
           for i, plan, flag, month, n, at in session.execute(
               select(DueVisit.id, VisitPlan.name, VisitPlan.flag, DueVisit.month, DueVisit.number, DueVisit.due_at)
               .join(VisitPlan, VisitPlan.id == DueVisit.plan_id)
               .where(DueVisit.household_id == home.id, DueVisit.visit_id.is_(None)).order_by(DueVisit.due_at))]
    return HouseholdPage(row, home.community, _visit_rows(session, [FieldVisit.household_id == home.id]), due)


def meetings(session: Session, actor: Actor) -> list[MeetingRow]:
    scope = access.grid_scope(actor)
    issues = select(func.count()).where(FieldNeed.meeting_id == FieldMeeting.id).scalar_subquery()
    stmt = (select(FieldMeeting.id, FieldMeeting.grid_code, FieldMeeting.held_on, FieldMeeting.topic,
                   FieldMeeting.attendance, issues).order_by(FieldMeeting.held_on.desc()).limit(LIST_LIMIT))
    if scope is not None:
        stmt = stmt.where(FieldMeeting.grid_code == scope)
    return [MeetingRow(*row) for row in session.execute(stmt)]


def meeting_page(session: Session, meeting_id: int, actor: Actor) -> MeetingPage:
    meeting = session.get(FieldMeeting, meeting_id)
    if meeting is None:
        raise NotFound("恳谈会记录不存在")
    access.check_grid(actor, meeting.grid_code)
    return MeetingPage(meeting.id, meeting.grid_code, meeting.community, meeting.held_on, meeting.topic,
                       meeting.location, meeting.attendance, meeting.attendees, meeting.recorded_by,
                       _needs(session, meeting_id=meeting.id))


def plan_rows(session: Session, actor: Actor) -> list[PlanRow]:
    access.check_may_read(actor)
    open_due = {plan: n for plan, n in session.execute(
        select(DueVisit.plan_id, func.count()).where(DueVisit.visit_id.is_(None)).group_by(DueVisit.plan_id))}
    return [PlanRow(p.id, p.name, p.flag, FLAGS.get(p.flag, p.flag), p.per_month, p.grid_code, p.active,
                    open_due.get(p.id, 0))
            for p in session.scalars(select(VisitPlan).order_by(VisitPlan.active.desc(), VisitPlan.id))]
