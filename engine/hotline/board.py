"""The supervisors' view of 12345 work orders (web/hotline): the list with filters, one order with its callbacks
and their delivery, and sending a callback that failed for good once more.

Nothing here shows the caller: their contact stays in :class:`~engine.hotline.models.HotlineCaller` only.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case as sql_case
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.cases.models import Case
from engine.clock import as_utc, to_db
from engine.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from engine.hotline.models import HotlineCallback, HotlineOrder
from engine.hotline.operations import ORDER_NO_MAX, _event
from engine.people.actor import Actor
from engine.people.roles import Role

STATES = ("received", "accepted", "objected", "replied", "closed")
#: The states in which the street still owes the platform an answer before the deadline.
OPEN_STATES = ("received", "accepted")
#: ``overdue``: open past the deadline; ``soon``: open, due within :data:`SOON`; ``all``.
DUE_FILTERS = ("all", "overdue", "soon")
SOON = timedelta(hours=24)
LIST_MAX = 200


@dataclass(frozen=True)
class OrderRow:
    order_no: str
    tracking_code: str
    case_title: str
    category: str
    urgency: str
    time_limit_class: str
    deadline: datetime
    received_at: datetime
    state: str
    #: Open past its deadline now.
    overdue: bool
    #: Callbacks not yet taken (pending) and failed for good.
    pending_callbacks: int
    failed_callbacks: int


@dataclass(frozen=True)
class CallbackRow:
    id: int
    seq: int
    event: str
    state: str
    attempts: int
    created_at: datetime
    sent_at: datetime | None
    next_attempt_at: datetime | None
    last_error: str | None


@dataclass(frozen=True)
class OrderDetail:
    order: OrderRow
    case_status: str
    accepted_at: datetime | None
    objected_at: datetime | None
    object_reason: str | None
    replied_at: datetime | None
    reply: str | None
    closed_at: datetime | None
    visit_rating: str | None
    callbacks: list[CallbackRow]


def _supervisor(actor: Actor) -> None:
    if actor.role != Role.SUPERVISOR.value:
        raise PermissionDenied("只有街道督办可以查看和重发 12345 工单回调")


def _counts(session: Session, order_ids: list[int]) -> dict[int, tuple[int, int]]:
    if not order_ids:
        return {}
    pending = func.sum(sql_case((HotlineCallback.state == "pending", 1), else_=0))
    failed = func.sum(sql_case((HotlineCallback.state == "failed", 1), else_=0))
    return {order_id: (int(p or 0), int(f or 0)) for order_id, p, f in session.execute(
        select(HotlineCallback.order_id, pending, failed).where(HotlineCallback.order_id.in_(order_ids))
        .group_by(HotlineCallback.order_id)).tuples()}


def _row(order: HotlineOrder, case: Case, counts: tuple[int, int], now: datetime) -> OrderRow:
    deadline = as_utc(order.deadline)
    return OrderRow(order.order_no, case.tracking_code, case.title, order.category, order.urgency,
                    order.time_limit_class, deadline, as_utc(order.received_at), order.state,
                    order.state in OPEN_STATES and deadline < now, *counts)


def list_orders(session: Session, actor: Actor, *, now: datetime, state: str = "", due: str = "all",
                failed_only: bool = False) -> list[OrderRow]:
    """Work orders, soonest deadline first (at most :data:`LIST_MAX`), filtered by state and deadline."""
    _supervisor(actor)
    errors = {}
    if state and state not in STATES:
        errors["state"] = "状态应为 " + "、".join(STATES)
    if due not in DUE_FILTERS:
        errors["due"] = "时限筛选应为 " + "、".join(DUE_FILTERS)
    if errors:
        raise ValidationError("筛选条件有误", errors)
    stmt = select(HotlineOrder, Case).join(Case, Case.id == HotlineOrder.case_id)
    if state:
        stmt = stmt.where(HotlineOrder.state == state)
    if due != "all":
        stmt = stmt.where(HotlineOrder.state.in_(OPEN_STATES))
        stmt = stmt.where(HotlineOrder.deadline < to_db(now)) if due == "overdue" else stmt.where(
            HotlineOrder.deadline >= to_db(now), HotlineOrder.deadline < to_db(now + SOON))
    if failed_only:
        stmt = stmt.where(HotlineOrder.id.in_(select(HotlineCallback.order_id)
                                              .where(HotlineCallback.state == "failed")))
    rows = session.execute(stmt.order_by(HotlineOrder.deadline, HotlineOrder.id).limit(LIST_MAX)).tuples().all()
    counts = _counts(session, [order.id for order, _ in rows])
    return [_row(order, case, counts.get(order.id, (0, 0)), now) for order, case in rows]


def _order(session: Session, order_no: str) -> tuple[HotlineOrder, Case]:
    row = session.scalar(select(HotlineOrder).where(HotlineOrder.order_no == (order_no or "")[:ORDER_NO_MAX]))
    case = session.get(Case, row.case_id) if row is not None else None
    if row is None or case is None:
        raise NotFound("工单不存在")
    return row, case


def order_detail(session: Session, order_no: str, actor: Actor, *, now: datetime) -> OrderDetail:
    _supervisor(actor)
    row, case = _order(session, order_no)
    callbacks = list(session.scalars(select(HotlineCallback).where(HotlineCallback.order_id == row.id)
                                     .order_by(HotlineCallback.seq)))
    pending = sum(c.state == "pending" for c in callbacks)
    failed = sum(c.state == "failed" for c in callbacks)
    return OrderDetail(
        _row(row, case, (pending, failed), now), case.status, _utc(row.accepted_at), _utc(row.objected_at),
        row.object_reason, _utc(row.replied_at), row.reply, _utc(row.closed_at), row.visit_rating,
        [CallbackRow(c.id, c.seq, c.event, c.state, c.attempts, as_utc(c.created_at), _utc(c.sent_at),
                     _utc(c.next_attempt_at), c.last_error) for c in callbacks])


def _utc(value: datetime | None) -> datetime | None:
    return as_utc(value) if value is not None else None


def retry_callback(session: Session, callback_id: int, actor: Actor, *, at: datetime) -> HotlineCallback:
    """A callback that failed for good is due again now, with a fresh round of attempts (same body and key:
    the platform still drops a repeat); the callbacks after it wait for it as before. One case event says who."""
    _supervisor(actor)
    row = session.get(HotlineCallback, callback_id)
    if row is None:
        raise NotFound("回调不存在")
    order = session.get(HotlineOrder, row.order_id)
    case = session.get(Case, order.case_id) if order is not None else None
    assert order is not None and case is not None
    if row.state != "failed":
        raise ConflictError(f"工单 {order.order_no} 的第 {row.seq} 次回调{'已送达' if row.state == 'sent' else '正在发送'}，"
                            "无需重发")
    row.state, row.attempts, row.next_attempt_at = "pending", 0, to_db(at)
    _event(session, case, "hotline_callback_retried", actor, at, order_no=order.order_no, seq=row.seq,
           callback_event=row.event)
    session.flush()
    return row
