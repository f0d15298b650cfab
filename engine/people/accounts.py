"""Accounts as the interfaces see them: plain values, never ORM rows."""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import ValidationError
from engine.org.scope import in_subtree
from engine.people.actor import Actor
from engine.people.membership import membership_or_errors
from engine.people.models import User
from engine.people.operations import ensure_user
from engine.people.password_policy import password_problem
from engine.people.roles import is_integration
from engine.people.passwords import check_password, hash_password

#: Names the event log uses for actors that are not accounts (``system``, ``reporter:<code>``; a colon is never in a username).
RESERVED_USERNAMES = {"system"}
_USERNAME = re.compile(r"[\w.-]{2,80}")


@dataclass(frozen=True)
class Account:
    id: int
    username: str
    display_name: str
    role: str
    department_code: str | None
    grid_code: str | None
    active: bool
    #: The account's current session version (:func:`end_sessions`); a login session of another is over.
    session_version: int = 0
    #: The path of the unit the role is held at (engine/org): the subtree the account sees.
    unit_path: str | None = None

    @property
    def actor(self) -> Actor:
        return Actor(self.username, self.role, self.department_code, self.grid_code, unit_path=self.unit_path)

    @classmethod
    def of(cls, user: User) -> Account:
        return cls(user.id, user.username, user.display_name, user.role, user.department_code,
                   user.grid_code, user.active, user.session_version, user.unit.path if user.unit else None)


def authenticate(session: Session, username: str, password: str) -> Account | None:
    """The account when the password matches an active user; None otherwise (no hint which part was wrong)."""
    user = session.scalar(select(User).where(User.username == username.strip()))
    if user is None or not user.active or is_integration(user.role):  # an integration never logs in
        hash_password(password)  # spend the same time as a real check: no user enumeration by timing
        return None
    return Account.of(user) if check_password(user.password_hash, password) else None


def account_by_id(session: Session, user_id: int) -> Account | None:
    user = session.get(User, user_id)
    return Account.of(user) if user is not None and user.active else None


def session_account(session: Session, user_id: int, session_version: int) -> Account | None:
    """The account of a login session begun at ``session_version``; None once the account's sessions were
    ended since (or it was disabled)."""
    account = account_by_id(session, user_id)
    if account is None or is_integration(account.role):
        return None
    return account if account.session_version == session_version else None


def end_sessions(user: User) -> None:
    """End every login session of ``user`` at once, wherever its cookies went: each cookie names the
    session version it began with, and this one is now older."""
    user.session_version = (user.session_version or 0) + 1


def end_sessions_of(session: Session, user_id: int) -> None:
    """:func:`end_sessions` for the account ``user_id`` (logging out); nothing for an unknown id."""
    user = session.get(User, user_id)
    if user is not None:
        end_sessions(user)


def list_accounts(session: Session, under: str | None = None) -> list[Account]:
    """Every account, or those held in the subtree at path ``under`` (an admin administers only theirs)."""
    stmt = select(User).where(in_subtree(User.unit_id, under)).order_by(User.role, User.username)
    return [Account.of(u) for u in session.scalars(stmt)]


def set_password(session: Session, username: str, password: str) -> Account:
    """A new password for ``username``, if :func:`password_problem` finds none (else nothing changes)."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise ValidationError("用户不存在", {"username": f"用户 {username} 不存在"})
    if is_integration(user.role):
        raise ValidationError("接口账号没有密码", {"password": "接口账号只用接口令牌调用接口，不能设置密码"})
    if problem := password_problem(password, username=user.username, display_name=user.display_name):
        raise ValidationError("密码不符合要求", {"password": problem})
    user.password_hash = hash_password(password)
    end_sessions(user)  # whoever knew the old password (and kept a session open with it) is out
    session.flush()
    return Account.of(user)


def _account_field_errors(session: Session, username: str, display_name: str) -> dict[str, str]:
    """Errors of a new account's username and display name (empty when both are fine)."""
    errors: dict[str, str] = {}
    if not _USERNAME.fullmatch(username) or username.lower() in RESERVED_USERNAMES:
        errors["username"] = "用户名为 2–80 个字母、数字或 . _ -（不能用 system）"
    elif session.scalar(select(User.id).where(User.username == username)) is not None:
        errors["username"] = f"用户名 {username} 已被使用"
    if not display_name or len(display_name) > 100:
        errors["display_name"] = "请填写姓名（最多 100 字）"
    return errors


def add_account(session: Session, username: str, display_name: str, role: str, password: str, *,
                department_code: str | None = None, grid_code: str | None = None) -> Account:
    """A new active account; raises :class:`ValidationError` naming every bad field (nothing is written)."""
    username, display_name = username.strip(), display_name.strip()
    errors = _account_field_errors(session, username, display_name)
    if problem := password_problem(password, username=username, display_name=display_name):
        errors["password"] = problem
    department_code, grid_code = membership_or_errors(session, role, department_code, grid_code, errors)
    if errors:
        raise ValidationError("用户信息有误", errors)
    ensure_user(session, username, display_name, role, department_code=department_code, grid_code=grid_code)
    return set_password(session, username, password)
