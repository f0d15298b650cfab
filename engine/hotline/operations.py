"""12345 work orders into cases, and the street's answers back (docs/hotline.md).

Every change is one transaction with its case event; each answer the platform must hear about adds one
:class:`~engine.hotline.models.HotlineCallback` row in the same transaction (the outbox pattern), which
:mod:`engine.hotline.callbacks` delivers signed, in order, at least once (once with the platform's dedup).
"""
from __future__ import annotations

import json
import math
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.cases.chain import append_event
from engine.cases.hooks import HookRegistry
from engine.cases.intake import PRIORITIES, Intake
from engine.cases.models import Case, WorkItem
from engine.cases.operations import complete_task, open_case
from engine.clock import as_utc, to_db
from engine.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from engine.hotline.models import HotlineCallback, HotlineCaller, HotlineOrder
from engine.people.actor import Actor, reporter_account
from engine.people.category import Category
from engine.people.roles import Role
from engine.privacy.keys import encrypt_field
from engine.cases.location import CaseLocation

#: Whom a work order's reporter key is issued to: the hotline acting for its caller (回访).
HANDLE_PREFIX = "hotline:"
#: The hotline's urgency words (and ours) → the case's priority.
URGENCIES = {"一般": "normal", "紧急": "urgent", "特急": "critical", **{p: p for p in PRIORITIES}}
RATINGS = ("satisfied", "basically", "dissatisfied")
#: The street category a hotline category falls back to when neither its name nor the admin's map knows it.
FALLBACK_CATEGORY = "其他"
ORDER_NO_MAX = 64
TEXT_MAX = 4000
PLATFORM = Actor("hotline:12345", Role.SUPERVISOR.value)


@dataclass(frozen=True)
class WorkOrder:
    """A work order as the platform sends it (already parsed; :func:`check_order` judges it)."""

    order_no: str
    category: str
    content: str
    time_limit_class: str
    #: The hotline's deadline, with its offset.
    deadline: datetime
    urgency: str = "一般"
    address: str | None = None
    lat: float | None = None
    long: float | None = None
    grid_code: str | None = None
    #: The caller (sensitive: stored only in :class:`HotlineCaller`).
    caller_name: str | None = None
    caller_phone: str | None = None


def check_order(order: WorkOrder, now: datetime) -> None:
    errors: dict[str, str] = {}
    if not order.order_no or len(order.order_no) > ORDER_NO_MAX or not order.order_no.isprintable():
        errors["order_no"] = f"工单编号必填，最多 {ORDER_NO_MAX} 个字符"
    if not order.category or len(order.category) > 100:
        errors["category"] = "工单类别必填，最多 100 个字符"
    if not order.content.strip() or len(order.content) > TEXT_MAX:
        errors["content"] = f"工单内容必填，最多 {TEXT_MAX} 字"
    if not order.time_limit_class or len(order.time_limit_class) > 40:
        errors["time_limit_class"] = "时限类别必填，最多 40 个字符"
    if order.deadline.tzinfo is None:
        errors["deadline"] = "办理时限须带时区，例如 2026-12-09T17:30:00+08:00"
    elif as_utc(order.deadline) <= now:
        errors["deadline"] = "办理时限已过"
    if order.urgency not in URGENCIES:
        errors["urgency"] = "紧急程度应为 一般、紧急 或 特急"
    if (order.lat is None) != (order.long is None):
        errors["lat" if order.lat is None else "long"] = "lat 和 long 须一起提供"
    for name, number, bound in (("lat", order.lat, 90), ("long", order.long, 180)):
        if number is not None and (not math.isfinite(number) or abs(number) > bound):
            errors[name] = f"应为 -{bound} 到 {bound} 之间的数"
    if not (order.address or "").strip() and order.lat is None:
        errors["address"] = "请提供地址或经纬度"
    for name, value, most in (("address", order.address, 300), ("caller_name", order.caller_name, 100),
                              ("caller_phone", order.caller_phone, 40)):
        if value is not None and len(value) > most:
            errors[name] = f"最多 {most} 个字符"
    if errors:
        raise ValidationError("工单有误", errors)


