"""Accounts as the interfaces see them: plain values, never ORM rows."""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import ValidationError
from engine.people.actor import Actor
from engine.people.membership import check_membership
from engine.people.models import User
from engine.people.operations import ensure_user
from engine.people.passwords import check_password, hash_password

MIN_PASSWORD_LENGTH = 8
#: Names the event log uses for actors that are not accounts (``system``, ``resident:<code>``).
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

    @property
    def actor(self) -> Actor:
        return Actor(self.username, self.role, self.department_code, self.grid_code)

    @classmethod
    def of(cls, user: User) -> Account:
        return cls(user.id, user.username, user.display_name, user.role, user.department_code,
                   user.grid_code, user.active)


def authenticate(session: Session, username: str, password: str) -> Account | None:
    """The account when the password matches an active user; None otherwise (no hint which part was wrong)."""
    user = session.scalar(select(User).where(User.username == username.strip()))
    if user is None or not user.active:
        hash_password(password)  # spend the same time as a real check: no user enumeration by timing
        return None
    return Account.of(user) if check_password(user.password_hash, password) else None


def account_by_id(session: Session, user_id: int) -> Account | None:
    user = session.get(User, user_id)
    return Account.of(user) if user is not None and user.active else None


def list_accounts(session: Session) -> list[Account]:
    return [Account.of(u) for u in session.scalars(select(User).order_by(User.role, User.username))]


def set_password(session: Session, username: str, password: str) -> Account:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError("密码不符合要求", {"password": f"密码至少 {MIN_PASSWORD_LENGTH} 位"})
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise ValidationError("用户不存在", {"username": f"用户 {username} 不存在"})
    user.password_hash = hash_password(password)
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
    if len(password) < MIN_PASSWORD_LENGTH:
        errors["password"] = f"密码至少 {MIN_PASSWORD_LENGTH} 位"
    try:
        department_code, grid_code = check_membership(session, role, department_code, grid_code)
    except ValidationError as exc:
        errors.update(exc.field_errors)
    if errors:
        raise ValidationError("用户信息有误", errors)
    ensure_user(session, username, display_name, role, department_code=department_code, grid_code=grid_code)
    return set_password(session, username, password)
