"""季评估: the quarterly KPI figures per department, per community and for the whole street.

Every figure is aggregated in the database: four GROUP BY queries over (department,
community) cells, rolled up in Python over a few dozen cell rows (:class:`Tally`). No case is
loaded into Python. Which cases count for which indicator:

- volume and first response: cases *opened* in the quarter;
- handling time, resolution, reopen, mediation and dispute rates: cases *closed* in the quarter
  (merged duplicates left out: they are the same issue as another case);
- satisfaction: ratings *given* in the quarter;
- on-time rates: the departments' deadlines (``work_item.due_at`` of the acceptance, on-site
  and completion tasks) *falling due* in the quarter. Work items, not ``assignment`` rows: an assignment keeps
  only its latest deadline, so a missed acceptance the supervisor then extended would count as
  on time there; each work item is one deadline the department faced.

Handling time is counted in working days on the official calendar: a temporary table holds the
running count of working days per date (:func:`engine.assessments.sql.workday_table`) and two
index joins give each case's duration in the database. Median and P90 then come from
PostgreSQL's ``percentile_cont``; SQLite has no percentile aggregate, so there the database
returns a histogram (GROUP BY cell, duration: a few hundred rows for a million cases, since
durations are small whole numbers) and :func:`~engine.assessments.figures.percentile`
interpolates exactly as ``percentile_cont`` does. A window-function ranking would also work on
SQLite but must sort every case per unit; the histogram needs one grouped scan.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import CTE, Join, Select, Table, and_, exists, func, join, literal_column, not_, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from engine.assessments.figures import ALL, Figure, Tally, percentile, rate
from engine.assessments.indicators import COMMUNITY, DEPARTMENT, QUARTERLY, STREET
from engine.assessments.joint import joint_meetings
from engine.assessments.periods import Period
from engine.assessments.sql import china_day, count_if, db_time, hours_between, plus_hours, workday_table
from engine.calendar import WorkCalendar, china_date
from engine.cases.models import Case, WorkItem
from engine.civic.models import Assignment, Rating
from engine.field.queries import coverage_cells, volunteer_cells
from engine.projects.operations import PROCESS_KEY as PROJECT_PROCESS

#: The civic-loop category whose cases are neighbourhood disputes (DESIGN.md §2.1/§2.2).
DISPUTE_CATEGORY = "邻里纠纷"
#: Process key of dispute mediation cases (DESIGN.md §2.2).
MEDIATION_PROCESS = "mediation"
#: form key → indicator of the deadline tasks.
DEADLINE_FORMS = {"acceptance": "accept_on_time", "on_site": "onsite_on_time", "completion": "complete_on_time"}
SATISFIED = ("satisfied", "basically")
#: Every state a work item can be in (engine.cases.models.WorkItem.state).
WORK_ITEM_STATES = ("ready", "claimed", "completed", "cancelled")

Progress = Callable[[str], object]
UNIT_TYPES = (STREET, DEPARTMENT, COMMUNITY)
_DAY = timedelta(hours=24)


def _per_case(stmt: Select[Any], name: str) -> CTE:
    """``stmt`` as a MATERIALIZED CTE: each case's flags computed in one pass in the scan's order.

    Without it SQLite flattens the subquery into the GROUP BY and evaluates the correlated
    EXISTS lookups after sorting by unit, hopping about the work-item index: 2–3 times slower
    over a million cases. PostgreSQL accepts the same keyword.
    """
    return stmt.cte(name).prefix_with("MATERIALIZED")


def _opened(session: Session, tally: Tally, start: datetime, cutoff: datetime, now: datetime, dialect: str) -> None:
    answered = select(WorkItem.id).where(WorkItem.case_id == Case.id, WorkItem.state == "completed")
    in_time = answered.where(WorkItem.finished_at <= plus_hours(Case.opened_at, 24, dialect))
    # A case opened less than 24 h ago and not yet answered has not failed (nor met) the bound yet.
    cases = _per_case(select(Case.department_code.label("dept"), Case.community.label("comm"),
                             exists(in_time).label("ok"),
                             or_(exists(answered), Case.opened_at <= db_time(now) - _DAY).label("due"))
                      .where(Case.opened_at >= start, Case.opened_at < cutoff), "opened_cases")
    rows = session.execute(select(cases.c.dept, cases.c.comm, func.count(), count_if(cases.c.ok), count_if(cases.c.due))
                           .group_by(cases.c.dept, cases.c.comm))
    for dept, comm, volume, answered_ok, due in rows:
        tally.add(dept, comm, volume=volume, fr_ok=answered_ok, fr_due=due)


def _closed_cases(start: datetime, cutoff: datetime, dialect: str,
                  workdays: Table) -> tuple[Join, ColumnElement[Any], tuple[ColumnElement[bool], ...]]:
    """(FROM clause, working-day duration, conditions) of the cases closed in the period, merged ones left out."""
    opened_on, closed_on = workdays.alias("wd_open"), workdays.alias("wd_close")
    source = (join(Case.__table__, opened_on, opened_on.c.day == china_day(Case.opened_at, dialect))
              .join(closed_on, closed_on.c.day == china_day(Case.closed_at, dialect)))
    # Governance projects are not issues: their outcome (completed, exited) is no resolution rate's.
    conditions = (Case.closed_at >= start, Case.closed_at < cutoff,
                  or_(Case.outcome.is_(None), Case.outcome != "merged"), Case.process_key != PROJECT_PROCESS)
    return source, (closed_on.c.cum - opened_on.c.cum).label("dur"), conditions


def _closed(session: Session, tally: Tally, start: datetime, cutoff: datetime, dialect: str, workdays: Table,
            with_histogram: bool) -> None:
    source, duration, conditions = _closed_cases(start, cutoff, dialect, workdays)
    mediation = Case.process_key == MEDIATION_PROCESS
    cases = _per_case(select(
        Case.department_code.label("dept"), Case.community.label("comm"), duration,
        (Case.outcome == "resolved").label("resolved"), mediation.label("mediation"),
        or_(mediation, Case.category == DISPUTE_CATEGORY).label("dispute"),
        exists().where(Rating.case_id == Case.id, Rating.value == "dissatisfied").label("reopened"),
    ).select_from(source).where(*conditions), "closed_cases")
    c = cases.c
    stmt = (select(c.dept, c.comm, c.dur, func.count(), count_if(c.resolved), count_if(c.reopened), count_if(c.mediation),
                   count_if(and_(c.mediation, c.resolved)), count_if(c.dispute), count_if(and_(c.dispute, c.resolved)))
            .group_by(c.dept, c.comm, c.dur))
    for dept, comm, days, n, res, reo, med, med_ok, disp, disp_ok in session.execute(stmt):
        tally.add(dept, comm, closed=n, resolved=res, reopened=reo, mediation=med, mediation_ok=med_ok,
                  disputes=disp, disputes_ok=disp_ok)
        if with_histogram:
            tally.add_histogram(dept, comm, float(days), n)


def _pg_percentiles(session: Session, start: datetime, cutoff: datetime,
                    workdays: Table) -> dict[tuple[str, str], tuple[float, float]]:
    """Median and P90 per unit with ``percentile_cont``, all units in one GROUPING SETS pass."""
    source, duration, conditions = _closed_cases(start, cutoff, "postgresql", workdays)
    durations = (select(Case.department_code.label("dept"), Case.community.label("comm"), duration)
                 .select_from(source).where(*conditions).subquery())
    d = durations.c
    stmt = (select(func.grouping(d.dept), func.grouping(d.comm), d.dept, d.comm,
                   func.percentile_cont(0.5).within_group(d.dur), func.percentile_cont(0.9).within_group(d.dur))
            .group_by(literal_column("GROUPING SETS ((dept), (comm), ())")))
    found: dict[tuple[str, str], tuple[float, float]] = {}
    for dept_rolled, comm_rolled, dept, comm, median, p90 in session.execute(stmt):
        if dept_rolled and comm_rolled:
            unit = (STREET, ALL)
        elif not dept_rolled:
            if dept is None:
                continue
            unit = (DEPARTMENT, dept)
        else:
            if comm is None:
                continue
            unit = (COMMUNITY, comm)
        if median is None:  # no closed case at all: the empty grouping set's percentile is NULL
            continue
        found[unit] = (float(median), float(p90))
    return found


def _ratings(session: Session, tally: Tally, start: datetime, cutoff: datetime) -> None:
    stmt = (select(Case.department_code, Case.community, func.count(), count_if(Rating.is_default),
                   count_if(not_(Rating.is_default)), count_if(and_(not_(Rating.is_default), Rating.value.in_(SATISFIED))))
            .select_from(Rating).join(Case, Case.id == Rating.case_id)
            .where(Rating.rated_at >= start, Rating.rated_at < cutoff)
            .group_by(Case.department_code, Case.community))
    for dept, comm, n, default, given, satisfied in session.execute(stmt):
        tally.add(dept, comm, ratings=n, default_ratings=default, given_ratings=given, satisfied=satisfied)


def _deadlines(session: Session, tally: Tally, start: datetime, cutoff: datetime) -> None:
    # A task cancelled before its deadline (the process moved on) never faced it; one the timer
    # cancelled, or still open past the deadline, missed it.
    faced = not_(and_(WorkItem.state == "cancelled", WorkItem.finished_at < WorkItem.due_at))
    met = and_(WorkItem.state == "completed", WorkItem.finished_at <= WorkItem.due_at)
    stmt = (select(WorkItem.department_code, Case.community, WorkItem.form_key, func.count(), count_if(met))
            .select_from(WorkItem).join(Case, Case.id == WorkItem.case_id)
            # Role and every state spelled out: the (role, state, due_at) index then reads only the deadlines
            # of the quarter instead of every work item ever created.
            .where(WorkItem.role == "department", WorkItem.state.in_(WORK_ITEM_STATES),
                   WorkItem.form_key.in_(DEADLINE_FORMS), WorkItem.due_at >= start, WorkItem.due_at < cutoff, faced)
            .group_by(WorkItem.department_code, Case.community, WorkItem.form_key))
    for dept, comm, form_key, n, on_time in session.execute(stmt):
        tally.add(dept, comm, **{f"{form_key}_due": n, f"{form_key}_met": on_time})


def _returns(session: Session, tally: Tally, start: datetime, cutoff: datetime) -> None:
    """Dispatches (one per summoned department) made in the period, and how many the department returned."""
    stmt = (select(Assignment.department_code, Case.community, func.count(), count_if(Assignment.state == "returned"))
            .select_from(Assignment).join(Case, Case.id == Assignment.case_id)
            .where(Assignment.assigned_at >= start, Assignment.assigned_at < cutoff)
            .group_by(Assignment.department_code, Case.community))
    for dept, comm, n, returned in session.execute(stmt):
        tally.add(dept, comm, dispatched=n, returned=returned)


def _whistles(session: Session, tally: Tally, start: datetime, cutoff: datetime, dialect: str) -> None:
    """Cross-department matters (吹哨: a lead department and co-departments) whose lead completed the whole in
    the period, and their handling time from the summons to that completion, in minutes (summed per cell)."""
    hours = hours_between(Assignment.assigned_at, Assignment.completed_at, dialect)
    stmt = (select(Assignment.department_code, Case.community, func.count(), func.sum(hours))
            .select_from(Assignment).join(Case, Case.id == Assignment.case_id)
            .where(Assignment.role == "lead", Assignment.completed_at >= start, Assignment.completed_at < cutoff)
            .group_by(Assignment.department_code, Case.community))
    for dept, comm, n, total in session.execute(stmt):
        tally.add(dept, comm, whistles=n, whistle_minutes=round(float(total or 0) * 60))


def _visits(session: Session, tally: Tally, start: datetime, cutoff: datetime) -> None:
    """Planned visits (走访计划) falling due in the period, and how many were made by their deadline."""
    for community, due, met in coverage_cells(session, start, cutoff):
        tally.add(None, community, visits_due=due, visits_met=met)
    for community, volunteers, active, minutes in volunteer_cells(session, start, cutoff):
        tally.add(None, community, volunteers=volunteers, volunteers_active=active, volunteer_minutes=minutes)


def _earliest_opening(session: Session, start: datetime, cutoff: datetime) -> datetime | None:
    return session.scalar(select(func.min(Case.opened_at)).where(Case.closed_at >= start, Case.closed_at < cutoff))


def compute_quarter(session: Session, period: Period, *, now: datetime, calendar: WorkCalendar,
                    unit_names: Mapping[tuple[str, str], str], required: Iterable[tuple[str, str]] = (),
                    progress: Progress | None = None) -> list[Figure]:
    """Every quarterly figure of ``period`` as known at ``now`` (deadlines after ``now`` not yet judged).

    ``unit_names`` names the units; the ``required`` ones get a row even with no cases (rates n/a).
    """
    step = progress or (lambda _name: None)
    dialect = session.get_bind().dialect.name
    start, end = db_time(period.start), db_time(period.end)
    cutoff = min(end, db_time(now))
    tally = Tally()
    _opened(session, tally, start, cutoff, now, dialect)
    step("opened")
    percentiles: dict[tuple[str, str], tuple[float, float]] = {}
    earliest = _earliest_opening(session, start, cutoff)
    if earliest is not None:
        workdays = workday_table(session, calendar, china_date(earliest), china_date(cutoff))
        _closed(session, tally, start, cutoff, dialect, workdays, with_histogram=dialect != "postgresql")
        if dialect == "postgresql":
            percentiles = _pg_percentiles(session, start, cutoff, workdays)
    step("closed")
    _ratings(session, tally, start, cutoff)
    step("ratings")
    _deadlines(session, tally, start, cutoff)
    step("deadlines")
    _returns(session, tally, start, cutoff)
    _whistles(session, tally, start, cutoff, dialect)
    joint_meetings(session, tally, start, end, cutoff, db_time(now))
    step("returns")
    _visits(session, tally, start, cutoff)
    return _figures(tally, percentiles, unit_names, required)


def _figures(tally: Tally, percentiles: dict[tuple[str, str], tuple[float, float]], unit_names: Mapping[tuple[str, str], str],
             required: Iterable[tuple[str, str]]) -> list[Figure]:
    figures = []
    units = {u for u in required if u[0] in UNIT_TYPES} | tally.units() | set(percentiles)
    for unit in sorted(units):
        unit_type, code = unit
        name = unit_names.get(unit, code)
        got = partial(tally.get, unit)
        if unit in tally.histograms:
            median = percentile(tally.histograms[unit], 0.5)
            p90 = percentile(tally.histograms[unit], 0.9)
        else:
            median, p90 = percentiles.get(unit, (None, None))
        values = {
            "volume": (float(got("volume")), None, None),
            "first_response": rate(got("fr_ok"), got("fr_due")),
            "accept_on_time": rate(got("acceptance_met"), got("acceptance_due")),
            "onsite_on_time": rate(got("on_site_met"), got("on_site_due")),
            "complete_on_time": rate(got("completion_met"), got("completion_due")),
            "handling_median": (median, None, got("closed")),
            "handling_p90": (p90, None, got("closed")),
            "resolution_rate": rate(got("resolved"), got("closed")),
            "satisfaction_rate": rate(got("satisfied"), got("given_ratings")),
            "default_rating_share": rate(got("default_ratings"), got("ratings")),
            "reopen_rate": rate(got("reopened"), got("closed")),
            "return_rate": rate(got("returned"), got("dispatched")),
            "whistle_hours": (got("whistle_minutes") / 60 / got("whistles") if got("whistles") else None, None,
                              got("whistles")),
            "mediation_success": rate(got("mediation_ok"), got("mediation")),
            "onsite_resolution": rate(got("disputes_ok"), got("disputes")),
            "joint_attendance": rate(got("joint_present"), got("joint_expected")),
            "joint_executable": rate(got("joint_done"), got("joint_due")),
            "joint_effective": rate(got("joint_effective"), got("joint_months")),
            "visit_coverage": rate(got("visits_met"), got("visits_due")),
            "volunteer_hours": (got("volunteer_minutes") / 60 / got("volunteers") if got("volunteers") else None, None,
                                got("volunteers")),
            "volunteer_active": rate(got("volunteers_active"), got("volunteers")),
        }
        for indicator in QUARTERLY:
            if unit_type not in indicator.unit_types:
                continue
            value, numerator, denominator = values[indicator.key]
            figures.append(Figure(unit_type, code, name, indicator.key, value, numerator, denominator))
    return figures