def street_category(session: Session, category: str, mapping: dict[str, str]) -> str:
    """The street's active category for a hotline category: the same name, the admin's map, else 其他."""
    names = set(session.scalars(select(Category.name).where(Category.active.is_(True))))
    for candidate in (category, mapping.get(category), category.split("/")[-1].strip(), FALLBACK_CATEGORY):
        if candidate in names:
            return candidate
    raise ValidationError("工单有误", {"category": f"工单类别 {category} 无法对应本街道的问题类别"})


def _event(session: Session, case: Case, type_: str, actor: Actor, at: datetime, **payload: Any) -> None:
    append_event(session, case, type=type_, actor=actor.username, role=actor.role, at=at, payload=payload)


def _callback(session: Session, order: HotlineOrder, event: str, at: datetime, **fields: Any) -> None:
    seq = (session.scalar(select(func.max(HotlineCallback.seq)).where(HotlineCallback.order_id == order.id))
           or 0) + 1
    key = uuid.uuid4().hex
    body = json.dumps({"id": key, "order_no": order.order_no, "event": event, "seq": seq,
                       "at": as_utc(at).isoformat(timespec="seconds"), **fields}, ensure_ascii=False,
                      sort_keys=True)
    session.add(HotlineCallback(order_id=order.id, seq=seq, event=event, body=body, idempotency_key=key,
                                state="pending", attempts=0, next_attempt_at=to_db(at), created_at=to_db(at)))


def receive(session: Session, order: WorkOrder, *, at: datetime, hooks: HookRegistry,
            mapping: dict[str, str]) -> tuple[HotlineOrder, Case, bool]:
    """Open the order's case (or find it: the platform may send an order again); ``(order, case, new)``."""
    check_order(order, at)
    existing = session.scalar(select(HotlineOrder).where(HotlineOrder.order_no == order.order_no))
    if existing is not None:
        case = session.get(Case, existing.case_id)
        assert case is not None
        return existing, case, False
    intake = Intake(description=order.content.strip(), category=street_category(session, order.category, mapping),
                    channel="hotline_order", title=f"12345 工单 {order.order_no}", address=order.address,
                    grid_code=order.grid_code or None, priority=URGENCIES[order.urgency])
    # The reporter key is the hotline's, for its 回访 (issued to it directly: no read-back and update after).
    opened = open_case(session, intake, actor=PLATFORM, at=at, hooks=hooks, key_holder=HANDLE_PREFIX + order.order_no)
    row = HotlineOrder(order_no=order.order_no, case_id=opened.case.id, category=order.category,
                       time_limit_class=order.time_limit_class, deadline=to_db(order.deadline),
                       urgency=URGENCIES[order.urgency], received_at=to_db(at), state="received")
    session.add(row)
    session.flush()
    session.add(HotlineCaller(order_id=row.id, name=encrypt_field(session, opened.case, order.caller_name),
                              phone=encrypt_field(session, opened.case, order.caller_phone)))
    if order.lat is not None and order.long is not None:
        session.add(CaseLocation(case_id=opened.case.id, lat=order.lat, long=order.long))
    _event(session, opened.case, "hotline_order_received", PLATFORM, at, order_no=order.order_no,
           category=order.category, time_limit_class=order.time_limit_class,
           deadline=as_utc(order.deadline).isoformat(timespec="seconds"), urgency=row.urgency)
    session.flush()
    return row, opened.case, True


def find(session: Session, order_no: str, actor: Actor) -> tuple[HotlineOrder, Case]:
    """The order and its case, when ``actor`` may act on it (supervisors; the case's grid); else NotFound."""
    row = session.scalar(select(HotlineOrder).where(HotlineOrder.order_no == (order_no or "")[:ORDER_NO_MAX]))
    case = session.get(Case, row.case_id) if row is not None else None
    if row is None or case is None:
        raise NotFound("工单不存在")
    if actor.role == Role.SUPERVISOR.value:
        return row, case
    if actor.role == Role.GRID_WORKER.value and (case.grid_code is None or case.grid_code == actor.grid_code):
        return row, case
    if actor.role == Role.GRID_WORKER.value:
        raise NotFound("工单不存在")
    raise PermissionDenied("当前角色无权办理 12345 工单")


def _required_text(text: str | None, field: str, what: str) -> str:
    value = (text or "").strip()
    if not value or len(value) > TEXT_MAX:
        raise ValidationError(f"{what}有误", {field: f"请填写{what}（最多 {TEXT_MAX} 字）"})
    return value


