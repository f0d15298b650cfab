"""Visit plans (走访计划) and the due visits they generate.

A plan says "households flagged 独居老人 are visited at least twice a month". For a month, each flagged
household gets ``per_month`` due visits; the k-th is due by the end of the last Chinese working day on or
before the k-th n-th of the month (twice a month: by mid-month and by month end), so a deadline never falls
on a holiday or a weekend that is not a make-up workday. Generating is idempotent: a due visit that exists
is left alone, so the sweep, a button or the CLI may run it any number of times.
"""
from __future__ import annotations

import calendar as months
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from engine.calendar import WorkCalendar, china_date
from engine.clock import as_utc, to_db
from engine.council.models import Household
from engine.errors import NotFound, ValidationError
from engine.field.access import check_may_plan
from engine.field.flags import FLAGS, flag_code
from engine.field.models import DueVisit, FieldVisit, HouseholdFlag, VisitPlan
from engine.people.actor import Actor
from engine.people.models import Grid

#: At most this many visits a month per household (a daily visit is a care service, not a plan).
MAX_PER_MONTH = 8


@dataclass(frozen=True)
class Generated:
    month: str
    #: Due visits created by this run (those that existed are not counted).
    created: int
    #: Of those, how many were at once fulfilled by visits already recorded that month.
    fulfilled: int


def parse_month(text: str) -> tuple[int, int]:
    try:
        year, month = (int(p) for p in (text or "").split("-"))
        date(year, month, 1)
    except ValueError:
        raise ValidationError("月份有误", {"month": "月份格式应为 YYYY-MM"}) from None
    if not 2000 <= year <= 2100:
        raise ValidationError("月份有误", {"month": "月份应在 2000 至 2100 年之间"})
    return year, month


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def month_deadlines(calendar: WorkCalendar, year: int, month: int, per_month: int) -> list[datetime]:
    """The deadlines of a month's ``per_month`` visits (aware UTC, end of a working day in China)."""
    days = months.monthrange(year, month)[1]
    deadlines = []
    for k in range(1, per_month + 1):
        boundary = date(year, month, -(-k * days // per_month))
        first = date(year, month, 1) if k == 1 else date(year, month, -(-(k - 1) * days // per_month) + 1)
        day = boundary
        while day > first and not calendar.is_workday(day):
            day = date.fromordinal(day.toordinal() - 1)
        deadlines.append(calendar.end_of_day(day if calendar.is_workday(day) else boundary))
    return deadlines


def create_plan(session: Session, *, name: str, flag: str, per_month: str | int, grid_code: str | None,
                actor: Actor, at: datetime) -> VisitPlan:
    check_may_plan(actor)
    errors = {}
    name = (name or "").strip()
    if not name or len(name) > 100:
        errors["name"] = "请填写计划名称（最多 100 字）"
    code = flag_code(flag)
    if code is None:
        errors["flag"] = f"请选择重点人群：{'、'.join(FLAGS.values())}"
    try:
        times = int(str(per_month).strip())
    except ValueError:
        times = 0
    if not 1 <= times <= MAX_PER_MONTH:
        errors["per_month"] = f"每月走访次数应为 1 至 {MAX_PER_MONTH} 次"
    grid = (grid_code or "").strip() or None
    if grid is not None and session.scalar(select(Grid.id).where(Grid.code == grid)) is None:
        errors["grid_code"] = "网格不存在"
    if errors:
        raise ValidationError("走访计划有误", errors)
    plan = VisitPlan(name=name, flag=code, per_month=times, grid_code=grid, active=True, created_by=actor.username,
                     created_at=to_db(at))
    session.add(plan)
    session.flush()
    return plan


def set_active(session: Session, plan_id: int, active: bool, *, actor: Actor) -> VisitPlan:
    check_may_plan(actor)
    plan = session.get(VisitPlan, plan_id)
    if plan is None:
        raise NotFound("走访计划不存在")
    plan.active = active
    return plan


def generate(session: Session, month: str, *, calendar: WorkCalendar, at: datetime) -> Generated:
    """Create the missing due visits of ``month`` for every active plan (set-based: one read per plan)."""
    year, mon = parse_month(month)
    first, last = date(year, mon, 1), date(year, mon, months.monthrange(year, mon)[1])
    created = fulfilled = 0
    for plan in session.scalars(select(VisitPlan).where(VisitPlan.active).order_by(VisitPlan.id)):
        deadlines = month_deadlines(calendar, year, mon, plan.per_month)
        homes = (select(Household.id, Household.grid_code, Household.community)
                 .join(HouseholdFlag, HouseholdFlag.household_id == Household.id)
                 .where(HouseholdFlag.flag == plan.flag))
        if plan.grid_code:
            homes = homes.where(Household.grid_code == plan.grid_code)
        have = set(session.execute(select(DueVisit.household_id, DueVisit.number).where(
            DueVisit.plan_id == plan.id, DueVisit.month == month)).tuples())
        rows = [{"plan_id": plan.id, "household_id": hid, "grid_code": grid, "community": community, "month": month,
                 "number": k + 1, "due_at": to_db(due), "visit_id": None, "on_time": None, "created_at": to_db(at)}
                for hid, grid, community in session.execute(homes)
                for k, due in enumerate(deadlines) if (hid, k + 1) not in have]
        if not rows:
            continue
        session.execute(insert(DueVisit), rows)
        created += len(rows)
        fulfilled += _credit_earlier_visits(session, plan, month, first, last, {r["household_id"] for r in rows})
    return Generated(month, created, fulfilled)


def _credit_earlier_visits(session: Session, plan: VisitPlan, month: str, first: date, last: date,
                           households: set[int]) -> int:
    """Visits already made this month (before the plan or the flag existed) count for the new due visits."""
    visits = session.execute(select(FieldVisit.id, FieldVisit.household_id, FieldVisit.visited_on)
                             .join(HouseholdFlag, HouseholdFlag.household_id == FieldVisit.household_id)
                             .where(HouseholdFlag.flag == plan.flag, FieldVisit.visited_on >= first,
                                    FieldVisit.visited_on <= last)
                             .order_by(FieldVisit.visited_on, FieldVisit.id)).all()
    credited = 0
    for visit_id, household_id, visited_on in visits:
        if household_id in households and credit_visit(session, plan.id, household_id, month, visit_id, visited_on):
            credited += 1
    return credited


def credit_visit(session: Session, plan_id: int, household_id: int, month: str, visit_id: int,
                 visited_on: date) -> bool:
    """The visit fulfils the plan's earliest open due visit of that household and month, if any."""
    due = session.scalar(select(DueVisit).where(DueVisit.plan_id == plan_id, DueVisit.household_id == household_id,
                                                DueVisit.month == month, DueVisit.visit_id.is_(None))
                         .order_by(DueVisit.number).limit(1))
    if due is None:
        return False
    due.visit_id = visit_id
    due.on_time = visited_on <= china_date(as_utc(due.due_at))
    session.flush()
    return True


def credit(session: Session, visit: FieldVisit) -> int:
    """A new visit fulfils one open due visit of each plan that has one for its household that month."""
    month = month_of(visit.visited_on)
    plan_ids = session.scalars(select(DueVisit.plan_id).where(
        DueVisit.household_id == visit.household_id, DueVisit.month == month, DueVisit.visit_id.is_(None))
        .distinct()).all()
    return sum(credit_visit(session, pid, visit.household_id, month, visit.id, visit.visited_on) for pid in plan_ids)


def plans(session: Session) -> list[VisitPlan]:
    return list(session.scalars(select(VisitPlan).order_by(VisitPlan.active.desc(), VisitPlan.id)))
