"""Callbacks to the 12345 platform: signed like casegrid's webhook (docs/notifications.md), in order per work
order, retried with back-off, each with an ``Idempotency-Key`` the platform drops a repeat of.

A sweep (:meth:`CallbackSender.deliver`) claims due callbacks in a short transaction (a lease, like the
outbox), posts them with no transaction open, and records each result in another. Callback n+1 of an order
is due only once n was taken, so the platform sees accept → reply → close in that order even across retries.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta

import httpx
from sqlalchemy import and_, exists, select
from sqlalchemy.orm import aliased

from engine.clock import Clock, to_db
from engine.db import Database
from engine.hotline.models import HotlineCallback
from engine.notify.outbox import backoff
from engine.notify.webhook import KEY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signature

log = logging.getLogger("casegrid.hotline")

MAX_ATTEMPTS = 12
LEASE = timedelta(minutes=5)


class CallbackSender:
    """POSTs callbacks to ``url`` signed with ``secret`` (one pooled HTTP client)."""

    def __init__(self, db: Database, clock: Clock, url: str, secret: str, *, timeout: float = 10,
                 now: Callable[[], float] = time.time) -> None:
        if not url or not secret:
            raise ValueError("12345 callbacks need the platform's URL and a shared secret")
        self.db, self.clock, self.url, self.secret, self.now = db, clock, url, secret, now
        self.client = httpx.Client(timeout=timeout)

    def deliver(self, batch: int = 200, max_batches: int = 100) -> int:
        """Send what is due, batch by batch; how many the platform took."""
        taken = 0
        for _ in range(max_batches):
            claimed = self._claim(batch)
            if not claimed:
                break
            results = {row_id: self._post(body, key) for row_id, body, key in claimed}
            taken += self._record(results)
        return taken

    def _claim(self, batch: int) -> list[tuple[int, str, str]]:
        now = self.clock.now()
        earlier = aliased(HotlineCallback)
        waiting_behind = exists().where(and_(earlier.order_id == HotlineCallback.order_id,
                                             earlier.seq < HotlineCallback.seq, earlier.state != "sent"))
        with self.db.transaction() as s:
            stmt = (select(HotlineCallback).where(HotlineCallback.state == "pending",
                                                  HotlineCallback.next_attempt_at <= to_db(now), ~waiting_behind)
                    .order_by(HotlineCallback.id).limit(batch))
            if s.get_bind().dialect.name == "postgresql":
                stmt = stmt.with_for_update(skip_locked=True)
            rows = list(s.scalars(stmt))
            for row in rows:
                row.attempts += 1
                row.next_attempt_at = to_db(now + LEASE)
            return [(row.id, row.body, row.idempotency_key) for row in rows]

    def _post(self, body: str, key: str) -> str | None:
        data = body.encode("utf-8")
        timestamp = str(int(self.now()))
        try:
            answer = self.client.post(self.url, content=data, headers={
                "Content-Type": "application/json; charset=utf-8", TIMESTAMP_HEADER: timestamp,
                SIGNATURE_HEADER: signature(self.secret, timestamp, data), KEY_HEADER: key})
        except httpx.HTTPError as exc:
            return f"{type(exc).__name__}: {exc}"[:2000]
        return None if answer.is_success else f"HTTP {answer.status_code}: {answer.text[:200]}"

    def _record(self, results: dict[int, str | None]) -> int:
        now: datetime = self.clock.now()
        taken = 0
        with self.db.transaction() as s:
            for row in s.scalars(select(HotlineCallback).where(HotlineCallback.id.in_(list(results)))):
                error = results[row.id]
                if error is None:
                    row.state, row.sent_at, row.next_attempt_at, row.last_error = "sent", to_db(now), None, None
                    taken += 1
                elif row.attempts >= MAX_ATTEMPTS:
                    row.state, row.next_attempt_at, row.last_error = "failed", None, error
                    log.warning("12345 callback %s failed for good: %s", row.idempotency_key, error)
                else:
                    row.last_error, row.next_attempt_at = error, to_db(now + backoff(row.attempts))
        return taken

    def close(self) -> None:
        self.client.close()