def accept(session: Session, order_no: str, *, actor: Actor, at: datetime) -> HotlineOrder:
    row, case = find(session, order_no, actor)
    if row.state != "received":
        raise ConflictError(f"工单 {row.order_no} 已{_STATE_WORDS[row.state]}，不能再签收")
    row.state, row.accepted_at = "accepted", to_db(at)
    _event(session, case, "hotline_order_accepted", actor, at, order_no=row.order_no)
    _callback(session, row, "accepted", at, case=case.tracking_code, by=actor.username)
    return row


def object_to(session: Session, order_no: str, reason: str, *, actor: Actor, at: datetime) -> HotlineOrder:
    """退回: the street says the order is not its to handle, with a reason; once per order, before a reply."""
    reason = _required_text(reason, "reason", "退回理由")
    row, case = find(session, order_no, actor)
    if row.objected_at is not None:
        raise ConflictError(f"工单 {row.order_no} 已退回过一次，不能再次退回")
    if row.state not in ("received", "accepted"):
        raise ConflictError(f"工单 {row.order_no} 已{_STATE_WORDS[row.state]}，不能退回")
    row.state, row.objected_at, row.object_reason = "objected", to_db(at), reason
    _event(session, case, "hotline_order_objected", actor, at, order_no=row.order_no, reason=reason)
    _callback(session, row, "objected", at, case=case.tracking_code, reason=reason, by=actor.username)
    return row


def reply(session: Session, order_no: str, text: str, *, actor: Actor, at: datetime) -> HotlineOrder:
    """办理结果、回复: the street's answer to the caller, within the hotline's deadline (late replies are marked)."""
    text = _required_text(text, "reply", "办理结果")
    row, case = find(session, order_no, actor)
    if row.state != "accepted":
        raise ConflictError(f"工单 {row.order_no} {'尚未签收' if row.state == 'received' else '已' + _STATE_WORDS[row.state]}"
                            "，不能回复")
    row.state, row.replied_at, row.reply = "replied", to_db(at), text
    late = at > as_utc(row.deadline)
    _event(session, case, "hotline_order_replied", actor, at, order_no=row.order_no, late=late)
    _callback(session, row, "replied", at, case=case.tracking_code, reply=text, late=late,
              case_status=case.status, by=actor.username)
    return row


def visit(session: Session, order_no: str, rating: str, comment: str | None, *, at: datetime,
          hooks: HookRegistry) -> HotlineOrder:
    """回访: the caller's rating as the hotline heard it, given as the reporter's own rating of the case."""
    if rating not in RATINGS:
        raise ValidationError("回访评价有误", {"rating": "应为 satisfied、basically 或 dissatisfied"})
    row = session.scalar(select(HotlineOrder).where(HotlineOrder.order_no == (order_no or "")[:ORDER_NO_MAX]))
    if row is None:
        raise NotFound("工单不存在")
    case = session.get(Case, row.case_id)
    assert case is not None
    item = session.scalar(select(WorkItem).where(WorkItem.case_id == case.id, WorkItem.role == "resident",
                                                 WorkItem.state.in_(WorkItem.OPEN_STATES)))
    if item is None:
        raise ConflictError(f"工单 {row.order_no} 现在没有待评价的结果")
    complete_task(session, item.id, {"rating": rating, "rating_comment": (comment or "").strip()[:500] or None},
                  actor=reporter_account(case.tracking_code, HANDLE_PREFIX + row.order_no), at=at, hooks=hooks)
    row.visit_rating = rating
    return row


def close_finished(session: Session, at: datetime, batch: int = 500) -> int:
    """Orders whose case has closed get their ``closed`` callback (once); how many."""
    rows = session.execute(select(HotlineOrder, Case).join(Case, Case.id == HotlineOrder.case_id).where(
        HotlineOrder.state != "closed", Case.status == "closed").order_by(HotlineOrder.id).limit(batch)).all()
    for row, case in rows:
        row.state, row.closed_at = "closed", to_db(at)
        _callback(session, row, "closed", at, case=case.tracking_code, outcome=case.outcome,
                  rating=row.visit_rating)
    return len(rows)


_STATE_WORDS = {"received": "接收", "accepted": "签收", "objected": "退回", "replied": "回复", "closed": "办结"}
