"""The outbox: notifications fanned out into deliveries, each delivered at least once and accepted once.

Delivery never runs inside a user's request: a step only adds a ``notification`` row to its own
transaction; the background sweep calls :meth:`OutboxService.send_pending`, which

1. **fans out** new notifications into ``delivery`` rows (the in-app one is delivered by being written);
2. **claims** due deliveries in a short transaction that moves their ``next_attempt_at`` a lease ahead, so
   a second sweep skips them (PostgreSQL: ``FOR UPDATE SKIP LOCKED``; SQLite: the IMMEDIATE write lock);
3. **sends** them with no transaction open — a slow or unreachable SMTP server or webhook holds no lock and
   so slows no task completion;
4. **records** each result in a second short transaction: sent, or the error and the next attempt after a
   back-off (1, 2, 4 … minutes, at most an hour); after :data:`MAX_ATTEMPTS` the delivery is ``failed``,
   visible to admins with its error, and an admin may resend it.

A process that dies between sending and recording sends again once the lease ends, with the same
idempotency key, so the receiver drops the repeat: no message reaches a person twice.
"""
from __future__ import annotations

import logging
import uuid
from collections import Counter
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from engine.cases.models import Case, Notification
from engine.clock import Clock, SystemClock, as_utc, to_db
from engine.db import Database
from engine.notify import wording
from engine.notify.models import FAILED, PENDING, SENT, Delivery
from engine.notify.quiet import release_time
from engine.notify.recipients import RESIDENT, Person, locales_of, people_for
from engine.notify.senders import LogSender, Outgoing, Sender

log = logging.getLogger("casegrid.notify")

#: Attempts before a delivery is marked failed (and left for an admin to resend).
MAX_ATTEMPTS = 8
#: How long a claimed delivery is reserved for the sweep that claimed it.
LEASE = timedelta(minutes=5)
#: In-app deliveries are written, not sent.
INAPP = "inapp"
LOG = "log"


def backoff(attempts: int) -> timedelta:
    """Wait after the ``attempts``-th failure: 1, 2, 4 … minutes, at most an hour."""
    return timedelta(minutes=min(60, 2 ** max(0, attempts - 1)))


@dataclass
class SendReport:
    sent: int = 0
    #: Ids of the deliveries whose attempt failed this time.
    failed: list[int] = field(default_factory=list)
    #: Deliveries sent, by channel and by kind of notification (``escalated``, ``reminder`` …).
    channels: Counter[str] = field(default_factory=Counter)
    kinds: Counter[str] = field(default_factory=Counter)

    def summary(self) -> str:
        """One line for the log: ``通知发送：发出 412 条（log 412；escalated 380、reminder 32），失败 0 条``."""
        def counts(counter: Counter[str], sep: str) -> str:
            return sep.join(f"{name} {n}" for name, n in counter.most_common())
        detail = f"（{counts(self.channels, '、')}；{counts(self.kinds, '、')}）" if self.sent else ""
        return f"通知发送：发出 {self.sent} 条{detail}，失败 {len(self.failed)} 条"
    fanned_out: int = 0


def _lock(stmt, session: Session):  # type: ignore[no-untyped-def]
    if session.get_bind().dialect.name == "postgresql":
        return stmt.with_for_update(skip_locked=True)
    return stmt


def fan_out(session: Session, notification: Notification, channels: Mapping[str, Sender], at: datetime,
            people: dict[str, list[Person]] | None = None) -> list[dict[str, Any]]:
    """The delivery rows of one notification (in-app for each staff member, one per chosen external channel),
    to insert together with the batch's; marks the notification fanned out.

    ``people`` caches who a recipient names across one batch (residents are per case and not cached)."""
    rows: list[dict[str, Any]] = []

    def add(channel: str, person: Person | None, address: str | None, state: str, when: datetime | None) -> None:
        rows.append({"notification_id": notification.id, "channel": channel,
                     "username": person.username if person else None, "address": address,
                     "idempotency_key": uuid.uuid4().hex, "state": state, "attempts": 0, "next_attempt_at": when,
                     "last_error": None, "created_at": to_db(at), "sent_at": to_db(at) if state == SENT else None,
                     "read_at": None})

    if people is not None and notification.recipient != RESIDENT:
        if notification.recipient not in people:
            people[notification.recipient] = people_for(session, notification)
        persons = people[notification.recipient]
    else:
        persons = people_for(session, notification)
    for person in persons:
        if person.username is not None:
            add(INAPP, person, None, SENT, None)
        for channel, address in sorted(person.addresses.items()):
            if channel in channels:
                when = at if notification.urgent else release_time(at, person.quiet_start, person.quiet_end)
                add(channel, person, address, PENDING, to_db(when))
    if LOG in channels:
        add(LOG, None, None, PENDING, to_db(at))
    notification.sent_at = to_db(at)
    return rows


