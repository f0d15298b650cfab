"""Recording visits and 恳谈会, and turning what they found into cases. Each runs inside the caller's
transaction and never commits."""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.cases.chain import append_event
from engine.calendar import china_date
from engine.cases import operations as case_operations
from engine.cases.hooks import HookRegistry
from engine.cases.intake import Intake
from engine.cases.location import Location, check_location, keep_point
from engine.cases.models import Case
from engine.clock import to_db
from engine.council.models import Household
from engine.errors import ConflictError, NotFound, ValidationError
from engine.field.text import CONTROL, text_field
from engine.evidence.content import IMAGE_TYPES
from engine.evidence.models import EvidenceFile
from engine.evidence.operations import MAX_PER_CASE, attach
from engine.field import access, plans
from engine.field.models import FieldMeeting, FieldNeed, FieldReport, FieldVisit, VisitPhoto
from engine.people.actor import Actor
from engine.people.directory import category_process
from engine.people.models import Grid

#: Most needs one visit or 恳谈会 records, and photos one visit keeps.
MAX_NEEDS, MAX_PHOTOS = 20, 9
#: A visit may be logged (or synced from a phone) up to this many days after it was made.
MAX_DAYS_BACK = 60
#: The case log's event naming the visit or 恳谈会 a case came from.
LINK_EVENT = "field_need_linked"
_COORD = re.compile(r"^-?\d{1,3}(\.\d{1,8})?$")


@dataclass
class VisitInput:
    household_id: int
    visited_on: str
    met: str
    notes: str = ""
    #: One need per entry (blank entries are ignored).
    needs: list[str] = field(default_factory=list)
    #: SHA-256s of photos received by the evidence service.
    photos: list[str] = field(default_factory=list)
    gps_lat: str | None = None
    gps_lon: str | None = None
    #: The idempotency key of an offline capture.
    client_key: str | None = None


@dataclass
class MeetingInput:
    held_on: str
    topic: str
    location: str
    attendance: str | int
    attendees: str = ""
    issues: list[str] = field(default_factory=list)


def _day(errors: dict[str, str], name: str, value: str, at: datetime, label: str) -> date | None:
    try:
        day = date.fromisoformat((value or "").strip())
    except ValueError:
        errors[name] = f"{label}格式应为 YYYY-MM-DD"
        return None
    today = china_date(at)
    if day > today:
        errors[name] = f"{label}不能晚于今天"
    elif day < today - timedelta(days=MAX_DAYS_BACK):
        errors[name] = f"{label}不能早于 {MAX_DAYS_BACK} 天前"
    else:
        return day
    return None


def _needs(errors: dict[str, str], name: str, needs: list[str]) -> list[str]:
    found = [n.strip() for n in needs if n and n.strip()]
    if len(found) > MAX_NEEDS:
        errors[name] = f"最多 {MAX_NEEDS} 条"
    elif any(len(n) > 1000 for n in found):
        errors[name] = "每条最多 1000 字"
    elif any(CONTROL.search(n) for n in found):
        errors[name] = "含有控制字符"
    return found


def _gps(errors: dict[str, str], lat: str | None, lon: str | None) -> tuple[str | None, str | None]:
    lat, lon = (lat or "").strip(), (lon or "").strip()
    if not lat and not lon:
        return None, None
    if not (_COORD.match(lat) and _COORD.match(lon) and abs(float(lat)) <= 90 and abs(float(lon)) <= 180):
        errors["gps"] = "位置应为十进制经纬度（纬度 -90～90，经度 -180～180）"
        return None, None
    return lat, lon


def check_client_key(key: str | None) -> str | None:
    key = (key or "").strip()
    if not key:
        return None
    if not re.fullmatch(r"[A-Za-z0-9_-]{8,64}", key):
        raise ValidationError("离线记录的编号有误", {"client_key": "编号应为 8～64 位字母、数字、- 或 _"})
    return key


