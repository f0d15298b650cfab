"""What changes a joint-meeting committee: its set-up, member units, sittings, resolutions and minutes.

Each function checks who asks (role, and for the minutes the committee's own chair), validates everything
before it writes (one :class:`ValidationError` with field errors, nothing written), flushes and never
commits: the service's transaction does. A resolution linked to a case also goes into that case's log
(``joint_resolution`` / ``joint_resolution_done``), so the case's history shows what the committee asked of it.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.cases.chain import append_event
from engine.calendar import china_date
from engine.cases.models import Case
from engine.cases.queries import lock_case
from engine.clock import to_db
from engine.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from engine.joint.models import (
    JointAttendance,
    JointCommittee,
    JointMeeting,
    JointResolution,
    JointUnit,
)
from engine.people.actor import Actor
from engine.people.models import Grid, User
from engine.people.roles import Role

UNIT_KINDS = {"department": "职能部门", "property": "物业服务企业", "owners": "业主委员会",
              "social_org": "社会组织", "community": "社区", "other": "其他"}
#: The street office sets committees up and their cadence; the council runs the sittings.
SETTERS = frozenset({Role.SUPERVISOR.value, Role.ADMIN.value})
ORGANISERS = frozenset({Role.COUNCIL.value, Role.SUPERVISOR.value})
#: Longest cadence the rule accepts (「每月至少召开1次」 is 1; a quarterly committee would be 3).
MAX_CADENCE_MONTHS = 12
MAX_REMIND_DAYS = 28
#: A resolution line: 内容 | 责任单位 | 期限 (YYYY-MM-DD) [| 关联案件或项目编号].
SEPARATORS = ("|", "｜")


@dataclass(frozen=True)
class ResolutionLine:
    text: str
    unit: JointUnit
    deadline: date
    case: Case | None


def _require(actor: Actor, allowed: frozenset[str], message: str) -> None:
    if actor.role not in allowed:
        raise PermissionDenied(message)


def get_committee(session: Session, committee_id: int) -> JointCommittee:
    committee = session.get(JointCommittee, committee_id)
    if committee is None:
        raise NotFound("联席会议不存在")
    return committee


def get_meeting(session: Session, meeting_id: int) -> JointMeeting:
    meeting = session.get(JointMeeting, meeting_id)
    if meeting is None:
        raise NotFound("联席会议的会议不存在")
    return meeting


def _cadence_errors(cadence_months: object, remind_days: object) -> dict[str, str]:
    errors = {}
    if not isinstance(cadence_months, int) or not 1 <= cadence_months <= MAX_CADENCE_MONTHS:
        errors["cadence_months"] = f"召开周期应为 1 至 {MAX_CADENCE_MONTHS} 个月"
    if not isinstance(remind_days, int) or not 0 <= remind_days <= MAX_REMIND_DAYS:
        errors["remind_days"] = f"提前提醒天数应为 0 至 {MAX_REMIND_DAYS} 天"
    return errors


def _chair_error(session: Session, username: str) -> str | None:
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active or user.role != Role.COUNCIL.value:
        return "召集人应为在用的社区治理委员会账号"
    return None


def create_committee(session: Session, *, community: str, chair_username: str, cadence_months: int,
                     remind_days: int, actor: Actor, at: datetime) -> JointCommittee:
    _require(actor, SETTERS, "只有街道督办和系统管理员可以设立联席会议")
    community, chair_username = (community or "").strip(), (chair_username or "").strip()
    errors = _cadence_errors(cadence_months, remind_days)
    if not community or session.scalar(select(Grid.id).where(Grid.community == community).limit(1)) is None:
        errors["community"] = "请选择辖区内的社区"
    elif session.scalar(select(JointCommittee.id).where(JointCommittee.community == community)) is not None:
        errors["community"] = f"{community} 已设立联席会议"
    if (problem := _chair_error(session, chair_username)) is not None:
        errors["chair_username"] = problem
    if errors:
        raise ValidationError("联席会议设置有误", errors)
    committee = JointCommittee(community=community, chair_username=chair_username, cadence_months=cadence_months,
                               remind_days=remind_days, created_at=to_db(at), created_by=actor.username)
    session.add(committee)
    session.flush()
    return committee


def set_cadence(session: Session, committee_id: int, *, cadence_months: int, remind_days: int,
                chair_username: str, actor: Actor) -> JointCommittee:
    _require(actor, SETTERS, "只有街道督办和系统管理员可以修改联席会议的召开周期和召集人")
    committee = get_committee(session, committee_id)
    chair_username = (chair_username or "").strip()
    errors = _cadence_errors(cadence_months, remind_days)
    if (problem := _chair_error(session, chair_username)) is not None:
        errors["chair_username"] = problem
    if errors:
        raise ValidationError("联席会议设置有误", errors)
    committee.cadence_months, committee.remind_days, committee.chair_username = (
        cadence_months, remind_days, chair_username)
    session.flush()
    return committee


def add_unit(session: Session, committee_id: int, *, name: str, kind: str, representative: str, actor: Actor,
             at: datetime) -> JointUnit:
    _require(actor, ORGANISERS, "只有社区治理委员会和街道督办可以登记成员单位")
    committee = get_committee(session, committee_id)
    name, representative = (name or "").strip(), (representative or "").strip()
    errors = {}
    if not name or len(name) > 200:
        errors["name"] = "请填写成员单位名称（最多 200 字）"
    elif session.scalar(select(JointUnit.id).where(JointUnit.committee_id == committee.id,
                                                   JointUnit.name == name)) is not None:
        errors["name"] = f"{name} 已是成员单位"
    if kind not in UNIT_KINDS:
        errors["kind"] = "请选择成员单位类型"
    if not representative or len(representative) > 100:
        errors["representative"] = "请填写参会代表（最多 100 字）"
    if errors:
        raise ValidationError("成员单位信息有误", errors)
    unit = JointUnit(committee_id=committee.id, name=name, kind=kind, representative=representative, active=True,
                     joined_at=to_db(at))
    session.add(unit)
    session.flush()
    return unit


def active_units(session: Session, committee_id: int) -> list[JointUnit]:
    return list(session.scalars(select(JointUnit).where(JointUnit.committee_id == committee_id,
                                                        JointUnit.active.is_(True)).order_by(JointUnit.id)))


def schedule_meeting(session: Session, committee_id: int, *, title: str, scheduled_for: datetime | None,
                     location: str | None, actor: Actor, at: datetime) -> JointMeeting:
    _require(actor, ORGANISERS, "只有社区治理委员会和街道督办可以安排联席会议")
    committee = get_committee(session, committee_id)
    title, location = (title or "").strip(), (location or "").strip() or None
    errors = {}
    if not title or len(title) > 200:
        errors["title"] = "请填写会议名称（最多 200 字）"
    if location is not None and len(location) > 200:
        errors["location"] = "地点不能超过200字"
    if scheduled_for is None:
        errors["scheduled_for"] = "请填写会议时间"
    if not active_units(session, committee.id):
        errors["title"] = "请先登记成员单位"
    if errors:
        raise ValidationError("会议安排有误", errors)
    assert scheduled_for is not None
    meeting = JointMeeting(committee_id=committee.id, title=title, scheduled_for=to_db(scheduled_for),
                           location=location, status="scheduled", created_at=to_db(at), created_by=actor.username)
    session.add(meeting)
    session.flush()
    return meeting


def parse_resolutions(session: Session, committee: JointCommittee, text: str,
                      held_on: date) -> tuple[list[ResolutionLine], list[str]]:
    """The resolution lines of ``text`` and the problems found (one per bad line, numbered)."""
    units = {u.name: u for u in active_units(session, committee.id)}
    found, problems = [], []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        for sep in SEPARATORS[1:]:
            line = line.replace(sep, SEPARATORS[0])
        parts = [p.strip() for p in line.split(SEPARATORS[0])]
        if len(parts) not in (3, 4) or not parts[0]:
            problems.append(f"第 {number} 行应为：决议内容 | 责任单位 | 期限（YYYY-MM-DD）| 关联案件编号（可省）")
            continue
        content, unit_name, when = parts[:3]
        if len(content) > 2000:
            problems.append(f"第 {number} 行：决议内容不能超过2000字")
            continue
        unit = units.get(unit_name)
        if unit is None:
            problems.append(f"第 {number} 行：责任单位「{unit_name[:50]}」不是本联席会议的成员单位")
            continue
        try:
            deadline = date.fromisoformat(when)
        except ValueError:
            problems.append(f"第 {number} 行：期限应为日期，如 2026-12-31")
            continue
        if deadline < held_on:
            problems.append(f"第 {number} 行：期限不能早于会议日期")
            continue
        case = None
        if len(parts) == 4 and parts[3]:
            case = session.scalar(select(Case).where(Case.tracking_code == parts[3][:20]))
            if case is None or case.community != committee.community:
                problems.append(f"第 {number} 行：找不到本社区编号为「{parts[3][:20]}」的案件或项目")
                continue
        found.append(ResolutionLine(content, unit, deadline, case))
    return found, problems


def record_sitting(session: Session, meeting_id: int, *, attendees: Mapping[int, str], resolutions: str,
                   minutes: str | None, actor: Actor, at: datetime) -> JointMeeting:
    """Record a held sitting at once: each member unit present (with who came) or absent, the resolutions
    adopted, and the minutes as a draft for the chair. ``attendees`` maps the present units' ids to the name
    of whoever attended (empty: the unit's representative)."""
    _require(actor, ORGANISERS, "只有社区治理委员会和街道督办可以记录联席会议")
    meeting = get_meeting(session, meeting_id)
    if meeting.status != "scheduled":
        raise ConflictError("该会议已经记录，不能重复记录")
    committee = get_committee(session, meeting.committee_id)
    units = active_units(session, committee.id)
    by_id = {u.id: u for u in units}
    errors = {}
    if set(attendees) - set(by_id):
        errors["present"] = "出席名单中有不属于本联席会议的单位"
    elif not attendees:
        errors["present"] = "请勾选出席的成员单位"
    elif any(len((name or "").strip()) > 100 for name in attendees.values()):
        errors["present"] = "参会人姓名不能超过100字"
    text = (minutes or "").strip()
    if len(text) > 20000:
        errors["minutes"] = "会议纪要不能超过20000字"
    lines, problems = parse_resolutions(session, committee, resolutions, china_date(at))
    if problems:
        errors["resolutions"] = "；".join(problems)
    if errors:
        raise ValidationError("会议记录有误", errors)
    for unit in units:
        present = unit.id in attendees
        session.add(JointAttendance(meeting_id=meeting.id, unit_id=unit.id, present=present,
                                    attendee=((attendees[unit.id] or "").strip() or unit.representative)
                                    if present else None))
    for position, line in enumerate(lines, start=1):
        row = JointResolution(meeting_id=meeting.id, position=position, text=line.text, unit_id=line.unit.id,
                              deadline=line.deadline, case_id=line.case.id if line.case else None)
        session.add(row)
        if line.case is not None:
            session.flush()
            append_event(session, lock_case(session, line.case.id), type="joint_resolution", actor=actor.username,
                         role=actor.role, at=at,
                         payload={"joint_meeting": meeting.id, "resolution": row.id, "text": line.text,
                                  "unit": line.unit.name, "deadline": line.deadline.isoformat()})
    meeting.status, meeting.held_at, meeting.recorded_by = "held", to_db(at), actor.username
    meeting.minutes = text or None
    session.flush()
    return meeting


def approve_minutes(session: Session, meeting_id: int, *, actor: Actor, at: datetime) -> JointMeeting:
    """The chair approves a held sitting's minutes; from then on the notice board publishes them."""
    meeting = get_meeting(session, meeting_id)
    committee = get_committee(session, meeting.committee_id)
    if actor.role != Role.COUNCIL.value or actor.username != committee.chair_username:
        raise PermissionDenied("只有本联席会议的召集人可以审定会议纪要")
    if meeting.status != "held":
        raise ConflictError("会议尚未召开，没有纪要可审定")
    if not meeting.minutes:
        raise ConflictError("该会议没有纪要，无需审定")
    if meeting.minutes_approved_at is not None:
        raise ConflictError("会议纪要已经审定并公示")
    meeting.minutes_approved_at, meeting.minutes_approved_by = to_db(at), actor.username
    session.flush()
    return meeting


def mark_done(session: Session, resolution_id: int, *, note: str | None, actor: Actor, at: datetime) -> JointResolution:
    """Record that a resolution was carried out. One linked to a case is carried out when the case closes."""
    _require(actor, ORGANISERS, "只有社区治理委员会和街道督办可以确认决议执行")
    resolution = session.get(JointResolution, resolution_id)
    if resolution is None:
        raise NotFound("决议不存在")
    if resolution.done_at is not None:
        raise ConflictError("该决议已确认执行完毕")
    note = (note or "").strip() or None
    if note is not None and len(note) > 2000:
        raise ValidationError("执行情况有误", {"note": "执行情况说明不能超过2000字"})
    if resolution.case_id is not None:
        case = session.get(Case, resolution.case_id)
        assert case is not None
        if case.status != "closed":
            raise ConflictError(f"关联的案件或项目 {case.tracking_code} 尚未办结，办结后自动视为执行完毕")
    resolution.done_at, resolution.done_by, resolution.done_note = to_db(at), actor.username, note
    session.flush()
    if resolution.case_id is not None:
        append_event(session, lock_case(session, resolution.case_id), type="joint_resolution_done",
                     actor=actor.username, role=actor.role, at=at,
                     payload={"resolution": resolution.id, "note": note})
    return resolution