class OutboxService:
    def __init__(self, db: Database, clock: Clock | None = None, sender: Sender | None = None, *,
                 channels: Mapping[str, Sender] | None = None, concurrency: int = 1) -> None:
        """``channels`` maps a channel (``email``, ``sms``, ``wechat``, ``log``) to its sender; ``sender`` alone
        is the log channel's (default: :class:`LogSender`). ``concurrency`` > 1 sends that many messages at once
        (the senders must then be thread-safe, as casegrid's own are): a remote server's round trip, not the
        database, bounds the rate."""
        self.db = db
        self.clock = clock or SystemClock()
        self.channels: dict[str, Sender] = dict(channels) if channels is not None else {LOG: sender or LogSender()}
        self.concurrency = max(1, concurrency)

    def send_pending(self, batch: int = 100, max_batches: int = 100) -> SendReport:
        report = SendReport()
        if not self._anything_due():
            return report
        for _ in range(max_batches):
            done = self.fan_out_batch(batch)
            report.fanned_out += done
            if done < batch:
                break
        for _ in range(max_batches):
            claimed = self._claim(batch)
            if not claimed:
                break
            self._record(self._send(claimed), report, claimed)
            if len(claimed) < batch:
                break
        if report.sent or report.failed:
            log.info("%s", report.summary())  # one line per pass; each message is at DEBUG (LogSender)
        return report

    def _anything_due(self) -> bool:
        """Read first: an idle sweep opens no write transaction (SQLite's one write lock)."""
        at = to_db(self.clock.now())
        with self.db.reading() as s:
            waiting = s.scalar(select(Notification.id).where(Notification.sent_at.is_(None)).limit(1))
            return waiting is not None or s.scalar(
                select(Delivery.id).where(Delivery.state == PENDING, Delivery.next_attempt_at <= at,
                                          Delivery.channel.in_(list(self.channels))).limit(1)) is not None

    def fan_out_batch(self, batch: int) -> int:
        now = self.clock.now()
        with self.db.transaction() as s:
            rows = list(s.scalars(_lock(select(Notification).where(Notification.sent_at.is_(None))
                                        .order_by(Notification.id).limit(batch), s)))
            people: dict[str, list[Person]] = {}
            deliveries = [d for row in rows for d in fan_out(s, row, self.channels, now, people)]
            if deliveries:
                s.execute(insert(Delivery), deliveries)  # one executemany for the batch
            return len(rows)

    def _claim(self, batch: int) -> list[Outgoing]:
        now = self.clock.now()
        with self.db.transaction() as s:
            rows = list(s.scalars(_lock(
                select(Delivery).where(Delivery.state == PENDING, Delivery.next_attempt_at <= to_db(now),
                                       Delivery.channel.in_(list(self.channels)))
                .order_by(Delivery.next_attempt_at, Delivery.id).limit(batch), s)))
            if not rows:
                return []
            notes = {n.id: n for n in s.scalars(select(Notification).where(
                Notification.id.in_({r.notification_id for r in rows})))}
            cases = {c.id: c for c in s.scalars(select(Case).where(
                Case.id.in_({n.case_id for n in notes.values() if n.case_id is not None})))}
            locales = locales_of(s, rows, notes)
            catalogue = wording.Catalogue(s)
            claimed = []
            for row in rows:
                row.attempts += 1
                row.next_attempt_at = to_db(now + LEASE)
                note = notes[row.notification_id]
                case = cases.get(note.case_id) if note.case_id is not None else None
                subject, body = catalogue.render(note, case, locales.get(row.id, "zh_CN"))
                claimed.append(Outgoing(
                    id=row.id, notification_id=note.id, idempotency_key=row.idempotency_key, channel=row.channel,
                    case_id=note.case_id, recipient=note.recipient, username=row.username, address=row.address,
                    kind=note.kind, subject=subject, message=body, link=wording.link(note, case),
                    urgent=note.urgent, created_at=as_utc(note.created_at)))
            return claimed

    def _send(self, claimed: list[Outgoing]) -> dict[int, str | None]:
        """Send with no transaction open; the error text of each failure (None: sent)."""
        if self.concurrency == 1 or len(claimed) == 1:
            return dict(map(self._send_one, claimed))
        with ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="casegrid-outbox") as pool:
            return dict(pool.map(self._send_one, claimed))

    def _send_one(self, message: Outgoing) -> tuple[int, str | None]:
        try:
            self.channels[message.channel].send(message)
            return message.id, None
        except Exception as exc:  # a sender's failure must not stop the sweep or lose the delivery
            log.warning("delivery %s (%s) failed; it stays in the outbox: %s", message.id, message.channel, exc)
            return message.id, f"{type(exc).__name__}: {exc}"[:2000]

    def _record(self, results: dict[int, str | None], report: SendReport, claimed: list[Outgoing]) -> None:
        now = self.clock.now()
        by_id = {message.id: message for message in claimed}
        with self.db.transaction() as s:
            for row in s.scalars(select(Delivery).where(Delivery.id.in_(list(results)))):
                error = results[row.id]
                if error is None:
                    row.state, row.sent_at, row.next_attempt_at, row.last_error = SENT, to_db(now), None, None
                    report.sent += 1
                    report.channels[row.channel] += 1
                    report.kinds[by_id[row.id].kind] += 1
                    continue
                report.failed.append(row.id)
                row.last_error = error
                if row.attempts >= MAX_ATTEMPTS:
                    row.state, row.next_attempt_at = FAILED, None
                else:
                    row.next_attempt_at = to_db(now + backoff(row.attempts))

    def unsent(self) -> int:
        """Notifications not yet fanned out plus deliveries still waiting to be sent."""
        with self.db.reading() as s:
            waiting = s.scalar(select(func.count()).select_from(Notification).where(Notification.sent_at.is_(None)))
            pending = s.scalar(select(func.count()).select_from(Delivery).where(Delivery.state == PENDING))
            return (waiting or 0) + (pending or 0)