def _photos(session: Session, errors: dict[str, str], given: list[str] | tuple[str, ...]) -> list[str]:
    """The photos' SHA-256s once each, checked to be photos received by the evidence service."""
    photos = list(dict.fromkeys(given))
    if len(photos) > MAX_PHOTOS:
        errors["photos"] = f"最多 {MAX_PHOTOS} 张照片"
    elif photos:
        kinds = {sha: kind for sha, kind in session.execute(
            select(EvidenceFile.sha256, EvidenceFile.media_type).where(EvidenceFile.sha256.in_(photos))).all()}
        if len(kinds) != len(photos):
            errors["photos"] = f"有 {len(photos) - len(kinds)} 张照片未上传成功，请重新上传"
        elif any(kind not in IMAGE_TYPES.values() for kind in kinds.values()):
            errors["photos"] = "这里只能上传照片（JPEG、PNG、WebP 或 HEIC）"
    return photos


def record_visit(session: Session, data: VisitInput, *, actor: Actor, at: datetime) -> tuple[FieldVisit, bool]:
    """Record a visit to a household of the actor's grid; returns (visit, whether it is new).

    A capture synced again with the same ``client_key`` returns the visit it made the first time.
    """
    grid = access.check_may_record(actor)
    key = check_client_key(data.client_key)
    if key is not None and (known := session.scalar(select(FieldVisit).where(FieldVisit.client_key == key))):
        if known.visited_by != actor.username:
            raise ConflictError("该离线记录编号已被他人使用")
        return known, False
    household = access.household(session, data.household_id, actor)
    errors: dict[str, str] = {}
    day = _day(errors, "visited_on", data.visited_on, at, "走访日期")
    met = text_field(errors, "met", data.met, 300, "见到的人", required=True)
    notes = text_field(errors, "notes", data.notes, 4000, "走访情况", required=False)
    needs = _needs(errors, "needs", data.needs)
    lat, lon = _gps(errors, data.gps_lat, data.gps_lon)
    photos = _photos(session, errors, data.photos)
    if errors:
        raise ValidationError("走访记录有误", errors)
    assert day is not None
    visit = FieldVisit(household_id=household.id, grid_code=household.grid_code or grid, community=household.community,
                       visited_on=day, met=met, notes=notes, gps_lat=lat, gps_lon=lon, client_key=key,
                       visited_by=actor.username, recorded_at=to_db(at))
    session.add(visit)
    session.flush()
    for position, sha256 in enumerate(photos, start=1):
        session.add(VisitPhoto(visit_id=visit.id, sha256=sha256, position=position))
    for position, text in enumerate(needs, start=1):
        session.add(FieldNeed(visit_id=visit.id, position=position, description=text))
    session.flush()
    plans.credit(session, visit)
    return visit, True


def record_meeting(session: Session, data: MeetingInput, *, actor: Actor, at: datetime) -> FieldMeeting:
    """Record a grid's 民情恳谈会: attendance and the issues raised (each may later become a case)."""
    grid_code = access.check_may_record(actor)
    grid = session.scalar(select(Grid).where(Grid.code == grid_code))
    if grid is None:
        raise NotFound("网格不存在")
    errors: dict[str, str] = {}
    day = _day(errors, "held_on", data.held_on, at, "会议日期")
    topic = text_field(errors, "topic", data.topic, 200, "会议主题", required=True)
    location = text_field(errors, "location", data.location, 200, "地点", required=True)
    attendees = text_field(errors, "attendees", data.attendees, 4000, "参会人员", required=False)
    try:
        attendance = int(str(data.attendance).strip())
    except ValueError:
        attendance = -1
    if not 1 <= attendance <= 10000:
        errors["attendance"] = "参会人数应为 1 至 10000 的整数"
    issues = _needs(errors, "issues", data.issues)
    if errors:
        raise ValidationError("恳谈会记录有误", errors)
    assert day is not None
    meeting = FieldMeeting(grid_code=grid.code, community=grid.community, held_on=day, topic=topic, location=location,
                           attendance=attendance, attendees=attendees, recorded_by=actor.username,
                           recorded_at=to_db(at))
    session.add(meeting)
    session.flush()
    for position, text in enumerate(issues, start=1):
        session.add(FieldNeed(meeting_id=meeting.id, position=position, description=text))
    session.flush()
    return meeting


def need_origin(session: Session, need: FieldNeed) -> tuple[FieldVisit | None, FieldMeeting | None, str | None]:
    """(visit, meeting, grid code) the need was found at."""
    visit = session.get(FieldVisit, need.visit_id) if need.visit_id else None
    meeting = session.get(FieldMeeting, need.meeting_id) if need.meeting_id else None
    return visit, meeting, (visit.grid_code if visit else meeting.grid_code if meeting else None)


