"""The few expressions SQLite and PostgreSQL spell differently, and the working-day table.

Timestamps are stored as naive UTC (``engine.clock.to_db``). SQLite keeps them as text
``YYYY-MM-DD HH:MM:SS.ffffff``, so comparing a column with a bound datetime is a string
comparison in the same format, and date arithmetic must keep that format exactly.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Column, Date, Integer, MetaData, Table, case, cast, func, insert, literal_column
from sqlalchemy.orm import QueryableAttribute, Session
from sqlalchemy.sql.elements import ColumnElement

from engine.calendar import WorkCalendar
from engine.clock import as_utc

#: A column or an expression over columns.
Expr = ColumnElement[Any] | QueryableAttribute[Any]

#: China has kept UTC+8 all year since 1991: a fixed offset is exact for every stored timestamp,
#: and far cheaper per row than a time-zone conversion.
CHINA_OFFSET_HOURS = 8


def db_time(moment: datetime) -> datetime:
    """A moment as the database stores it: naive UTC."""
    return as_utc(moment).replace(tzinfo=None)


def count_if(condition: Expr) -> ColumnElement[Any]:
    """``sum(CASE WHEN condition THEN 1 ELSE 0 END)``: how many rows meet it (booleans or 0/1 alike)."""
    return func.sum(case((condition, 1), else_=0))


def china_day(column: Expr, dialect: str) -> ColumnElement[Any]:
    """The China local date of a stored (naive UTC) timestamp."""
    if dialect == "sqlite":
        # Cut the fraction first: SQLite rounds it to milliseconds, which would move
        # 15:59:59.9999 UTC (a deadline at the end of a China day) into the next day.
        return func.date(func.substr(column, 1, 19), f"+{CHINA_OFFSET_HOURS} hours")
    return cast(column + literal_column(f"INTERVAL '{CHINA_OFFSET_HOURS} hours'"), Date)


def plus_hours(column: Expr, hours: int, dialect: str) -> ColumnElement[Any]:
    """``column`` + ``hours``, comparable with other timestamps to the microsecond."""
    if dialect == "sqlite":
        # Whole seconds through strftime, then the original microseconds appended again: the
        # result has the stored format, so comparing it with another column stays exact.
        return func.strftime("%Y-%m-%d %H:%M:%S", func.substr(column, 1, 19), f"+{int(hours)} hours").concat(
            func.substr(column, 20))
    return column + literal_column(f"INTERVAL '{int(hours)} hours'")


def hours_between(start: Expr, end: Expr, dialect: str) -> ColumnElement[Any]:
    """Hours from ``start`` to ``end`` (stored naive UTC timestamps), as a number."""
    if dialect == "sqlite":
        return (func.julianday(end) - func.julianday(start)) * 24.0
    return func.extract("epoch", end - start) / 3600.0


def workday_table(session: Session, calendar: WorkCalendar, first: date, last: date) -> Table:
    """A temporary table ``(day, cum)``: how many working days there are up to and including ``day``.

    The working days between two moments are then ``cum(end day) - cum(start day)``, exactly
    :meth:`WorkCalendar.workdays_between`, computed per case by two index joins in the database.
    The table lives in the caller's transaction (gone when it ends) and holds one row per day of
    the span, a few hundred rows per year.
    """
    table = Table("cg_workday", MetaData(), Column("day", Date, primary_key=True),
                  Column("cum", Integer, nullable=False), prefixes=["TEMPORARY"],
                  postgresql_on_commit="DROP")
    connection = session.connection()
    table.drop(connection, checkfirst=True)
    table.create(connection)
    rows, total, day = [], 0, first
    while day <= last:
        total += calendar.is_workday(day)
        rows.append({"day": day, "cum": total})
        day += timedelta(days=1)
    session.execute(insert(table), rows)
    return table
