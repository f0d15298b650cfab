"""Accounts as the interfaces see them: plain values, never ORM rows."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import ValidationError
from engine.people.actor import Actor
from engine.people.models import User
from engine.people.operations import ensure_user
from engine.people.passwords import check_password, hash_password

MIN_PASSWORD_LENGTH = 8


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


def add_account(session: Session, username: str, display_name: str, role: str, password: str, *,
                department_code: str | None = None, grid_code: str | None = None) -> Account:
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise ValidationError("用户已存在", {"username": f"用户名 {username} 已被使用"})
    ensure_user(session, username, display_name, role, department_code=department_code, grid_code=grid_code)
    return set_password(session, username, password)