def need_to_case(session: Session, need_id: int, *, category: str, priority: str = "normal", actor: Actor,
                 at: datetime, hooks: HookRegistry, max_files_per_case: int = MAX_PER_CASE) -> Case:
    """Open a case for a need in one step (channel 入户走访): the need names the case, the case's log names the
    visit or 恳谈会, and the visit's photos join the case's evidence."""
    access.check_may_record(actor)
    need = session.get(FieldNeed, need_id)
    if need is None:
        raise NotFound("该需求不存在")
    visit, meeting, grid_code = need_origin(session, need)
    access.check_grid(actor, grid_code)
    if need.case_id is not None:
        code = session.scalar(select(Case.tracking_code).where(Case.id == need.case_id))
        raise ConflictError(f"该需求已转为案件 {code}")
    address = None
    if visit is not None:
        home = session.get(Household, visit.household_id)
        address = f"{home.building}{home.room}" if home else None
    elif meeting is not None:
        address = meeting.location
    intake = Intake(description=need.description, category=category, channel="grid_visit", grid_code=grid_code,
                    address=address, priority=priority)
    process_key = category_process(session, category) or "civic_loop"
    case = case_operations.open_case(session, intake, actor=actor, at=at, hooks=hooks,
                                     process_key=process_key).case
    need.case_id, need.case_opened_by = case.id, actor.username
    append_event(session, case, type=LINK_EVENT, actor=actor.username, role=actor.role, at=at,
                 payload={"need": need.id, "visit": need.visit_id, "meeting": need.meeting_id})
    if visit is not None:
        photos = list(session.scalars(select(VisitPhoto.sha256).where(VisitPhoto.visit_id == visit.id)
                                      .order_by(VisitPhoto.position)))
        if photos:
            attach(session, case, photos, purpose="visit", actor=actor, at=at, max_per_case=max_files_per_case)
    session.flush()
    return case


def file_report(session: Session, intake: Intake, client_key: str, *, photos: list[str] | tuple[str, ...] = (),
                actor: Actor, at: datetime, hooks: HookRegistry, point: Location | None = None,
                max_files_per_case: int = MAX_PER_CASE) -> tuple[Case, bool]:
    """A report the grid worker filed from the phone page (代居民登记, channel 入户走访) in the worker's grid;
    returns (case, whether it is new). A report synced again with its ``client_key`` returns the case it
    opened the first time. ``point``: where the phone was when the report was captured (lat/long)."""
    grid = access.check_may_record(actor)
    key = check_client_key(client_key)
    if key is None:
        raise ValidationError("缺少离线记录编号", {"client_key": "缺少离线记录编号"})
    known = session.scalar(select(FieldReport).where(FieldReport.client_key == key))
    if known is not None:
        if known.filed_by != actor.username:
            raise ConflictError("该离线记录编号已被他人使用")
        case = session.get(Case, known.case_id)
        assert case is not None
        return case, False
    if point is not None and (point.lat is not None or point.long is not None):
        check_location(point)
    errors: dict[str, str] = {}
    evidence = _photos(session, errors, photos)
    if errors:
        raise ValidationError("报告有误", errors)
    intake = replace(intake, channel="grid_visit", grid_code=grid or intake.grid_code)
    process_key = category_process(session, intake.category) or "civic_loop"
    case = case_operations.open_case(session, intake, actor=actor, at=at, hooks=hooks, process_key=process_key).case
    session.add(FieldReport(client_key=key, case_id=case.id, filed_by=actor.username, filed_at=to_db(at)))
    if point is not None:
        keep_point(session, case.id, point)
    if evidence:
        attach(session, case, evidence, purpose="report", actor=actor, at=at, max_per_case=max_files_per_case)
    session.flush()
    return case, True


def open_needs(session: Session, grid_code: str | None) -> int:
    stmt = select(func.count()).select_from(FieldNeed).outerjoin(FieldVisit).outerjoin(FieldMeeting).where(
        FieldNeed.case_id.is_(None))
    if grid_code:
        stmt = stmt.where((FieldVisit.grid_code == grid_code) | (FieldMeeting.grid_code == grid_code))
    return session.scalar(stmt) or 0
