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
from engine.people.accounts import Account, authenticate
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


def locked_until(session: Session, username: str, now: datetime) -> datetime | None:
    """When the lock on ``username`` ends, or None when it may try to log in."""
    row = session.get(LoginThrottle, throttle_key(username))
    if row is None or row.locked_until is None or as_utc(row.locked_until) <= as_utc(now):
        return None
    return as_utc(row.locked_until)


def check_login(session: Session, username: str, password: str, now: datetime) -> Account | None:
    """The account if the password is right; raises :class:`AccountLocked` without checking it while locked."""
    until = locked_until(session, username, now)
    if until is not None:
        raise AccountLocked(until)
    return authenticate(session, username, password)


def has_failures(session: Session, username: str) -> bool:
    return session.get(LoginThrottle, throttle_key(username)) is not None


def _ensure_row(session: Session, key: str, now: datetime) -> None:
    """Insert the row unless it exists: two first failures at once must not collide on the key."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(LoginThrottle).values(key=key, failures=0, window_start=to_db(now))
                    .on_conflict_do_nothing(index_elements=["key"]))


def _forget_stale(session: Session, now: datetime, policy: LockoutPolicy) -> None:
    """Drop rows whose window and lock are both over: they count nothing any more, and without this
    every username ever mistyped (or made up by a guesser) would stay in the table."""
    session.execute(delete(LoginThrottle).where(
        LoginThrottle.window_start <= to_db(as_utc(now) - policy.window),
        or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until <= to_db(now))))


def record_failure(session: Session, username: str, now: datetime, policy: LockoutPolicy,
                   source: str | None = None) -> datetime | None:
    """Count one failed login; returns the end of the lock when this failure locked the username."""
    key = throttle_key(username)
    _forget_stale(session, now, policy)
    _ensure_row(session, key, now)
    row = session.scalars(select(LoginThrottle).where(LoginThrottle.key == key).with_for_update()).one()
    if as_utc(row.window_start) + policy.window <= as_utc(now):
        row.failures, row.window_start = 0, to_db(now)
    row.failures += 1
    if row.failures < policy.max_failures:
        return None
    until = as_utc(now) + policy.lock_for
    row.failures, row.window_start, row.locked_until = 0, to_db(now), to_db(until)
    session.flush()
    # Name the account only if it exists: an unknown "username" may well be a mistyped password.
    known = user_by_name(session, username.strip()) is not None
    log.warning("login locked until %s after %d failed attempts for %s (last from %s)", until.isoformat(),
                policy.max_failures, f"user {username.strip()}" if known else "an unknown username",
                source or "an unknown address")
    return until


def clear_failures(session: Session, username: str) -> None:
    """Forget the failures of ``username`` (after a successful login)."""
    session.execute(delete(LoginThrottle).where(LoginThrottle.key == throttle_key(username)))
