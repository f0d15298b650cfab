"""Integration accounts: the credential an outside system (the city's 12345 hotline platform) calls with.

An integration account is a ``user_account`` row whose role is an *integration role* — deliberately not one
of :class:`~engine.people.roles.Role`, so no diagram lane, inbox, navigation link, notification or role list
of any route can name it. The one route family that does is its own API (``/api/hotline``'s platform calls).
It has no password (it cannot log in, not through the form, not with HTTP Basic, and it can never be given
one); it calls only with API tokens (:mod:`engine.people.tokens`) that admins issue and revoke. Admins create
and list integration accounts; disabling one (the users page) stops every token of it at once.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.clock import to_db
from engine.errors import ValidationError
from engine.people.accounts import Account, _account_field_errors
from engine.people.models import User
from engine.people.roles import HOTLINE_PLATFORM, INTEGRATION_ROLES, is_integration
from engine.people.tokens import ApiToken

log = logging.getLogger("casegrid.admin")

__all__ = ["HOTLINE_PLATFORM", "INTEGRATION_ROLES", "IntegrationAccount", "create_integration_account",
           "is_integration", "list_integration_accounts"]

@dataclass(frozen=True)
class IntegrationAccount:
    """An integration account as the admin page lists it."""

    account: Account
    role_label: str
    active_tokens: int
    last_used_at: datetime | None


def create_integration_account(session: Session, username: str, display_name: str, role: str, *,
                               by: str) -> Account:
    """A new integration account (no password, no department or grid); every bad field named, nothing written."""
    username, display_name = (username or "").strip(), (display_name or "").strip()
    errors = _account_field_errors(session, username, display_name)
    if role not in INTEGRATION_ROLES:
        errors["role"] = f"未知的接口角色 {role}"
    if errors:
        raise ValidationError("接口账号信息有误", errors)
    user = User(username=username, display_name=display_name, role=role, password_hash=None, active=True)
    session.add(user)
    session.flush()
    log.info("%s created integration account %s (role %s)", by, username, role)
    return Account.of(user)


def list_integration_accounts(session: Session, *, now: datetime) -> list[IntegrationAccount]:
    """Every integration account, with how many of its tokens are active now and when one was last used."""
    users = list(session.scalars(select(User).where(User.role.in_(list(INTEGRATION_ROLES)))
                                 .order_by(User.username)))
    stats = {user_id: (count, last) for user_id, count, last in session.execute(
        select(ApiToken.user_id, func.count(ApiToken.id), func.max(ApiToken.last_used_at))
        .where(ApiToken.user_id.in_([u.id for u in users]), ApiToken.revoked_at.is_(None),
               (ApiToken.expires_at.is_(None)) | (ApiToken.expires_at > to_db(now)))
        .group_by(ApiToken.user_id)).tuples()}
    return [IntegrationAccount(Account.of(u), INTEGRATION_ROLES[u.role], *stats.get(u.id, (0, None)))
            for u in users]
