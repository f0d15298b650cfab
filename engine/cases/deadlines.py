"""Deadlines as people read them: the ONE place that decides "due in N working days / hours and minutes",
"overdue by …" and "no deadline", for every page (inbox, task, case, mediation, tracking) and the API.

A deadline is overdue only once its moment has passed (``due_at < now``): a future deadline is never
shown as overdue, whatever else is known about the case (an escalation, say). Ordinary matters read in
working days of the official calendar; urgent ones (紧急 / 特急), which count clock hours, nights and
holidays included, in hours and minutes.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from engine.calendar import WorkCalendar
from engine.cases.models import WorkItem
from engine.cases.routing import urgency_of
from engine.clock import as_utc


def is_overdue(due_at: datetime | None, now: datetime) -> bool:
    """Past its moment: the one test of "overdue" (a deadline due this very minute is not overdue yet)."""
    return due_at is not None and as_utc(due_at) < as_utc(now)


@dataclass(frozen=True)
class Deadline:
    """A deadline as a person reads it (build it with :meth:`of`)."""

    due_at: datetime
    #: Past the deadline now.
    overdue: bool
    #: Working days after today up to the deadline's day (0: due today); 0 when overdue.
    workdays_left: int
    #: Working days after the deadline's day up to today (0: missed today); 0 unless overdue.
    workdays_overdue: int
    #: The matter is urgent (紧急 / 特急): interfaces show ``minutes_left`` / ``minutes_overdue``.
    urgent: bool = False
    #: Whole clock minutes until the deadline (0 when overdue), and past it (0 unless overdue).
    minutes_left: int = 0
    minutes_overdue: int = 0

    @classmethod
    def of(cls, due_at: datetime | None, now: datetime, calendar: WorkCalendar, *,
           urgent: bool = False) -> Deadline | None:
        """The deadline ``due_at`` read at ``now``; None (no deadline) when there is none."""
        if due_at is None:
            return None
        due, now = as_utc(due_at), as_utc(now)
        if is_overdue(due, now):
            late = max(1, int((now - due).total_seconds() // 60))
            return cls(due, True, 0, calendar.workdays_between(due, now), urgent, 0, late)
        return cls(due, False, calendar.workdays_between(now, due), 0, urgent, int((due - now).total_seconds() // 60), 0)

    @property
    def state(self) -> str:
        """``overdue``, ``due_today`` (ordinary: today; urgent: within the hour), ``due_soon`` (next working
        day; urgent: within four hours) or ``open``: what a page colours and the API reports."""
        if self.overdue:
            return "overdue"
        if self.urgent:
            return "due_today" if self.minutes_left <= 60 else "due_soon" if self.minutes_left <= 240 else "open"
        return "due_today" if self.workdays_left == 0 else "due_soon" if self.workdays_left == 1 else "open"


def item_deadline(item: WorkItem, now: datetime, calendar: WorkCalendar) -> Deadline | None:
    """An open work item's deadline: urgent when the case was 紧急 / 特急 as the item opened."""
    return Deadline.of(item.due_at, now, calendar, urgent=item.urgency > 0)


def priority_deadline(due_at: datetime | None, priority: str | None, now: datetime,
                      calendar: WorkCalendar) -> Deadline | None:
    """A deadline of a case of ``priority`` (一般 / 紧急 / 特急) that is no work item's (a department's
    acceptance, on-site or completion deadline on the case page)."""
    return Deadline.of(due_at, now, calendar, urgent=urgency_of(priority) > 0)
