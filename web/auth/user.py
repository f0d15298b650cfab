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
        """What the session cookie keeps: the account and the session version it logged in at."""
        return f"{self.account.id}.{self.account.session_version}"

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


def load_user(session_id: str) -> WebUser | None:
    """The user of a session cookie, checked against the database on every request: once the account's
    sessions were ended (logout, password change or reset, disabling) its older cookies log in nobody."""
    user_id, _, version = session_id.partition(".")
    if not (user_id.isdigit() and version.isdigit()):
        return None  # a cookie from before session versions, or forged: not a login
    account = services.people().session_account(int(user_id), int(version))
    return WebUser(account) if account is not None else None
