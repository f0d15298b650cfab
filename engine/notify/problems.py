"""What admins see of the outbox: deliveries that failed or are retrying, with the error; and resend."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.cases.models import Case, Notification
from engine.clock import as_utc, to_db
from engine.errors import ConflictError, NotFound
from engine.notify.models import FAILED, PENDING, SENT, Delivery


@dataclass(frozen=True)
class DeliveryProblem:
    id: int
    channel: str
    #: Whom: a username, or a masked address for a resident.
    to: str
    kind: str
    tracking_code: str
    state: str
    attempts: int
    last_error: str
    next_attempt_at: datetime | None
    created_at: datetime


@dataclass(frozen=True)
class OutboxState:
    waiting: int
    pending: int
    failed: int
    sent: int


def mask(address: str | None) -> str:
    """Enough to tell two addresses apart, not enough to contact the person."""
    if not address:
        return ""
    if "@" in address:
        name, _, domain = address.partition("@")
        return f"{name[:1]}***@{domain}"
    return f"{address[:3]}****{address[-2:]}" if len(address) > 6 else "****"


def problems(session: Session, *, limit: int = 100) -> list[DeliveryProblem]:
    """Failed deliveries and pending ones that have an error (retrying), newest first."""
    stmt = (select(Delivery, Notification.kind, Case.tracking_code)
            .join(Notification, Delivery.notification_id == Notification.id)
            .outerjoin(Case, Notification.case_id == Case.id)
            .where((Delivery.state == FAILED) | ((Delivery.state == PENDING) & Delivery.last_error.is_not(None)))
            .order_by(Delivery.id.desc()).limit(limit))
    return [DeliveryProblem(d.id, d.channel, d.username or mask(d.address), kind, code or "", d.state, d.attempts,
                            d.last_error or "", as_utc(d.next_attempt_at) if d.next_attempt_at else None,
                            as_utc(d.created_at))
            for d, kind, code in session.execute(stmt)]


def outbox_state(session: Session) -> OutboxState:
    counts: dict[str, int] = dict(session.execute(select(Delivery.state, func.count()).where(Delivery.channel != "inapp")
                                  .group_by(Delivery.state)).all())
    waiting = session.scalar(select(func.count()).select_from(Notification).where(Notification.sent_at.is_(None)))
    return OutboxState(waiting or 0, counts.get(PENDING, 0), counts.get(FAILED, 0), counts.get(SENT, 0))


def resend(session: Session, delivery_id: int, at: datetime) -> None:
    """Try a failed (or retrying) delivery again at once, with its same idempotency key."""
    row = session.get(Delivery, delivery_id)
    if row is None or row.channel == "inapp":
        raise NotFound("投递记录不存在")
    if row.state == SENT:
        raise ConflictError("该消息已送达，不再重发")
    row.state, row.attempts, row.next_attempt_at = PENDING, 0, to_db(at)
