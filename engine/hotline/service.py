"""The 12345 hotline integration's entry points (one transaction each); see docs/hotline.md."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.cases.hooks import HookRegistry
from engine.cases.models import Case
from engine.clock import Clock, as_utc
from engine.db import Database
from engine.hotline import board, operations
from engine.hotline.callbacks import CallbackSender
from engine.hotline.models import HotlineCallback, HotlineOrder
from engine.hotline.operations import WorkOrder
from engine.people.actor import Actor


@dataclass(frozen=True)
class OrderView:
    order_no: str
    tracking_code: str
    state: str
    category: str
    time_limit_class: str
    #: The hotline's deadline (UTC).
    deadline: datetime
    urgency: str
    objected: bool
    reply: str | None
    visit_rating: str | None


@dataclass(frozen=True)
class Received:
    order: OrderView
    #: False when the platform sent an order it had sent before (nothing new was written).
    new: bool


def _view(row: HotlineOrder, tracking_code: str) -> OrderView:
    return OrderView(row.order_no, tracking_code, row.state, row.category, row.time_limit_class,
                     as_utc(row.deadline), row.urgency, row.objected_at is not None, row.reply, row.visit_rating)


class HotlineService:
    def __init__(self, db: Database, clock: Clock, hooks: HookRegistry, *,
                 category_map: Mapping[str, str] | None = None, sender: CallbackSender | None = None) -> None:
        self.db, self.clock, self.hooks = db, clock, hooks
        self.category_map = dict(category_map or {})
        self.sender = sender

    def receive(self, order: WorkOrder) -> Received:
        with self.db.transaction() as s:
            row, case, new = operations.receive(s, order, at=self.clock.now(), hooks=self.hooks,
                                                mapping=self.category_map)
            return Received(_view(row, case.tracking_code), new)

    def order(self, order_no: str, actor: Actor) -> OrderView:
        with self.db.reading() as s:
            row, case = operations.find(s, order_no, actor)
            return _view(row, case.tracking_code)

    def accept(self, order_no: str, actor: Actor) -> OrderView:
        with self.db.transaction() as s:
            row = operations.accept(s, order_no, actor=actor, at=self.clock.now())
            return self._view(s, row)

    def object_to(self, order_no: str, reason: str, actor: Actor) -> OrderView:
        with self.db.transaction() as s:
            row = operations.object_to(s, order_no, reason, actor=actor, at=self.clock.now())
            return self._view(s, row)

    def reply(self, order_no: str, text: str, actor: Actor) -> OrderView:
        with self.db.transaction() as s:
            row = operations.reply(s, order_no, text, actor=actor, at=self.clock.now())
            return self._view(s, row)

    def visit(self, order_no: str, rating: str, comment: str | None = None) -> OrderView:
        with self.db.transaction() as s:
            order_id = operations.visit(s, order_no, rating, comment, at=self.clock.now(), hooks=self.hooks).id
        with self.db.transaction() as s:  # the rating may have closed the case: queue its callback now
            operations.close_finished(s, self.clock.now())
            row = s.get(HotlineOrder, order_id)
            assert row is not None
            return self._view(s, row)

    def sweep(self) -> int:
        """Queue ``closed`` for orders whose case closed, then deliver what is due; callbacks taken."""
        with self.db.transaction() as s:
            operations.close_finished(s, self.clock.now())
        return self.sender.deliver() if self.sender is not None else 0

    def pending_callbacks(self) -> int:
        with self.db.reading() as s:
            return len(s.scalars(select(HotlineCallback.id).where(HotlineCallback.state == "pending")).all())

    @staticmethod
    def _view(s: Session, row: HotlineOrder) -> OrderView:
        case = s.get(Case, row.case_id)
        assert case is not None
        return _view(row, case.tracking_code)


class HotlineBoard:
    """The supervisors' pages over the work orders (engine/hotline/board.py), each call one transaction."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db, self.clock = db, clock

    def orders(self, actor: Actor, *, state: str = "", due: str = "all",
               failed_only: bool = False) -> list[board.OrderRow]:
        with self.db.reading() as s:
            return board.list_orders(s, actor, now=self.clock.now(), state=state, due=due, failed_only=failed_only)

    def order(self, order_no: str, actor: Actor) -> board.OrderDetail:
        with self.db.reading() as s:
            return board.order_detail(s, order_no, actor, now=self.clock.now())

    def retry_callback(self, callback_id: int, actor: Actor) -> str:
        """Make a failed callback due again; the order number it belongs to."""
        with self.db.transaction() as s:
            row = board.retry_callback(s, callback_id, actor, at=self.clock.now())
            order = s.get(HotlineOrder, row.order_id)
            assert order is not None
            return order.order_no
