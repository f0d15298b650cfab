"""When people act: staff in office hours, residents in waking hours, the council at its weekly sitting."""
from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from engine.simulate.workload import CST

OFFICE = (time(9, 0), time(17, 30))
WAKING = (time(8, 0), time(21, 30))
#: Each community's council sits on Wednesday afternoons (weekday 2, 14:30 local).
COUNCIL_WEEKDAY, COUNCIL_HOUR = 2, 14.5


def _within(at: datetime, hours: tuple[time, time], weekdays_only: bool, rng: random.Random) -> datetime:
    """``at``, or the next opening of the window after it (plus a few minutes, nobody is that punctual)."""
    local = at.astimezone(CST)
    opens, closes = hours
    while (weekdays_only and local.weekday() >= 5) or local.time() >= closes or local.time() < opens:
        if local.time() >= closes or (weekdays_only and local.weekday() >= 5):
            local = (local + timedelta(days=1)).replace(hour=opens.hour, minute=opens.minute, second=0, microsecond=0)
        else:
            local = local.replace(hour=opens.hour, minute=opens.minute, second=0, microsecond=0)
        local += timedelta(minutes=rng.randrange(5, 90))
    return local.astimezone(at.tzinfo)


def staff_after(now: datetime, rng: random.Random, min_hours: float, max_hours: float) -> datetime:
    """A member of staff acts between ``min_hours`` and ``max_hours`` from now, in office hours on a weekday."""
    return _within(now + timedelta(hours=rng.uniform(min_hours, max_hours)), OFFICE, True, rng)


def resident_after(now: datetime, rng: random.Random, min_hours: float, max_hours: float) -> datetime:
    return _within(now + timedelta(hours=rng.uniform(min_hours, max_hours)), WAKING, False, rng)


def next_council_sitting(now: datetime, rng: random.Random) -> datetime:
    """The next Wednesday sitting at least a day away (issues need a day on the agenda)."""
    local = (now + timedelta(days=1)).astimezone(CST)
    days = (COUNCIL_WEEKDAY - local.weekday()) % 7
    sitting = (local + timedelta(days=days)).replace(hour=14, minute=30, second=0, microsecond=0)
    if sitting < local:
        sitting += timedelta(days=7)
    return (sitting + timedelta(minutes=rng.randrange(0, 120))).astimezone(now.tzinfo)
