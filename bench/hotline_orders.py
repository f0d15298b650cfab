"""12345 work orders: N orders ingested through the API (``POST /api/hotline/orders``, the platform's token), each
accepted by the street through the API, and every ``accepted`` callback delivered signed to a real receiver in
another process (which verifies each signature and counts each idempotency key once). Target: 1 000 orders
ingested in ≤ 20 s, callbacks delivered.

Beside each order, in the same run, bare SpiffWorkflow opens the same case: the civic loop with casegrid's
restricted script engine and routing table run to its first human task and serialized (complete_task.py's
``Bare``), so the figure is also a ratio that the machine's load changes less than seconds.

    python bench/hotline_orders.py --orders 1000 [--db postgresql+psycopg://…] [--json out.json]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchlib import Figures, loadavg, med, scratch_sqlite, webhook_receiver  # noqa: E402
from complete_task import Bare, parse_bare  # noqa: E402
from sqlalchemy import text  # noqa: E402

from engine.bootstrap import init_database  # noqa: E402
from engine.cases.intake import CATEGORIES  # noqa: E402
from engine.clock import FixedClock  # noqa: E402
from engine.demo.organisation import seed_organisation  # noqa: E402
from engine.hotline import CallbackSender, HotlineService  # noqa: E402
from engine.models import Base  # noqa: E402
from engine.people.directory import seed_categories  # noqa: E402
from engine.people.roles import HOTLINE_PLATFORM  # noqa: E402
from web import create_app  # noqa: E402

SECRET = "bench-hotline-secret"
HERE = Path(__file__).resolve().parent
BEIJING = timezone(timedelta(hours=8))


def measure(url: str, orders: int) -> dict[str, float]:
    now = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)
    db, _ = init_database(url, now)
    if db.engine.dialect.name == "postgresql":  # a scratch database: start from empty tables
        tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables if t.name != "process_version")
        with db.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db, _ = init_database(url, now)
    with db.transaction() as s:
        seed_categories(s, CATEGORIES)  # seeded by migration 0002: the PostgreSQL TRUNCATE above emptied them
        seed_organisation(s)
    clock = FixedClock(now)
    with tempfile.TemporaryDirectory(prefix="casegrid-bench-hotline-") as instance:
        app = create_app({"TESTING": True, "DATABASE": db, "DATABASE_URL": db.url, "CLOCK": clock,
                          "SECRET_KEY": "bench", "INSTANCE": instance, "RATELIMIT_ENABLED": False})
        tokens = app.extensions["casegrid.tokens"]
        app.extensions["casegrid.people"].create_integration("hotline-12345", "12345", HOTLINE_PLATFORM, by="bench")
        platform = {"Authorization": f"Bearer {tokens.issue('hotline-12345', '12345', by='bench').secret}"}
        street = {"Authorization": f"Bearer {tokens.issue('wangge', '工单', by='bench').secret}"}
        client = app.test_client()
        deadline = (now + timedelta(days=3)).astimezone(BEIJING).isoformat(timespec="seconds")
        spec, subprocesses = parse_bare()
        ingest_s, bare_ms, per_order_ms = 0.0, [], []
        for n in range(orders):
            begin = time.perf_counter()
            answer = client.post("/api/hotline/orders", headers=platform, json={
                "order_no": f"B-{n:07d}", "category": "市容环境", "content": f"来电反映：{n} 号楼门口垃圾未清运",
                "time_limit_class": "3 个工作日", "deadline": deadline, "urgency": "一般", "address": f"幸福里 {n} 号",
                "grid": "XF-01", "caller": {"name": "王女士", "phone": "13912340000"}})
            took = time.perf_counter() - begin
            ingest_s += took
            per_order_ms.append(took * 1000)
            assert answer.status_code == 201, answer.get_data(as_text=True)
            begin = time.perf_counter()  # the same case opened by bare SpiffWorkflow, interleaved
            Bare(spec, subprocesses, {"title": f"12345 工单 B-{n:07d}", "category": "环境卫生", "grid": "XF-01",
                                      "community": "幸福里社区", "address": f"幸福里 {n} 号",
                                      "description": f"来电反映：{n} 号楼门口垃圾未清运", "channel": "hotline_order",
                                      "priority": "normal"}, clock, round_trip=True)
            bare_ms.append((time.perf_counter() - begin) * 1000)
        accept_begin = time.perf_counter()
        for n in range(orders):
            assert client.post(f"/api/hotline/orders/B-{n:07d}/accept", headers=street, json={}).status_code == 200
        accept_s = time.perf_counter() - accept_begin
    try:
        with webhook_receiver(SECRET) as receiver:
            sender = CallbackSender(db, clock, receiver.url("/hotline"), SECRET)
            hotline = HotlineService(db, clock, app.extensions["casegrid.cases"].hooks, sender=sender)
            begin = time.perf_counter()
            delivered = hotline.sweep()
            deliver_s = time.perf_counter() - begin
            sender.close()
            stats = receiver.stats()
    finally:
        db.dispose()
    assert delivered == orders and hotline.pending_callbacks() == 0, delivered
    assert stats["accepted"] == orders and stats["refused"] == 0 and stats["duplicates"] == 0, stats
    return {"orders": orders, "ingest_s": ingest_s, "accept_s": accept_s, "deliver_s": deliver_s,
            "order_p50_ms": med(per_order_ms), "bare_open_p50_ms": med(bare_ms),
            "ratio": med(per_order_ms) / med(bare_ms), "load": loadavg()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--db", action="append", default=[], help="Database URL (repeatable); default a scratch SQLite.")
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    figures = Figures()
    for url in args.db or [None]:
        if url is None:
            with scratch_sqlite("hotline.db") as scratch:
                result, backend = measure(scratch, args.orders), "SQLite"
        else:
            result, backend = measure(url, args.orders), "PostgreSQL" if url.startswith("postgres") else url
        print(f"{backend}: {result['orders']} work orders ingested in {result['ingest_s']:.2f} s, accepted in "
              f"{result['accept_s']:.2f} s, {result['orders']} callbacks delivered in {result['deliver_s']:.2f} s; "
              f"an order p50 {result['order_p50_ms']:.1f} ms, bare SpiffWorkflow opening the same case p50 "
              f"{result['bare_open_p50_ms']:.1f} ms ({result['ratio']:.1f}x bare); load {result['load']}")
        limit = 20 * result["orders"] / 1000
        figures.add(f"26.hotline.{backend.lower()}", f"12345 work orders ingested through the API, {backend} "
                    f"({result['orders']} orders)", result["ingest_s"], "s", f"≤ {limit:g} s", limit=limit,
                    note=f"accepting them {result['accept_s']:.1f} s; their {result['orders']} signed callbacks "
                         f"delivered in {result['deliver_s']:.1f} s, each key taken once; an order "
                         f"{result['ratio']:.1f}x bare SpiffWorkflow opening the same case "
                         f"({result['order_p50_ms']:.1f} / {result['bare_open_p50_ms']:.1f} ms p50); "
                         f"load {result['load']}")
    figures.write(args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
