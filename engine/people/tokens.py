"""API tokens for integrations (a WeChat mini-program, an Open311 client): issue, list, revoke, authenticate.

A token acts as one account and with that account's role, so the API applies the
same access rules to it as to the person. Only the SHA-256 of a token is stored:
tokens are 256 random bits, so a fast hash is enough (nothing to brute-force) and
a leaked table gives nobody a usable token. The secret is shown once, when issued.
Tokens are never deleted (revoked ones stay listed, for the record); issuing and
revoking are logged on the ``casegrid.admin`` logger like the other admin changes.
"""
from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from engine.clock import Clock, SystemClock, as_utc, to_db
from engine.db import Base, Database
from engine.errors import NotFound, ValidationError
from engine.people.accounts import Account
from engine.people.models import User
from engine.people.queries import user_by_name
from engine.people.roles import Role

log = logging.getLogger("casegrid.admin")

#: Every token starts with this, so a secret scanner (or a person) recognises a leaked one.
PREFIX = "cgt_"
#: Tokens act for people who work cases; an admin's powers are never handed to a script.
REFUSED_ROLES = frozenset({Role.ADMIN.value, Role.RESIDENT.value})
#: ``last_used_at`` is written at most this often per token: one write per API call would
#: serialise every call on SQLite's write lock for a timestamp nobody needs to the second.
LAST_USED_RESOLUTION = timedelta(minutes=1)
MAX_DAYS = 3650


class ApiToken(Base):
    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: SHA-256 (hex) of the whole secret; the secret itself is never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    #: The first characters of the secret, to tell tokens apart in lists.
    hint: Mapped[str] = mapped_column(String(16), nullable=False)
    #: What it is for, e.g. ``微信小程序``.
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    #: The account whose role (and department, grid) the token acts with.
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False, index=True)
    created_at: Mapped[datetime] = mapped_column(nullable=False)
    created_by: Mapped[str] = mapped_column(String(80), nullable=False)
    expires_at: Mapped[datetime | None] = mapped_column(nullable=True)
    last_used_at: Mapped[datetime | None] = mapped_column(nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(nullable=True)
    revoked_by: Mapped[str | None] = mapped_column(String(80), nullable=True)

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} {self.hint}… user={self.user_id}>"


@dataclass(frozen=True)
class TokenInfo:
    """A token as lists show it (never the secret)."""

    id: int
    name: str
    hint: str
    username: str
    role: str
    created_at: datetime
    created_by: str
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    revoked_by: str | None

    def state(self, now: datetime) -> str:
        """``active``, ``expired`` or ``revoked``."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and as_utc(self.expires_at) <= as_utc(now):
            return "expired"
        return "active"

    @classmethod
    def of(cls, token: ApiToken, user: User) -> TokenInfo:
        return cls(token.id, token.name, token.hint, user.username, user.role, token.created_at, token.created_by,
                   token.expires_at, token.last_used_at, token.revoked_at, token.revoked_by)


@dataclass(frozen=True)
class IssuedToken:
    #: The secret to hand over: shown this once, then only its hash exists.
    secret: str
    info: TokenInfo


def hash_token(secret: str) -> str:
    """What is stored of a secret handed out once (an API token, a household's voting link)."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def issue_token(session: Session, username: str, name: str, *, at: datetime, days: int | None,
                by: str) -> IssuedToken:
    """A new token for ``username``'s account, valid for ``days`` (None: until revoked)."""
    errors: dict[str, str] = {}
    user = user_by_name(session, username)
    if user is None or not user.active:
        errors["username"] = f"用户 {username} 不存在或已停用"
    elif user.role in REFUSED_ROLES:
        errors["username"] = "系统管理员和居民账号不能签发接口令牌"
    name = (name or "").strip()
    if not name or len(name) > 100:
        errors["name"] = "请填写用途（最多 100 字）"
    if days is not None and not 1 <= days <= MAX_DAYS:
        errors["days"] = f"有效期应为 1 到 {MAX_DAYS} 天"
    if errors:
        raise ValidationError("令牌信息有误", errors)
    assert user is not None
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(token_hash=hash_token(secret), hint=secret[:len(PREFIX) + 6], name=name, user_id=user.id,
                     created_at=to_db(at), created_by=by,
                     expires_at=to_db(at + timedelta(days=days)) if days is not None else None)
    session.add(token)
    session.flush()
    log.info("%s issued API token %s (%s) for %s", by, token.id, name, username)
    return IssuedToken(secret, TokenInfo.of(token, user))


def list_tokens(session: Session, username: str | None = None) -> list[TokenInfo]:
    """Every token (or ``username``'s), newest first, revoked and expired ones included."""
    stmt = select(ApiToken, User).join(User, User.id == ApiToken.user_id).order_by(ApiToken.id.desc())
    if username is not None:
        stmt = stmt.where(User.username == username)
    return [TokenInfo.of(token, user) for token, user in session.execute(stmt).tuples()]


def revoke_token(session: Session, token_id: int, *, at: datetime, by: str) -> TokenInfo:
    """Revoke a token at once; revoking a revoked token changes nothing."""
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(f"令牌 {token_id} 不存在")
    if token.revoked_at is None:
        token.revoked_at, token.revoked_by = to_db(at), by
        session.flush()
        log.info("%s revoked API token %s (%s)", by, token.id, token.name)
    return TokenInfo.of(token, session.get_one(User, token.user_id))


def _looks_like_token(secret: str) -> bool:
    return secret.startswith(PREFIX) and 20 <= len(secret) <= 200


class TokenService:
    """The tokens of one database, for the API, the admin page and the CLI."""

    def __init__(self, db: Database, clock: Clock | None = None) -> None:
        self.db = db
        self.clock = clock or SystemClock()

    def issue(self, username: str, name: str, *, days: int | None = None, by: str) -> IssuedToken:
        with self.db.transaction() as s:
            return issue_token(s, username, name, at=self.clock.now(), days=days, by=by)

    def tokens(self, username: str | None = None) -> list[TokenInfo]:
        with self.db.reading() as s:
            return list_tokens(s, username)

    def revoke(self, token_id: int, *, by: str) -> TokenInfo:
        with self.db.transaction() as s:
            return revoke_token(s, token_id, at=self.clock.now(), by=by)

    def _active(self, secret: str, now: datetime) -> tuple[Account, int, datetime | None] | None:
        """The account, token id and last use of an active token (read only); None otherwise."""
        if not _looks_like_token(secret):
            return None
        with self.db.reading() as s:
            row = s.execute(select(ApiToken, User).join(User, User.id == ApiToken.user_id)
                            .where(ApiToken.token_hash == hash_token(secret))).tuples().first()
            if row is None:
                return None
            token, user = row
            if TokenInfo.of(token, user).state(now) != "active" or not user.active:
                return None
            return Account.of(user), token.id, token.last_used_at

    def is_active(self, secret: str) -> bool:
        """Whether ``secret`` is a token that would authenticate now (nothing is written)."""
        return self._active(secret, self.clock.now()) is not None

    def authenticate(self, secret: str) -> Account | None:
        """The account a valid token acts for; None for an unknown, revoked or expired token, or a disabled account."""
        now = self.clock.now()
        if (active := self._active(secret, now)) is None:
            return None
        account, token_id, last_used = active
        if last_used is None or as_utc(now) - as_utc(last_used) >= LAST_USED_RESOLUTION:
            with self.db.transaction() as s:
                fresh = s.get(ApiToken, token_id)
                if fresh is not None:
                    fresh.last_used_at = to_db(now)
        return account
