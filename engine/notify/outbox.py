"""The outbox: unsent ``notification`` rows, each handed to the sender once and marked sent.

Two sweeps at once never send a row twice: on PostgreSQL each batch is claimed with
``FOR UPDATE SKIP LOCKED`` (the other sweep takes the next rows), on SQLite the batch's write
transaction begins IMMEDIATE, so the second sweep waits and then sees the rows already sent.
A row is marked in the same transaction that sent it; if that commit fails after the sender
succeeded the row is sent again next time (at least once, never silently lost).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.cases.models import Notification
from engine.clock import Clock, SystemClock, as_utc, to_db
from engine.db import Database
from engine.notify.senders import LogSender, Outgoing, Sender

log = logging.getLogger("casegrid.notify")


@dataclass
class SendReport:
    sent: int = 0
    failed: list[int] = field(default_factory=list)


def claim_unsent(session: Session, limit: int, skip: set[int]) -> list[Notification]:
    """Up to ``limit`` unsent rows, oldest first, locked for this transaction."""
    stmt = select(Notification).where(Notification.sent_at.is_(None)).order_by(Notification.id).limit(limit)
    if skip:
        stmt = stmt.where(Notification.id.not_in(skip))
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return list(session.scalars(stmt))


class OutboxService:
    def __init__(self, db: Database, clock: Clock | None = None, sender: Sender | None = None) -> None:
        self.db = db
        self.clock = clock or SystemClock()
        self.sender = sender or LogSender()

    def send_pending(self, batch: int = 100, max_batches: int = 100) -> SendReport:
        """Send unsent notifications, ``batch`` per transaction; a row whose sender raised stays unsent."""
        report = SendReport()
        for _ in range(max_batches):
            with self.db.transaction() as s:
                rows = claim_unsent(s, batch, set(report.failed))
                for row in rows:
                    try:
                        self.sender.send(Outgoing(row.id, row.case_id, row.recipient, row.kind, row.message,
                                                  as_utc(row.created_at)))
                    except Exception:  # a sender's failure must not stop the sweep or lose the row
                        log.exception("notification %s could not be sent; it stays in the outbox", row.id)
                        report.failed.append(row.id)
                        continue
                    row.sent_at = to_db(self.clock.now())
                    report.sent += 1
            if len(rows) < batch:
                break
        return report

    def unsent(self) -> int:
        with self.db.reading() as s:
            return s.scalar(select(func.count()).select_from(Notification).where(Notification.sent_at.is_(None))) or 0
