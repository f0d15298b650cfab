"""Volunteers (志愿者): registration in a grid, service records whose hours a grid worker confirms, and two
append-only accounts per volunteer — points (社区积分制) and the time bank (时间银行, in minutes).

「每个网格配备1名网格员、2名志愿者」: :func:`staffing` names the grids short of either. Confirming a service
credits both accounts in the same transaction; a redemption (points) or withdrawal (time bank) is refused when
it would take the balance below zero. Each runs inside the caller's transaction and never commits.

Who: a grid worker registers and keeps the volunteers of their own grid, records and confirms their services,
and enters redemptions; the supervisor and the auditor read every grid. A volunteer's phone is personal data:
it is shown only on these staff pages.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.calendar import china_date
from engine.cases.models import Case
from engine.clock import to_db
from engine.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from engine.field.text import CONTROL, text_field
from engine.field import access
from engine.field.models import FieldVisit, Volunteer, VolunteerLedgerEntry, VolunteerService
from engine.people.actor import Actor
from engine.people.models import Grid, User
from engine.people.resident_identity import ResidentIdentity
from engine.privacy.masterkey import MasterKeyError
from engine.privacy.phone_index import open_phone, phone_index, seal_phone
from engine.people.roles import Role

#: 每个网格配备1名网格员、2名志愿者.
WORKERS_PER_GRID, VOLUNTEERS_PER_GRID = 1, 2
#: Points a confirmed hour earns (社区积分: 1 小时 = 10 分).
POINTS_PER_HOUR = 10
#: One service: a quarter of an hour at least, 12 hours at most, in quarter hours.
MIN_MINUTES, MAX_MINUTES, STEP_MINUTES = 15, 12 * 60, 15
#: A service may be written down up to this many days after it was given.
MAX_DAYS_BACK = 90
#: Largest single redemption or withdrawal (points, or minutes).
MAX_SPEND = 100_000
POINTS, MINUTES = "points", "minutes"
ACCOUNTS = {POINTS: "社区积分", MINUTES: "时间银行（分钟）"}
CLAIMED, CONFIRMED, REJECTED = "claimed", "confirmed", "rejected"
STATUS_LABELS = {CLAIMED: "待确认", CONFIRMED: "已确认", REJECTED: "未通过"}
_PHONE = re.compile(r"^1\d{10}$|^0\d{2,3}-?\d{7,8}$")


@dataclass
class VolunteerInput:
    name: str
    phone: str = ""
    skills: str = ""
    availability: str = ""
    training: str = ""


@dataclass
class ServiceInput:
    served_on: str
    hours: str
    description: str
    #: The visit or case (by tracking code) the volunteer helped with, if any.
    visit_id: str | int | None = None
    case_code: str | None = None


# -- checks --------------------------------------------------------------------------------------------------


def check_may_keep(actor: Actor) -> str:
    """The grid the actor keeps volunteers for (a grid worker's own)."""
    if actor.role != Role.GRID_WORKER.value:
        raise PermissionDenied("只有网格员可以登记志愿者和确认服务时长")
    if not actor.grid_code:
        raise PermissionDenied("您的账号没有所属网格")
    return actor.grid_code


def volunteer(session: Session, volunteer_id: int, actor: Actor, *, lock: bool = False) -> Volunteer:
    """The volunteer, once the actor may see them (a grid worker: of their own grid)."""
    stmt = select(Volunteer).where(Volunteer.id == volunteer_id)
    if lock and session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    row = session.scalar(stmt)
    if row is None:
        raise NotFound("志愿者不存在")
    access.check_grid(actor, row.grid_code)
    return row


# -- registration ---------------------------------------------------------------------------------------------


def register(session: Session, data: VolunteerInput, *, actor: Actor, at: datetime) -> Volunteer:
    grid = check_may_keep(actor)
    errors: dict[str, str] = {}
    name = text_field(errors, "name", data.name, 100, "姓名", required=True)
    phone = text_field(errors, "phone", data.phone, 20, "联系电话", required=False).replace(" ", "")
    if phone and "phone" not in errors and not _PHONE.match(phone):
        errors["phone"] = "联系电话应为 11 位手机号或带区号的固定电话"
    skills = text_field(errors, "skills", data.skills, 300, "特长", required=False)
    availability = text_field(errors, "availability", data.availability, 200, "可服务时间", required=False)
    training = text_field(errors, "training", data.training, 500, "培训情况", required=False)
    if errors:
        raise ValidationError("志愿者信息有误", errors)
    row = Volunteer(grid_code=grid, name=name, phone="", skills=skills, availability=availability,
                    training=training, active=True, registered_by=actor.username, registered_at=to_db(at))
    session.add(row)
    session.flush()
    if phone:  # sealed for this volunteer (the id is in the seal), and indexed like a residents' app login
        number = phone.replace("-", "")
        row.phone, row.phone_index = seal_phone(number, handle(row.id)), phone_index(number)
        session.flush()
    return row


def handle(volunteer_id: int) -> str:
    """What a volunteer's sealed phone is bound to (the seal does not open for another row)."""
    return f"volunteer:{volunteer_id}"


def shown_phone(row: Volunteer) -> str:
    """The number for the grid's staff ("" when none; a note when it cannot be opened under this key)."""
    if not row.phone:
        return ""
    try:
        return open_phone(row.phone, handle(row.id))
    except MasterKeyError:
        return "（无法解密）"


def set_active(session: Session, volunteer_id: int, active: bool, *, actor: Actor) -> Volunteer:
    check_may_keep(actor)
    row = volunteer(session, volunteer_id, actor)
    row.active = active
    return row


# -- services -------------------------------------------------------------------------------------------------


def parse_hours(errors: dict[str, str], text: str | int | None) -> int:
    """Minutes of ``text`` hours (``1.5`` → 90), in quarter hours."""
    try:
        hours = Decimal(str(text or "").strip())
    except InvalidOperation:
        hours = Decimal(-1)
    if not hours.is_finite():
        hours = Decimal(-1)
    minutes = hours * 60
    if minutes != minutes.to_integral_value() or not MIN_MINUTES <= minutes <= MAX_MINUTES \
            or int(minutes) % STEP_MINUTES:
        errors["hours"] = f"服务时长应为 0.25 至 {MAX_MINUTES // 60} 小时，以 0.25 小时为单位"
        return 0
    return int(minutes)


def record_service(session: Session, volunteer_id: int, data: ServiceInput, *, actor: Actor,
                   at: datetime) -> VolunteerService:
    """Write a service down as ``claimed`` (its hours count once a grid worker confirms them)."""
    check_may_keep(actor)
    person = volunteer(session, volunteer_id, actor)
    if not person.active:
        raise ConflictError("该志愿者已停用，不能登记服务")
    errors: dict[str, str] = {}
    served_on = None
    try:
        served_on = date.fromisoformat((data.served_on or "").strip())
    except ValueError:
        errors["served_on"] = "服务日期格式应为 YYYY-MM-DD"
    today = china_date(at)
    if served_on is not None and served_on > today:
        errors["served_on"] = "服务日期不能晚于今天"
    elif served_on is not None and served_on < today - timedelta(days=MAX_DAYS_BACK):
        errors["served_on"] = f"服务日期不能早于 {MAX_DAYS_BACK} 天前"
    minutes = parse_hours(errors, data.hours)
    description = text_field(errors, "description", data.description, 300, "服务内容", required=True)
    visit_id = _visit(session, errors, data.visit_id, person.grid_code)
    case_id = _case(session, errors, data.case_code)
    if errors or served_on is None:
        raise ValidationError("服务记录有误", errors)
    row = VolunteerService(volunteer_id=person.id, grid_code=person.grid_code, served_on=served_on, minutes=minutes,
                           description=description, visit_id=visit_id, case_id=case_id, status=CLAIMED,
                           recorded_by=actor.username, recorded_at=to_db(at), decision_note="")
    session.add(row)
    session.flush()
    return row


def _visit(session: Session, errors: dict[str, str], value: str | int | None, grid: str) -> int | None:
    text = str(value or "").strip()
    if not text:
        return None
    if not text.isdigit() or len(text) > 9:
        errors["visit_id"] = "走访编号应为数字"
        return None
    found = session.get(FieldVisit, int(text))
    if found is None or found.grid_code != grid:
        errors["visit_id"] = "本网格没有这次走访"
        return None
    return found.id


def _case(session: Session, errors: dict[str, str], value: str | None) -> int | None:
    code = (value or "").strip()
    if not code:
        return None
    if len(code) > 40 or CONTROL.search(code):
        errors["case_code"] = "案件编号有误"
        return None
    found = session.scalar(select(Case.id).where(Case.tracking_code == code))
    if found is None:
        errors["case_code"] = "案件不存在"
    return found


def decide_service(session: Session, service_id: int, confirm: bool, *, note: str, actor: Actor,
                   at: datetime) -> VolunteerService:
    """Confirm the service (crediting its points and minutes) or reject it; a decided one is not decided again."""
    check_may_keep(actor)
    row = session.get(VolunteerService, service_id)
    if row is None:
        raise NotFound("服务记录不存在")
    person = volunteer(session, row.volunteer_id, actor, lock=True)
    errors: dict[str, str] = {}
    text = text_field(errors, "note", note, 200, "说明", required=not confirm)
    if errors:
        raise ValidationError("请说明未通过的原因", errors)
    if row.status != CLAIMED:
        raise ConflictError(f"这条服务记录已{STATUS_LABELS[row.status]}")
    row.status = CONFIRMED if confirm else REJECTED
    row.decided_by, row.decided_at, row.decision_note = actor.username, to_db(at), text
    if confirm:
        reason = f"服务 {row.served_on.isoformat()}：{row.description[:80]}"
        _enter(session, person.id, POINTS, row.minutes * POINTS_PER_HOUR // 60, reason, row.id, actor, at)
        _enter(session, person.id, MINUTES, row.minutes, reason, row.id, actor, at)
    session.flush()
    return row


# -- the ledger -----------------------------------------------------------------------------------------------


def balance(session: Session, volunteer_id: int, account: str) -> tuple[int, int]:
    """(last seq, balance) of the account: (0, 0) before its first entry."""
    last = session.execute(select(VolunteerLedgerEntry.seq, VolunteerLedgerEntry.balance)
                           .where(VolunteerLedgerEntry.volunteer_id == volunteer_id,
                                  VolunteerLedgerEntry.account == account)
                           .order_by(VolunteerLedgerEntry.seq.desc()).limit(1)).first()
    return (last[0], last[1]) if last is not None else (0, 0)


def _enter(session: Session, volunteer_id: int, account: str, amount: int, reason: str, service_id: int | None,
           actor: Actor, at: datetime) -> VolunteerLedgerEntry:
    seq, current = balance(session, volunteer_id, account)
    if current + amount < 0:
        unit = "分" if account == POINTS else "分钟"
        raise ValidationError("余额不足", {"amount": f"余额只有 {current} {unit}"})
    entry = VolunteerLedgerEntry(volunteer_id=volunteer_id, account=account, seq=seq + 1, amount=amount,
                                 balance=current + amount, reason=reason, service_id=service_id,
                                 entered_by=actor.username, entered_at=to_db(at))
    session.add(entry)
    session.flush()
    return entry


def spend(session: Session, volunteer_id: int, account: str, amount: str | int, reason: str, *, actor: Actor,
          at: datetime) -> VolunteerLedgerEntry:
    """Redeem points (积分兑换) or withdraw time-bank minutes (the volunteer receives service in turn)."""
    check_may_keep(actor)
    person = volunteer(session, volunteer_id, actor, lock=True)
    errors: dict[str, str] = {}
    if account not in ACCOUNTS:
        errors["account"] = "请选择积分或时间银行"
    text = str(amount or "").strip()
    value = int(text) if text.isdigit() and len(text) <= 9 else 0
    if not 1 <= value <= MAX_SPEND:
        errors["amount"] = f"数量应为 1 至 {MAX_SPEND} 的整数"
    why = text_field(errors, "reason", reason, 200, "事由", required=True)
    if errors:
        raise ValidationError("兑换有误", errors)
    return _enter(session, person.id, account, -value, why, None, actor, at)


# -- reading --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VolunteerRow:
    volunteer_id: int
    grid_code: str
    name: str
    phone: str
    skills: str
    availability: str
    active: bool
    #: Confirmed minutes this calendar year (China time), points and time-bank balances.
    year_minutes: int
    points: int
    bank_minutes: int


@dataclass(frozen=True)
class ServiceRow:
    service_id: int
    served_on: date
    minutes: int
    description: str
    status: str
    visit_id: int | None
    case_code: str | None
    recorded_by: str
    decided_by: str | None
    decision_note: str


@dataclass(frozen=True)
class LedgerRow:
    account: str
    seq: int
    amount: int
    balance: int
    reason: str
    entered_by: str
    entered_at: datetime


@dataclass(frozen=True)
class VolunteerPage:
    row: VolunteerRow
    training: str
    services: list[ServiceRow]
    ledger: list[LedgerRow]


@dataclass(frozen=True)
class GridStaffing:
    grid_code: str
    grid_name: str
    community: str
    workers: int
    volunteers: int

    @property
    def short(self) -> bool:
        return self.workers < WORKERS_PER_GRID or self.volunteers < VOLUNTEERS_PER_GRID


def _balances(session: Session, ids: list[int]) -> dict[tuple[int, str], int]:
    if not ids:
        return {}
    last = (select(VolunteerLedgerEntry.volunteer_id, VolunteerLedgerEntry.account,
                   func.max(VolunteerLedgerEntry.seq).label("seq"))
            .where(VolunteerLedgerEntry.volunteer_id.in_(ids))
            .group_by(VolunteerLedgerEntry.volunteer_id, VolunteerLedgerEntry.account).subquery())
    rows = session.execute(select(VolunteerLedgerEntry.volunteer_id, VolunteerLedgerEntry.account,
                                  VolunteerLedgerEntry.balance)
                           .join(last, (last.c.volunteer_id == VolunteerLedgerEntry.volunteer_id)
                                 & (last.c.account == VolunteerLedgerEntry.account)
                                 & (last.c.seq == VolunteerLedgerEntry.seq)))
    return {(vid, account): value for vid, account, value in rows}


def _year_minutes(session: Session, ids: list[int], year: int) -> dict[int, int]:
    if not ids:
        return {}
    rows = session.execute(select(VolunteerService.volunteer_id, func.sum(VolunteerService.minutes))
                           .where(VolunteerService.volunteer_id.in_(ids), VolunteerService.status == CONFIRMED,
                                  VolunteerService.served_on >= date(year, 1, 1),
                                  VolunteerService.served_on <= date(year, 12, 31))
                           .group_by(VolunteerService.volunteer_id))
    return {vid: int(total or 0) for vid, total in rows}


def _rows(session: Session, people: list[Volunteer], year: int) -> list[VolunteerRow]:
    ids = [p.id for p in people]
    balances, minutes = _balances(session, ids), _year_minutes(session, ids, year)
    return [VolunteerRow(p.id, p.grid_code, p.name, shown_phone(p), p.skills, p.availability, p.active,
                         minutes.get(p.id, 0), balances.get((p.id, POINTS), 0), balances.get((p.id, MINUTES), 0))
            for p in people]


def volunteers(session: Session, actor: Actor, *, at: datetime) -> list[VolunteerRow]:
    scope = access.grid_scope(actor)
    stmt = select(Volunteer).order_by(Volunteer.grid_code, Volunteer.active.desc(), Volunteer.id)
    if scope is not None:
        stmt = stmt.where(Volunteer.grid_code == scope)
    return _rows(session, list(session.scalars(stmt)), china_date(at).year)


def volunteer_page(session: Session, volunteer_id: int, actor: Actor, *, at: datetime) -> VolunteerPage:
    return volunteer_page_of(session, volunteer(session, volunteer_id, actor), at=at)


def volunteer_page_of(session: Session, person: Volunteer, *, at: datetime) -> VolunteerPage:
    services = session.execute(select(VolunteerService, Case.tracking_code)
                               .outerjoin(Case, Case.id == VolunteerService.case_id)
                               .where(VolunteerService.volunteer_id == person.id)
                               .order_by(VolunteerService.served_on.desc(), VolunteerService.id.desc())).all()
    ledger = session.scalars(select(VolunteerLedgerEntry).where(VolunteerLedgerEntry.volunteer_id == person.id)
                             .order_by(VolunteerLedgerEntry.id.desc())).all()
    return VolunteerPage(
        row=_rows(session, [person], china_date(at).year)[0], training=person.training,
        services=[ServiceRow(s.id, s.served_on, s.minutes, s.description, s.status, s.visit_id, code, s.recorded_by,
                             s.decided_by, s.decision_note) for s, code in services],
        ledger=[LedgerRow(e.account, e.seq, e.amount, e.balance, e.reason, e.entered_by, e.entered_at)
                for e in ledger])


def pending_services(session: Session, actor: Actor) -> list[tuple[ServiceRow, str]]:
    """Claimed services of the actor's grid (every grid for the supervisor), oldest first, with the name."""
    scope = access.grid_scope(actor)
    stmt = (select(VolunteerService, Volunteer.name).join(Volunteer, Volunteer.id == VolunteerService.volunteer_id)
            .where(VolunteerService.status == CLAIMED).order_by(VolunteerService.served_on, VolunteerService.id))
    if scope is not None:
        stmt = stmt.where(VolunteerService.grid_code == scope)
    return [(ServiceRow(s.id, s.served_on, s.minutes, s.description, s.status, s.visit_id, None, s.recorded_by,
                        s.decided_by, s.decision_note), name) for s, name in session.execute(stmt.limit(200))]


def staffing(session: Session, actor: Actor) -> list[GridStaffing]:
    """Each grid (the grid worker's own) with its active grid workers and volunteers."""
    scope = access.grid_scope(actor)
    workers = dict(session.execute(select(User.grid_code, func.count()).where(
        User.role == Role.GRID_WORKER.value, User.active.is_(True), User.grid_code.is_not(None))
        .group_by(User.grid_code)).tuples().all())
    helpers = dict(session.execute(select(Volunteer.grid_code, func.count()).where(Volunteer.active.is_(True))
                                   .group_by(Volunteer.grid_code)).tuples().all())
    grids = select(Grid).order_by(Grid.community, Grid.code)
    if scope is not None:
        grids = grids.where(Grid.code == scope)
    return [GridStaffing(g.code, g.name, g.community, int(workers.get(g.code, 0)), int(helpers.get(g.code, 0)))
            for g in session.scalars(grids)]


def own_records(session: Session, identity_id: int, *, at: datetime) -> list[VolunteerPage]:
    """A volunteer's own view: the volunteers registered with the phone a residents' app login verified (matched
    by the phone's blind index, never by the number), with their services and accounts; the phone is left out."""
    index = session.scalar(select(ResidentIdentity.phone_index).where(ResidentIdentity.id == identity_id))
    if index is None:
        return []
    people = list(session.scalars(select(Volunteer).where(Volunteer.phone_index == index).order_by(Volunteer.id)))
    pages = []
    for person in people:
        page = volunteer_page_of(session, person, at=at)
        pages.append(VolunteerPage(row=replace(page.row, phone=""), training=page.training, services=page.services,
                                   ledger=page.ledger))
    return pages
