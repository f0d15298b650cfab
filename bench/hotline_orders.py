"""12345 work orders against the server as deployed: N orders ingested over HTTP (``POST /api/hotline/orders``, the
platform's token) by a gunicorn server with ``--workers`` sync worker processes (2 by default, as the README deploys
it), sent by ``--clients`` concurrent platform connections (2 by default: a city platform dispatches orders at
once, one keep-alive HTTP connection each); then each order accepted by the street over HTTP, and every
``accepted`` callback delivered signed to a real receiver in another process (it verifies each signature, counts
each idempotency key once and checks each order's callbacks arrive in sequence), by a delivery process sweeping
the callback outbox throughout, as a deployment runs the sweep beside the web.

The figure is the wall time from the first order sent to the last order answered 201 (target: 1 000 orders in
≤ 20 s), after each worker took a few warm-up orders (its first parses the specs; not timed, not accepted). ``--workers 1 --clients 1`` measures the same path strictly sequentially. Every order is checked after
the run: one case each (an order sent again answers 200 with the same case), every case's hash chain verifies.

Beside the run, bare SpiffWorkflow opens the same case (the civic loop with casegrid's restricted script engine
and routing table, run to its first human task and serialized: complete_task.py's ``Bare``) in this process; the
CPU the web workers spent per order ÷ bare's CPU per opening is a ratio the machine's load changes less than
seconds.

    python bench/hotline_orders.py --orders 1000 [--db sqlite --db postgresql+psycopg://…] [--workers 2 --clients 2]

A PostgreSQL database given is EMPTIED first.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
from benchlib import Figures, loadavg, med, pct, scratch_sqlite, webhook_receiver  # noqa: E402
from complete_task import Bare, parse_bare  # noqa: E402
from http_load import Server  # noqa: E402
from sqlalchemy import func, select, text  # noqa: E402

from engine.audit.verify import verify_chains  # noqa: E402
from engine.bootstrap import init_database  # noqa: E402
from engine.cases.hooks import HookRegistry  # noqa: E402
from engine.cases.intake import CATEGORIES  # noqa: E402
from engine.clock import FixedClock, SystemClock  # noqa: E402
from engine.demo.organisation import seed_organisation  # noqa: E402
from engine.hotline import CallbackSender, HotlineService  # noqa: E402
from engine.hotline.models import HotlineCallback, HotlineOrder  # noqa: E402
from engine.models import Base  # noqa: E402
from engine.people.directory import seed_categories  # noqa: E402
from engine.people.roles import HOTLINE_PLATFORM  # noqa: E402
from web import create_app  # noqa: E402

SECRET = "bench-hotline-secret"
HERE = Path(__file__).resolve().parent
BEIJING = timezone(timedelta(hours=8))
#: Orders each worker takes before the measured ones (not accepted): its first parses the specs, fills caches.
WARM_UP = 5
#: Bare SpiffWorkflow openings measured beside the run (in this process, after the orders).
BARE_OPENINGS = 100


def _prepare(url: str) -> None:
    now = datetime.now(UTC)
    db, _ = init_database(url, now)
    if db.engine.dialect.name == "postgresql":  # a scratch database: start from empty tables
        tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables if t.name != "process_version")
        with db.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.dispose()
        db, _ = init_database(url, now)
    with db.transaction() as s:
        seed_categories(s, CATEGORIES)  # seeded by migration 0002: the PostgreSQL TRUNCATE above emptied them
        seed_organisation(s)
    db.dispose()


def _tokens(url: str, instance: Path) -> tuple[str, str]:
    """The platform's integration account and token, and a grid worker's token (through the services)."""
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "INSTANCE": str(instance),
                      "RATELIMIT_ENABLED": False})
    tokens = app.extensions["casegrid.tokens"]
    app.extensions["casegrid.people"].create_integration("hotline-12345", "12345", HOTLINE_PLATFORM, by="bench")
    platform = tokens.issue("hotline-12345", "12345", by="bench").secret
    street = tokens.issue("wangge", "工单", by="bench").secret
    app.extensions["casegrid.cases"].db.dispose()
    return platform, street


def deliver_loop(url: str, receiver: str, stop_file: str) -> None:
    """The delivery process: sweep the callback outbox (HotlineService.sweep, as the sweep's hotline stage does)
    until ``stop_file`` exists and nothing is pending; one keep-alive HTTP client throughout."""
    db, _ = init_database(url, datetime.now(UTC))
    clock = SystemClock()
    sender = CallbackSender(db, clock, receiver, SECRET)
    hotline = HotlineService(db, clock, HookRegistry(), sender=sender)
    try:
        while True:
            sent = hotline.sweep()
            if not sent:
                if os.path.exists(stop_file) and hotline.pending_callbacks() == 0:
                    return
                time.sleep(0.2)
    finally:
        sender.close()
        db.dispose()


def _order(n: int, deadline: str, prefix: str = "B") -> dict[str, object]:
    return {"order_no": f"{prefix}-{n:07d}", "category": "市容环境", "content": f"来电反映：{n} 号楼门口垃圾未清运",
            "time_limit_class": "3 个工作日", "deadline": deadline, "urgency": "一般", "address": f"幸福里 {n} 号",
            "grid": "XF-01", "caller": {"name": "王女士", "phone": "13912340000"}}


def _concurrently(clients: int, orders: int, call: Callable[[httpx.Client, int], httpx.Response],
                  expect: int) -> tuple[float, list[float]]:
    """``call`` for every n over ``clients`` threads, each with its own keep-alive connection; (wall s, each ms)."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def client(first: int) -> None:
        with httpx.Client(timeout=120) as http:
            for n in range(first, orders, clients):
                begin = time.perf_counter()
                answer = call(http, n)
                took = (time.perf_counter() - begin) * 1000
                with lock:
                    latencies.append(took)
                    if answer.status_code != expect:
                        errors.append(f"{n}: {answer.status_code} {answer.text[:300]}")

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    begin = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - begin
    if errors:
        raise SystemExit(f"{len(errors)} requests failed, first: {errors[0]}")
    return wall, latencies


def _bare() -> tuple[float, float]:
    """Bare SpiffWorkflow opening the same case: (p50 wall ms, CPU ms per opening)."""
    spec, subprocesses = parse_bare()
    clock = FixedClock(datetime.now(UTC))
    walls = []
    cpu = time.process_time()
    for n in range(BARE_OPENINGS):
        begin = time.perf_counter()
        Bare(spec, subprocesses, {"title": f"12345 工单 B-{n:07d}", "category": "环境卫生", "grid": "XF-01",
                                  "community": "幸福里社区", "address": f"幸福里 {n} 号",
                                  "description": f"来电反映：{n} 号楼门口垃圾未清运", "channel": "hotline_order",
                                  "priority": "normal"}, clock, round_trip=True)
        walls.append((time.perf_counter() - begin) * 1000)
    return med(walls), (time.process_time() - cpu) * 1000 / BARE_OPENINGS


def _check(url: str, orders: int, warm_up: int) -> None:
    """Every order has one case, every callback was sent once, and every case's hash chain verifies."""
    db, _ = init_database(url, datetime.now(UTC))
    try:
        with db.reading() as s:
            assert s.scalar(select(func.count(HotlineOrder.id))) == orders + warm_up
            assert s.scalar(select(func.count(func.distinct(HotlineOrder.case_id)))) == orders + warm_up
            assert s.scalar(select(func.count(HotlineCallback.id)).where(HotlineCallback.state == "sent")) == orders
            assert s.scalar(select(func.count(HotlineCallback.id))) == orders
            scan = verify_chains(s)
            assert scan.cases == orders + warm_up and not scan.failures, scan.failures[:3]
    finally:
        db.dispose()


def measure(url: str, orders: int, workers: int, clients: int) -> dict[str, float | str]:
    _prepare(url)
    with tempfile.TemporaryDirectory(prefix="casegrid-bench-hotline-") as folder:
        instance = Path(folder) / "instance"
        platform, street = _tokens(url, instance)
        stop_file = Path(folder) / "stop"
        server = Server(url, workers, Path(folder))
        try:
            server.wait()
            with webhook_receiver(SECRET) as receiver:
                deliverer = subprocess.Popen([sys.executable, __file__, "--deliver", url, receiver.url("/hotline"),
                                              str(stop_file)], cwd=HERE.parent)
                try:
                    deadline = (datetime.now(UTC) + timedelta(days=3)).astimezone(BEIJING).isoformat(
                        timespec="seconds")
                    _concurrently(workers, WARM_UP * workers, lambda http, n: http.post(  # each worker's first
                        f"{server.host}/api/hotline/orders", json=_order(n, deadline, "W"),  # orders parse specs
                        headers={"Authorization": f"Bearer {platform}"}), 201)
                    cpu_before = server.worker_cpu()
                    ingest_s, latencies = _concurrently(clients, orders, lambda http, n: http.post(
                        f"{server.host}/api/hotline/orders", json=_order(n, deadline),
                        headers={"Authorization": f"Bearer {platform}"}), 201)
                    cpu_ms = (server.worker_cpu() - cpu_before) * 1000 / orders
                    again, _ = _concurrently(1, min(orders, 20), lambda http, n: http.post(
                        f"{server.host}/api/hotline/orders", json=_order(n, deadline),
                        headers={"Authorization": f"Bearer {platform}"}), 200)  # sent again: the same case
                    accept_s, _ = _concurrently(clients, orders, lambda http, n: http.post(
                        f"{server.host}/api/hotline/orders/B-{n:07d}/accept", json={},
                        headers={"Authorization": f"Bearer {street}"}), 200)
                    accepted_at = time.perf_counter()
                    stop_file.touch()
                    deliverer.wait(timeout=600)
                    deliver_s = time.perf_counter() - accepted_at
                finally:
                    if deliverer.poll() is None:
                        deliverer.kill()
                stats = receiver.stats()
        finally:
            server.stop()
    assert deliverer.returncode == 0, deliverer.returncode
    assert stats["accepted"] == orders and stats["refused"] == 0 and stats["duplicates"] == 0, stats
    assert stats["out_of_order"] == 0, stats
    _check(url, orders, WARM_UP * workers)
    bare_ms, bare_cpu_ms = _bare()
    return {"orders": orders, "workers": workers, "clients": clients, "ingest_s": ingest_s, "accept_s": accept_s,
            "deliver_s": deliver_s, "order_p50_ms": med(latencies), "order_p95_ms": pct(latencies, 95),
            "cpu_ms": cpu_ms, "bare_open_p50_ms": bare_ms, "bare_cpu_ms": bare_cpu_ms,
            "ratio": cpu_ms / bare_cpu_ms, "load": loadavg()}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--deliver"]:  # the delivery process (started by measure)
        deliver_loop(*argv[1:4])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--db", action="append", default=[], help="Database URL (repeatable), or sqlite for a "
                        "scratch SQLite file (the default). A PostgreSQL database is EMPTIED.")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync worker processes")
    parser.add_argument("--clients", type=int, default=2, help="platform connections sending orders at once")
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    figures = Figures()
    for url in args.db or ["sqlite"]:
        if url == "sqlite":
            with scratch_sqlite("hotline.db") as scratch:
                result, backend = measure(scratch, args.orders, args.workers, args.clients), "SQLite"
        else:
            result, backend = (measure(url, args.orders, args.workers, args.clients),
                               "PostgreSQL" if url.startswith("postgres") else url)
        how = (f"gunicorn {result['workers']} worker(s), {result['clients']} client(s) sending at once over "
               "keep-alive HTTP")
        print(f"{backend}: {result['orders']} work orders ingested in {result['ingest_s']:.2f} s ({how}), accepted "
              f"in {result['accept_s']:.2f} s, {result['orders']} callbacks delivered by the delivery process "
              f"{result['deliver_s']:.2f} s after the last accept; an order p50 {result['order_p50_ms']:.1f} ms "
              f"(p95 {result['order_p95_ms']:.1f}), {result['cpu_ms']:.1f} ms of worker CPU; bare SpiffWorkflow "
              f"opening the same case {result['bare_cpu_ms']:.1f} ms CPU, p50 {result['bare_open_p50_ms']:.1f} ms "
              f"({result['ratio']:.1f}x bare in CPU); load {result['load']}")
        limit = 20 * int(result["orders"]) / 1000
        figures.add(f"26.hotline.{backend.lower()}", f"12345 work orders ingested over HTTP, {backend} "
                    f"({result['orders']} orders; {how})", float(result["ingest_s"]), "s", f"≤ {limit:g} s",
                    limit=limit,
                    note=f"order p50 {result['order_p50_ms']:.1f} ms, {result['cpu_ms']:.1f} ms worker CPU an order "
                         f"({result['ratio']:.1f}x bare SpiffWorkflow opening the same case, "
                         f"{result['bare_cpu_ms']:.1f} ms); accepting them {result['accept_s']:.1f} s, their "
                         f"{result['orders']} signed callbacks delivered concurrently by a sweeping process, in "
                         f"order, each key taken once, the last {result['deliver_s']:.1f} s after the last accept; "
                         f"load {result['load']}")
    figures.write(args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
