"""Single sign-on: the identity provider's people as local accounts (issue 25, part 4).

The web layer checks the provider's ID token (web/sso); this module decides who that person is here.
Admins write the rules (:class:`SsoRule`): "claim ``department`` equals ``城管科`` → role department,
department chengguan", "claim ``groups`` contains ``street-supervisors`` → supervisor". The first rule
that matches, in the admins' order, gives the role and membership on every login, so a move in the
identity system moves the account too; no rule matching is a refusal. The first login links the person
(issuer + subject, :class:`SsoIdentity`) to the local account of the same username, or creates one
without a password; either is logged on ``casegrid.admin`` and kept with its time and rule. A disabled
account stays out whichever way it tries to log in.
"""
from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from engine.clock import to_db
from engine.db import Base
from engine.errors import NotFound, ValidationError
from engine.people.accounts import RESERVED_USERNAMES, Account
from engine.people.directory import _check_keeps_an_admin
from engine.people.membership import check_membership, membership_or_errors
from engine.people.models import User
from engine.people.operations import ensure_user
from engine.people.roles import Role, is_integration

log = logging.getLogger("casegrid.admin")

#: How a rule compares the claim: the same text, or a list (a single text counts as a list of one) holding it.
OPERATORS = {"equals": "等于", "contains": "包含"}
#: Roles a rule may give: every staff role (residents have no staff account, integrations never log in).
RULE_ROLES = tuple(r.value for r in Role if r is not Role.RESIDENT)
#: A claim name, or a dotted path into nested claims (``realm_access.roles``).
_CLAIM = re.compile(r"[A-Za-z0-9_:-]{1,60}(\.[A-Za-z0-9_:-]{1,60}){0,3}")
_USERNAME = re.compile(r"[\w.-]{2,80}")
MAX_VALUE = 200


class SsoRule(Base):
    """One admin-defined mapping: a claim's value → a role (and the department or grid it needs)."""

    __tablename__ = "sso_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Rules are tried in this order (then by id); the first that matches decides.
    position: Mapped[int] = mapped_column(nullable=False, default=0)
    claim: Mapped[str] = mapped_column(String(250), nullable=False)
    operator: Mapped[str] = mapped_column(String(20), nullable=False)
    value: Mapped[str] = mapped_column(String(MAX_VALUE), nullable=False)
    role: Mapped[str] = mapped_column(String(30), nullable=False)
    department_code: Mapped[str | None] = mapped_column(ForeignKey("department.code"), nullable=True)
    grid_code: Mapped[str | None] = mapped_column(ForeignKey("grid.code"), nullable=True)


