"""The logged-in user as Flask-Login wants it, built from the engine's :class:`Account`."""
from __future__ import annotations

from dataclasses import dataclass

from flask_login import UserMixin

from engine import Actor
from engine.people.accounts import Account
from web import services


@dataclass(frozen=True)
class WebUser(UserMixin):
    account: Account

    def get_id(self) -> str:
        return str(self.account.id)

    @property
    def role(self) -> str:
        return self.account.role

    @property
    def username(self) -> str:
        return self.account.username

    @property
    def display_name(self) -> str:
        return self.account.display_name

    @property
    def actor(self) -> Actor:
        return self.account.actor


def load_user(user_id: str) -> WebUser | None:
    if not user_id.isdigit():
        return None
    account = services.people().account(int(user_id))
    return WebUser(account) if account is not None else None
