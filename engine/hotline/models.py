"""12345 hotline work orders (工单): the order as the city's platform sent it, its caller, its callbacks."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base


class HotlineOrder(Base):
    """One work order dispatched to the street, and the case it became."""

    __tablename__ = "hotline_order"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The hotline's own order number (工单编号): unique, how the platform names the order in every call.
    order_no: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), nullable=False, unique=True)
    #: The hotline's category as sent (the case's is the street's category it maps to).
    category: Mapped[str] = mapped_column(String(100), nullable=False)
    #: 时限类别 as sent (e.g. 即时办理, 1 个工作日, 3 个工作日, 5 个工作日, 15 个工作日).
    time_limit_class: Mapped[str] = mapped_column(String(40), nullable=False)
    #: The hotline's deadline for the reply (UTC); the street's own deadlines never replace it.
    deadline: Mapped[datetime] = mapped_column(nullable=False)
    #: normal, urgent or critical (一般 / 紧急 / 特急), as the case's priority.
    urgency: Mapped[str] = mapped_column(String(10), nullable=False)
    received_at: Mapped[datetime] = mapped_column(nullable=False)
    #: received, accepted, objected, replied, closed.
    state: Mapped[str] = mapped_column(String(20), nullable=False)
    accepted_at: Mapped[datetime | None] = mapped_column(nullable=True)
    #: 退回: when and why the street objected to the dispatch (at most once).
    objected_at: Mapped[datetime | None] = mapped_column(nullable=True)
    object_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    replied_at: Mapped[datetime | None] = mapped_column(nullable=True)
    reply: Mapped[str | None] = mapped_column(Text, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    #: The hotline's 回访 rating of the caller (satisfied, basically, dissatisfied).
    visit_rating: Mapped[str | None] = mapped_column(String(20), nullable=True)

    def __repr__(self) -> str:
        return f"<HotlineOrder {self.order_no} case={self.case_id} {self.state}>"


class HotlineCaller(Base):
    """Who called the hotline. **Sensitive personal data, kept only here** (the case carries none of it), as
    ciphertext under the case's data key (engine/privacy; catalogued there), erased when the key is shredded."""

    __tablename__ = "hotline_caller"

    order_id: Mapped[int] = mapped_column(ForeignKey("hotline_order.id"), primary_key=True)
    name: Mapped[str | None] = mapped_column(Text, nullable=True)
    phone: Mapped[str | None] = mapped_column(Text, nullable=True)

    def __repr__(self) -> str:
        return f"<HotlineCaller order={self.order_id}>"


class HotlineCallback(Base):
    """One signed callback to the platform: sent in order per work order, retried until it is taken."""

    __tablename__ = "hotline_callback"
    __table_args__ = (UniqueConstraint("order_id", "seq", name="uq_hotline_callback_order_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("hotline_order.id"), nullable=False, index=True)
    #: 1, 2, 3 … within the order: callback n+1 waits until n was taken.
    seq: Mapped[int] = mapped_column(nullable=False)
    #: accepted, objected, replied, closed.
    event: Mapped[str] = mapped_column(String(20), nullable=False)
    #: The JSON body, fixed when the event happened (a retry sends the same bytes).
    body: Mapped[str] = mapped_column(Text, nullable=False)
    #: The same for every attempt: the platform drops a repeat it already took.
    idempotency_key: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    #: pending, sent, failed.
    state: Mapped[str] = mapped_column(String(10), nullable=False, index=True)
    attempts: Mapped[int] = mapped_column(nullable=False, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(nullable=False)
    sent_at: Mapped[datetime | None] = mapped_column(nullable=True)

    def __repr__(self) -> str:
        return f"<HotlineCallback order={self.order_id} #{self.seq} {self.event} {self.state}>"