class SsoIdentity(Base):
    """A person of the identity provider (``issuer`` + ``subject``) linked to a local account."""

    __tablename__ = "sso_identity"
    __table_args__ = (UniqueConstraint("issuer", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer: Mapped[str] = mapped_column(String(255), nullable=False)
    subject: Mapped[str] = mapped_column(String(255), nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False, index=True)
    linked_at: Mapped[datetime] = mapped_column(nullable=False)
    #: ``created`` (a new account) or ``linked`` (the local account of the same username).
    how: Mapped[str] = mapped_column(String(20), nullable=False)
    #: The rule that let the first login in, in words (rules may be deleted later).
    rule: Mapped[str] = mapped_column(String(400), nullable=False)


@dataclass(frozen=True)
class Rule:
    id: int
    position: int
    claim: str
    operator: str
    value: str
    role: str
    department_code: str | None
    grid_code: str | None

    def describe(self) -> str:
        target = self.department_code or self.grid_code
        return f"{self.claim} {self.operator} {self.value} → {self.role}" + (f" ({target})" if target else "")


@dataclass(frozen=True)
class Identity:
    issuer: str
    subject: str
    username: str
    linked_at: datetime
    how: str
    rule: str


class SsoRefused(Exception):
    """The identity provider's person may not log in here; ``reason`` is ``no_rule``, ``disabled`` or
    ``invalid`` (the matching rule names a role its account cannot take now)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


def _rule(row: SsoRule) -> Rule:
    return Rule(row.id, row.position, row.claim, row.operator, row.value, row.role, row.department_code,
                row.grid_code)


def rules(session: Session) -> list[Rule]:
    return [_rule(r) for r in session.scalars(select(SsoRule).order_by(SsoRule.position, SsoRule.id))]


def _has_control(text: str) -> bool:
    return any(ord(c) < 32 or ord(c) == 127 or 0xD800 <= ord(c) <= 0xDFFF for c in text)


def add_rule(session: Session, *, position: int | None, claim: str | None, operator: str | None,
             value: str | None, role: str | None, department_code: str | None, grid_code: str | None,
             by: str) -> Rule:
    """A new rule; :class:`ValidationError` names each bad field and nothing is written."""
    claim, value, role, operator = (claim or "").strip(), (value or "").strip(), role or "", operator or ""
    errors: dict[str, str] = {}
    if not _CLAIM.fullmatch(claim):
        errors["claim"] = "声明名为字母、数字、_ : -，可用 . 取下级（如 realm_access.roles）"
    if operator not in OPERATORS:
        errors["operator"] = "请选择比较方式"
    if not value or len(value) > MAX_VALUE or _has_control(value):
        errors["value"] = f"请填写要比较的值（最多 {MAX_VALUE} 字，不含控制字符）"
    if position is not None and not 0 <= position <= 9999:
        errors["position"] = "顺序为 0–9999"
    if role not in RULE_ROLES:
        errors["role"] = "请选择角色"
    else:
        department_code, grid_code = membership_or_errors(session, role, department_code, grid_code, errors)
    if errors:
        raise ValidationError("规则有误", errors)
    if position is None:
        position = max([r.position for r in rules(session)], default=0) + 10
    row = SsoRule(position=position, claim=claim, operator=operator, value=value, role=role,
                  department_code=department_code, grid_code=grid_code)
    session.add(row)
    session.flush()
    log.info("%s added sign-on rule %d: %s", by, row.id, _rule(row).describe())
    return _rule(row)


def delete_rule(session: Session, rule_id: int, *, by: str) -> None:
    row = session.get(SsoRule, rule_id)
    if row is None:
        raise NotFound(f"规则 {rule_id} 不存在")
    log.info("%s deleted sign-on rule %d: %s", by, row.id, _rule(row).describe())
    # A statement rather than deleting through the session: the integrity test refuses the latter in engine/
    # (it is how an event row would be deleted, so no engine code deletes that way).
    session.execute(delete(SsoRule).where(SsoRule.id == rule_id))
    session.expunge(row)


def _claim_values(claims: Mapping[str, Any], path: str) -> list[str]:
    """The claim at ``path`` as a list of texts (a text or number is a list of one; anything else: none)."""
    value: Any = claims
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    items = value if isinstance(value, list) else [value]
    return [str(v) for v in items if isinstance(v, str | int) and not isinstance(v, bool)]


def matches(rule: Rule, claims: Mapping[str, Any]) -> bool:
    values = _claim_values(claims, rule.claim)
    if rule.operator == "equals":
        return len(values) == 1 and values[0] == rule.value
    return rule.value in values


def matching_rule(session: Session, claims: Mapping[str, Any]) -> Rule | None:
    return next((r for r in rules(session) if matches(r, claims)), None)


def _new_username(session: Session, claims: Mapping[str, Any], issuer: str, subject: str) -> str:
    wanted = claims.get("preferred_username")
    if (isinstance(wanted, str) and _USERNAME.fullmatch(wanted) and wanted.lower() not in RESERVED_USERNAMES
            and session.scalar(select(User.id).where(User.username == wanted)) is None):
        return wanted
    return "sso-" + hashlib.sha256(f"{issuer} {subject}".encode()).hexdigest()[:12]


def _display_name(claims: Mapping[str, Any], username: str) -> str:
    name = claims.get("name")
    if isinstance(name, str) and name.strip() and not _has_control(name):
        return name.strip()[:100]
    return username


def sign_in(session: Session, *, issuer: str, subject: str, claims: Mapping[str, Any], now: datetime) -> Account:
    """The local account of the provider's person ``subject``, its role set by the first matching rule;
    :class:`SsoRefused` when no rule matches or the account is disabled (nothing is written then)."""
    if not subject or len(subject) > 255 or _has_control(subject) or len(issuer) > 255:
        raise SsoRefused("invalid", "the subject or issuer cannot be stored")
    identity = session.scalar(select(SsoIdentity).where(SsoIdentity.issuer == issuer,
                                                        SsoIdentity.subject == subject))
    user = session.get(User, identity.user_id) if identity is not None else None
    if user is None:
        # The first login: the local account of the same username, unless another person holds it already.
        wanted = claims.get("preferred_username")
        local = (session.scalar(select(User).where(User.username == wanted))
                 if isinstance(wanted, str) and _USERNAME.fullmatch(wanted) else None)
        if local is not None and session.scalar(select(SsoIdentity.id).where(
                SsoIdentity.user_id == local.id)) is None:
            user = local
    if user is not None and (not user.active or is_integration(user.role)):
        raise SsoRefused("disabled", user.username)
    rule = matching_rule(session, claims)
    if rule is None:
        raise SsoRefused("no_rule")
    try:
        department_code, grid_code = check_membership(session, rule.role, rule.department_code, rule.grid_code,
                                                      current_department=user.department_code if user else None)
        if user is not None and user.role != rule.role:
            _check_keeps_an_admin(session, user, "role")
    except ValidationError as exc:
        raise SsoRefused("invalid", "; ".join(exc.field_errors.values()) or exc.message) from exc
    if user is None:
        username = _new_username(session, claims, issuer, subject)
        user = ensure_user(session, username, _display_name(claims, username), rule.role,
                           department_code=department_code, grid_code=grid_code)
        how = "created"
    else:
        how = "linked"
        if (user.role, user.department_code, user.grid_code) != (rule.role, department_code, grid_code):
            log.info("sign-on rule %d changed user %s: role %s, department %s, grid %s", rule.id, user.username,
                     rule.role, department_code, grid_code)
        user.role, user.department_code, user.grid_code = rule.role, department_code, grid_code
    if identity is None:
        session.add(SsoIdentity(issuer=issuer, subject=subject, user_id=user.id, linked_at=to_db(now), how=how,
                                rule=rule.describe()[:400]))
        log.info("single sign-on %s user %s for %s at %s (rule %d: %s)", how, user.username, subject, issuer,
                 rule.id, rule.describe())
    session.flush()
    return Account.of(user)


def identities(session: Session) -> list[Identity]:
    """Every linked person, newest first (the admin's page shows who came in through the provider)."""
    rows = session.execute(select(SsoIdentity, User.username).join(User, User.id == SsoIdentity.user_id)
                           .order_by(SsoIdentity.linked_at.desc(), SsoIdentity.id.desc())).all()
    return [Identity(i.issuer, i.subject, username, i.linked_at, i.how, i.rule) for i, username in rows]
