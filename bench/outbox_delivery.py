"""Outbox delivery throughput to a signed webhook (DESIGN.md §4: ≥ 200 messages/s).

N notifications wait in the outbox for one staff member who chose SMS; one sweep (``send_pending``, sending as
many at once as the sweep's outbox stage does) fans them out (an in-app and an SMS delivery each) and posts
every SMS to a real receiver in another process, which
verifies each signature and counts each idempotency key once. The figure is messages delivered per second,
fan-out included; the receiver must have accepted every message exactly once.

    python bench/outbox_delivery.py --messages 2000 [--db postgresql+psycopg://…] [--json out.json]
"""
from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchlib import Figures, scratch_sqlite, webhook_receiver  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402

from engine.bootstrap import init_database  # noqa: E402
from engine.cases.models import Notification  # noqa: E402
from engine.clock import FixedClock, to_db  # noqa: E402
from engine.demo.organisation import seed_organisation  # noqa: E402
from engine.models import Base  # noqa: E402
from engine.notify import OutboxService  # noqa: E402
from engine.notify.preferences import Preferences, save  # noqa: E402
from engine.notify.webhook import WebhookSender  # noqa: E402
from engine.sweep.stages import SEND_CONCURRENCY  # noqa: E402

SECRET = "bench-secret"
HERE = Path(__file__).resolve().parent


def measure(url: str, messages: int, concurrency: int = SEND_CONCURRENCY) -> dict[str, float]:
    db, _ = init_database(url)
    if db.engine.dialect.name == "postgresql":  # a scratch database: start from empty tables
        tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables if t.name != "process_version")
        with db.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    now = datetime(2026, 3, 2, 3, 0, tzinfo=timezone.utc)
    with db.transaction() as s:
        seed_organisation(s)
        save(s, "wangge", Preferences(channels=("sms",), phone="13800138000"))
        s.execute(insert(Notification), [
            {"case_id": None, "recipient": "user:wangge", "kind": "new_work", "urgent": True,
             "message": f"第 {i} 条：案件有新待办", "created_at": to_db(now)} for i in range(messages)])
    try:
        with webhook_receiver(SECRET) as receiver, WebhookSender(receiver.url("/sms"), SECRET) as sender:
            outbox = OutboxService(db, FixedClock(now), channels={"sms": sender}, concurrency=concurrency)
            start = time.perf_counter()
            fanned = outbox.fan_out_batch(messages)
            fan_out_s = time.perf_counter() - start
            report = outbox.send_pending(batch=200, max_batches=messages // 200 + 2)
            total_s = time.perf_counter() - start
            stats = receiver.stats()
    finally:
        db.dispose()
    assert fanned == messages and report.sent == messages and not report.failed, (fanned, report)
    assert stats["accepted"] == messages and stats["refused"] == 0 and stats["duplicates"] == 0, stats
    return {"messages": messages, "seconds": total_s, "fan_out_s": fan_out_s,
            "per_s": messages / total_s, "send_per_s": messages / (total_s - fan_out_s)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--db", action="append", default=[], help="Database URL (repeatable); default a scratch SQLite.")
    parser.add_argument("--concurrency", type=int, default=SEND_CONCURRENCY, help="Messages sent at once.")
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    figures = Figures()
    urls = args.db or [None]
    for url in urls:
        if url is None:
            with scratch_sqlite("outbox.db") as scratch:
                result, backend = measure(scratch, args.messages, args.concurrency), "SQLite"
        else:
            result, backend = measure(url, args.messages, args.concurrency), "PostgreSQL" if url.startswith("postgres") else url
        print(f"{backend}: {result['messages']} messages in {result['seconds']:.2f} s "
              f"(fan-out {result['fan_out_s']:.2f} s, sending {result['send_per_s']:.0f}/s)")
        figures.add(f"8.outbox.{backend.lower()}", f"outbox delivery to a signed webhook, {backend} "
                    f"({result['messages']} messages, fan-out included)", result["per_s"], "messages/s",
                    "≥ 200 messages/s", limit=200, higher_is_better=True,
                    note=f"sending alone {result['send_per_s']:.0f}/s, {args.concurrency} at once; each signature "
                         "verified, each key accepted once")
    figures.write(args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
