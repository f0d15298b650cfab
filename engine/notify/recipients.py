"""Who a notification's recipient names: staff members (with their choices) or the case's resident."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.cases.models import Notification
from engine.notify.models import Delivery, NotificationPreference, ResidentSubscription
from engine.people.models import User
from engine.people.resident_identity import RECIPIENT_PREFIX
from engine.people.roles import Role
from engine.privacy.phone_index import phone_of

RESIDENT = "resident"


@dataclass(frozen=True)
class Person:
    """Someone to tell, and where: ``username`` is None for a resident."""

    username: str | None
    #: External channel → address the person chose (``{"email": "a@b.cn", "sms": "138…"}``).
    addresses: dict[str, str]
    quiet_start: int | None = None
    quiet_end: int | None = None
    locale: str = "zh_CN"


def _users(session: Session, recipient: str) -> list[User]:
    kind, _, value = recipient.partition(":")
    stmt = select(User).where(User.active.is_(True))
    if kind == "user":
        stmt = stmt.where(User.username == value)
    elif kind == "department":
        stmt = stmt.where(User.role == Role.DEPARTMENT.value, User.department_code == value)
    elif kind == "grid":
        stmt = stmt.where(User.role == Role.GRID_WORKER.value, User.grid_code == value)
    elif recipient in {r.value for r in Role}:
        stmt = stmt.where(User.role == recipient)
    else:
        return []
    return list(session.scalars(stmt.order_by(User.username)))


def _staff(session: Session, recipient: str) -> list[Person]:
    users = _users(session, recipient)
    if not users:
        return []
    prefs = {p.username: p for p in session.scalars(
        select(NotificationPreference).where(NotificationPreference.username.in_([u.username for u in users])))}
    people = []
    for user in users:
        pref = prefs.get(user.username)
        if pref is None:
            people.append(Person(user.username, {}))
            continue
        wanted = {c for c in pref.channels.split(",") if c}
        addresses = {channel: address for channel, address in
                     (("email", pref.email), ("sms", pref.phone), ("wechat", pref.phone))
                     if channel in wanted and address}
        people.append(Person(user.username, addresses, pref.quiet_start, pref.quiet_end, pref.locale))
    return people


def _resident(session: Session, case_id: int) -> list[Person]:
    sub = session.get(ResidentSubscription, case_id)
    if sub is None or sub.withdrawn_at is not None:
        return []  # no consent, or withdrawn: nothing more is sent
    return [Person(None, {sub.channel: sub.address}, locale=sub.locale)]


def people_for(session: Session, notification: Notification) -> list[Person]:
    if notification.recipient.startswith(RECIPIENT_PREFIX):  # a residents' app's code: the phone that asked
        phone = phone_of(session, notification.recipient)
        return [Person(None, {"sms": phone})] if phone else []
    if notification.recipient == RESIDENT:
        return _resident(session, notification.case_id) if notification.case_id is not None else []
    return _staff(session, notification.recipient)


def locales_of(session: Session, deliveries: list[Delivery], notes: dict[int, Notification]) -> dict[int, str]:
    """Delivery id → the language its person reads (their preference, or the one they reported in)."""
    users = {d.username for d in deliveries if d.username}
    prefs = {p.username: p.locale for p in session.scalars(
        select(NotificationPreference).where(NotificationPreference.username.in_(users)))} if users else {}
    case_ids = {notes[d.notification_id].case_id for d in deliveries if d.username is None}
    subs = {r.case_id: r.locale for r in session.scalars(
        select(ResidentSubscription).where(ResidentSubscription.case_id.in_(case_ids)))} if case_ids else {}
    return {d.id: prefs.get(d.username, "zh_CN") if d.username else
            subs.get(notes[d.notification_id].case_id, "zh_CN") for d in deliveries}
