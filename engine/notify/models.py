"""Where a notification goes: one ``delivery`` per person and channel, and what people chose to receive.

A ``notification`` row (:class:`engine.cases.models.Notification`) says *what* happened and to whom in
domain terms (a role, a department, a user, the case's resident). The outbox fans it out into deliveries:
one in-app row per staff member (their bell) and one row per external channel (e-mail, SMS, WeChat) that
is configured and that the person chose. Each delivery carries its own idempotency key to the receiver.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.cases.models import WorkItem

from engine.db import Base

#: Delivery states: ``pending`` (to be tried at ``next_attempt_at``), ``sent``, ``failed`` (gave up; an admin
#: may resend it), ``cancelled`` (the resident withdrew consent before it went out).
PENDING, SENT, FAILED, CANCELLED = "pending", "sent", "failed", "cancelled"


class Delivery(Base):
    __tablename__ = "delivery"
    __table_args__ = (
        Index("ix_delivery_state_next", "state", "next_attempt_at"),
        Index("ix_delivery_user_channel_read", "username", "channel", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notification.id"), nullable=False, index=True)
    #: ``inapp``, ``email``, ``sms``, ``wechat`` or ``log``.
    channel: Mapped[str] = mapped_column(String(20), nullable=False)
    #: The staff member (None for a resident).
    username: Mapped[str | None] = mapped_column(String(80), nullable=True)
    #: E-mail address or phone number: personal data, shown to admins masked.
    address: Mapped[str | None] = mapped_column(String(200), nullable=True)
    #: Sent with every attempt, so a receiver that got an attempt whose answer was lost drops the repeat.
    idempotency_key: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    state: Mapped[str] = mapped_column(String(20), nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    #: When the next attempt may start; while an attempt runs, the end of its lease.
    next_attempt_at: Mapped[datetime | None] = mapped_column(nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(nullable=False)
    sent_at: Mapped[datetime | None] = mapped_column(nullable=True)
    #: In-app only: when the person opened or dismissed it.
    read_at: Mapped[datetime | None] = mapped_column(nullable=True)

    def __repr__(self) -> str:
        return f"<Delivery {self.id} n={self.notification_id} {self.channel} {self.state}>"


class NotificationPreference(Base):
    """One staff member's choices; without a row they get in-app notifications only."""

    __tablename__ = "notification_preference"

    username: Mapped[str] = mapped_column(String(80), ForeignKey("user_account.username"), primary_key=True)
    email: Mapped[str | None] = mapped_column(String(200), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(40), nullable=True)
    #: External channels wanted, comma-separated (``email,sms``); in-app is always on.
    channels: Mapped[str] = mapped_column(String(60), nullable=False, default="")
    #: Quiet hours, minutes after local midnight; non-urgent external messages wait until they end.
    quiet_start: Mapped[int | None] = mapped_column(Integer, nullable=True)
    quiet_end: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: ``zh_CN`` or ``en``: which template the person's messages use.
    locale: Mapped[str] = mapped_column(String(10), nullable=False, default="zh_CN")

    def __repr__(self) -> str:
        return f"<NotificationPreference {self.username} {self.channels!r}>"


class NotificationTemplate(Base):
    """An admin's wording for one kind of message in one language (sandboxed Jinja)."""

    __tablename__ = "notification_template"
    __table_args__ = (UniqueConstraint("kind", "locale", name="uq_notification_template_kind_locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    locale: Mapped[str] = mapped_column(String(10), nullable=False)
    subject: Mapped[str] = mapped_column(String(200), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    updated_by: Mapped[str] = mapped_column(String(80), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(nullable=False)

    def __repr__(self) -> str:
        return f"<NotificationTemplate {self.kind} {self.locale}>"


class ResidentSubscription(Base):
    """A reporter's wish to hear about their case, with the consent they gave (personal data)."""

    __tablename__ = "resident_subscription"

    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), primary_key=True)
    #: ``email`` or ``sms``.
    channel: Mapped[str] = mapped_column(String(20), nullable=False)
    address: Mapped[str] = mapped_column(String(200), nullable=False)
    #: The consent wording's version and when it was given.
    consent_text: Mapped[str] = mapped_column(String(300), nullable=False)
    consented_at: Mapped[datetime] = mapped_column(nullable=False)
    #: Set when the resident withdrew consent through their private link: nothing is sent after it.
    withdrawn_at: Mapped[datetime | None] = mapped_column(nullable=True)
    locale: Mapped[str] = mapped_column(String(10), nullable=False, default="zh_CN")

    def __repr__(self) -> str:
        return f"<ResidentSubscription case={self.case_id} {self.channel}>"


class DeadlineWatch(Base):
    """When an open work item's next deadline reminder (50 %, 80 %, 100 %) is due: the sweep reads only due rows."""

    __tablename__ = "deadline_watch"

    work_item_id: Mapped[int] = mapped_column(ForeignKey("work_item.id"), primary_key=True)
    work_item: Mapped[WorkItem] = relationship(lazy="raise")
    next_at: Mapped[datetime] = mapped_column(nullable=False, index=True)
    #: The highest reminder already sent: 0, 50, 80 or 100.
    level_done: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    def __repr__(self) -> str:
        return f"<DeadlineWatch item={self.work_item_id} {self.level_done}% next={self.next_at}>"

