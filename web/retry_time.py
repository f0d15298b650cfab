"""When someone refused for going too fast may try again, as they read a clock: "14:36", or with the day
when the wait runs past midnight. Local time is the app's (``BABEL_DEFAULT_TIMEZONE``, Beijing by default)."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import format_datetime, to_user_timezone


def _now() -> datetime:
    return current_app.extensions["casegrid.cases"].clock.now()


def retry_clock(seconds: int) -> str:
    """The local time ``seconds`` from now, rounded up to the minute (never earlier than the real moment)."""
    now = _now()
    at = now + timedelta(seconds=seconds)
    if at.second or at.microsecond:
        at = at.replace(second=0, microsecond=0) + timedelta(minutes=1)
    same_day = to_user_timezone(at).date() == to_user_timezone(now).date()
    return format_datetime(at, "HH:mm" if same_day else "yyyy-MM-dd HH:mm")


def retry_clock_at(moment: datetime) -> str:
    """``retry_clock`` for a known moment (an account's lock ends then)."""
    return retry_clock(max(0, int((moment - _now()).total_seconds() + 0.999)))
