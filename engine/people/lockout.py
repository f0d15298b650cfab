"""Login lockout: after too many failed logins for one username, refuse it for a while.

Failures are counted per username *as typed*, whether or not an account has that name, so
the lockout itself never tells an attacker which usernames exist. Rows are keyed by a SHA-256
of the username, not the name itself: people type their password into the username field,
and this table must not keep it in clear. The per-address limit lives in the web layer.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import String, delete, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from engine.clock import as_utc, to_db
from engine.db import Base
from engine.errors import PermissionDenied
from engine.people.queries import user_by_name
from engine.people.tokens import hash_token

log = logging.getLogger("casegrid.security")


@dataclass(frozen=True)
class LockoutPolicy:
    #: Failed logins within ``window`` that lock the username.
    max_failures: int = 5
    window: timedelta = timedelta(minutes=15)
    #: How long a locked username is refused, whatever password is given.
    lock_for: timedelta = timedelta(minutes=15)


class LoginThrottle(Base):
    """Recent failed logins of one username (existing or not)."""

    __tablename__ = "login_throttle"

    #: SHA-256 (hex) of the username as typed, stripped.
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: Failures since ``window_start``.
    failures: Mapped[int] = mapped_column(nullable=False)
    window_start: Mapped[datetime] = mapped_column(nullable=False)
    #: While in the future, every login for this username is refused.
    locked_until: Mapped[datetime | None] = mapped_column(nullable=True)

    def __repr__(self) -> str:
        return f"<LoginThrottle {self.key[:8]} failures={self.failures} locked_until={self.locked_until}>"


class AccountLocked(PermissionDenied):
    """Too many failed logins: this username is refused until :attr:`until`."""

    def __init__(self, until: datetime) -> None:
        super().__init__("登录失败次数过多，请稍后再试")
        self.until = until


def throttle_key(username: str) -> str:
    return hash_token(username.strip())


def _ensure_row(session: Session, key: str, now: datetime) -> None:
    """Insert the row unless it exists: two first attempts at once must not collide on the key."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(LoginThrottle).values(key=key, failures=0, window_start=to_db(now))
                    .on_conflict_do_nothing(index_elements=["key"]))


def _forget_stale(session: Session, now: datetime, policy: LockoutPolicy) -> None:
    """Drop rows whose window and lock are both over: they count nothing any more, and without this
    every username ever mistyped (or made up by a guesser) would stay in the table."""
    session.execute(delete(LoginThrottle).where(
        LoginThrottle.window_start <= to_db(as_utc(now) - policy.window),
        or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until <= to_db(now))))


def begin_attempt(session: Session, username: str, now: datetime, policy: LockoutPolicy) -> datetime | None:
    """Count a login attempt as a failure *before* its password is checked; raises :class:`AccountLocked`
    when ``username`` may not try now.

    Counting first, under the row's lock, is what makes the policy exact: of any number of simultaneous
    guesses only ``max_failures`` get their password checked (checking first and counting after let 30
    parallel guesses check 19). The attempt that uses up the budget locks the username at once; if its
    password turns out right, :func:`clear_failures` lifts the lock again. Returns the end of that lock
    for the attempt that set it (to be logged if it fails), else None.
    """
    key = throttle_key(username)
    _forget_stale(session, now, policy)
    _ensure_row(session, key, now)
    row = session.scalars(select(LoginThrottle).where(LoginThrottle.key == key).with_for_update()).one()
    if row.locked_until is not None and as_utc(row.locked_until) > as_utc(now):
        raise AccountLocked(as_utc(row.locked_until))
    if as_utc(row.window_start) + policy.window <= as_utc(now):
        row.failures, row.window_start = 0, to_db(now)
    row.failures += 1
    if row.failures < policy.max_failures:
        return None
    until = as_utc(now) + policy.lock_for
    row.failures, row.window_start, row.locked_until = 0, to_db(now), to_db(until)
    return until


def log_lock(session: Session, username: str, until: datetime, policy: LockoutPolicy,
             source: str | None = None) -> None:
    """Log that failed logins locked ``username`` (from ``source``, the caller's address)."""
    # Name the account only if it exists: an unknown "username" may well be a mistyped password.
    known = user_by_name(session, username.strip()) is not None
    log.warning("login locked until %s after %d failed attempts for %s (last from %s)", until.isoformat(),
                policy.max_failures, f"user {username.strip()}" if known else "an unknown username",
                source or "an unknown address")


def clear_failures(session: Session, username: str) -> None:
    """Forget the failures of ``username`` and lift its lock (after a successful login or a password reset)."""
    session.execute(delete(LoginThrottle).where(LoginThrottle.key == throttle_key(username)))
