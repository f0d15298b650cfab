"""The in-app notification centre: a staff member's own deliveries, newest first; nobody else's."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from engine.cases.models import Case, Notification
from engine.clock import as_utc, to_db
from engine.errors import NotFound
from engine.notify import wording
from engine.notify.models import Delivery, NotificationPreference
from engine.notify.outbox import INAPP


@dataclass(frozen=True)
class Notice:
    id: int
    kind: str
    subject: str
    text: str
    link: str
    tracking_code: str
    created_at: datetime
    read: bool


def _own(username: str):  # type: ignore[no-untyped-def]
    return (Delivery.username == username, Delivery.channel == INAPP)


def unread_count(session: Session, username: str) -> int:
    return session.scalar(select(func.count()).select_from(Delivery)
                          .where(*_own(username), Delivery.read_at.is_(None))) or 0


def notices(session: Session, username: str, *, unread_only: bool = False, limit: int = 50,
            offset: int = 0, locale: str = "zh_CN") -> list[Notice]:
    """``locale``: the language to word them in when the person chose none in their settings (the page's)."""
    stmt = (select(Delivery, Notification, Case).join(Notification, Delivery.notification_id == Notification.id)
            .outerjoin(Case, Notification.case_id == Case.id).where(*_own(username))
            .order_by(Delivery.id.desc()).limit(limit).offset(offset))
    if unread_only:
        stmt = stmt.where(Delivery.read_at.is_(None))
    locale = session.scalar(select(NotificationPreference.locale)
                            .where(NotificationPreference.username == username)) or locale
    result = []
    catalogue = wording.Catalogue(session)
    for delivery, note, case in session.execute(stmt):
        subject, text = catalogue.render(note, case, locale)
        result.append(Notice(delivery.id, note.kind, subject, text, wording.link(note, case),
                             case.tracking_code if case else "",
                             as_utc(note.created_at), delivery.read_at is not None))
    return result


def mark_read(session: Session, username: str, delivery_id: int, at: datetime) -> Notice:
    """Mark one of ``username``'s notifications read; another person's id is "not found", as a missing one."""
    row = session.scalar(select(Delivery).where(Delivery.id == delivery_id, *_own(username)))
    if row is None:
        raise NotFound("通知不存在")
    if row.read_at is None:
        row.read_at = to_db(at)
    note = session.get(Notification, row.notification_id)
    assert note is not None  # the foreign key holds it
    case = session.get(Case, note.case_id) if note.case_id is not None else None
    return Notice(row.id, note.kind, "", note.message, wording.link(note, case),
                  case.tracking_code if case else "", as_utc(note.created_at), True)


def mark_all_read(session: Session, username: str, at: datetime) -> int:
    result = session.execute(update(Delivery).where(*_own(username), Delivery.read_at.is_(None))
                             .values(read_at=to_db(at)))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
