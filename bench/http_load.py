"""Benchmark (DESIGN.md §4, figure 7): requests/s and p95 over HTTP, and the memory of a web worker.

The app runs under gunicorn (``web:create_app()``, N sync workers, 127.0.0.1 only) over the given
database; locust runs headless in a separate process with U users, each logged in once as grid
worker ``wangge`` (real login form, CSRF token), for a bounded time per scenario:

- ``inbox``: ``GET /inbox`` (the inbox page: query and template) with 200 open items waiting for the grid
  worker — target ≥ 300 requests/s with 2 workers;
- ``complete``: ``POST /inbox/tasks/<id>``, the task form of an open triage item (on-the-spot handling:
  lock, engine step, snapshot, work items, events, commit). The items come from a pool of open
  cases made beforehand (``bench/bulkload.py`` copies of an engine-run reported case), one POST each.

The peak RSS of every gunicorn worker is sampled (psutil) throughout — target ≤ 200 MB per worker.

Run from the repository root::

    python bench/http_load.py --db postgresql+psycopg://postgres@127.0.0.1:5432/casegrid_bench --seconds 30

A PostgreSQL database given is EMPTIED first (its public schema is dropped): an earlier run's unused
pool would otherwise sit in the inbox measured.
    python bench/http_load.py --smoke          # 1 worker on a temporary SQLite file, 2 s per scenario
"""
from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import Figures, loadavg, pct, scratch_sqlite  # noqa: E402
from bulkload import bulk_load  # noqa: E402
from sqlalchemy import select, text  # noqa: E402

from engine.bootstrap import init_database  # noqa: E402
from engine.cases.models import Case, WorkItem  # noqa: E402
from engine.db import Database  # noqa: E402
from engine.demo.organisation import DEMO_PASSWORD  # noqa: E402

HERE = Path(__file__).resolve().parent
#: Open items in the grid worker's inbox while the inbox page is measured.
BACKLOG = 200
BIN = Path(sys.executable).parent


def make_pool(db: Database, size: int) -> list[list[int]]:
    """``size`` more open triage items for grid worker XF-01; all of them now, as [item id, case version]."""
    if size > 0:
        bulk_load(db, size, moments=4, open_at=datetime.now(UTC))
    with db.reading() as s:
        rows = s.execute(select(WorkItem.id, Case.version).join(Case, Case.id == WorkItem.case_id).where(
            WorkItem.bpmn_id == "triage", WorkItem.state == "ready", WorkItem.grid_code == "XF-01",
            WorkItem.assignee.is_(None))).all()
    return [[item_id, version] for item_id, version in rows]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn with ``workers`` sync workers, and a thread sampling each worker's RSS."""

    def __init__(self, url: str, workers: int, folder: Path, threads: int = 1) -> None:
        self.port = _free_port()
        env = {**os.environ, "CASEGRID_DATABASE_URL": url, "CASEGRID_SECRET_KEY": "bench-secret",
               "CASEGRID_RATELIMIT_ENABLED": "false", "CASEGRID_INSTANCE": str(folder / "instance")}
        self.log = open(folder / "gunicorn.log", "w")
        self.proc = subprocess.Popen([str(BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{self.port}",
                                      "--threads", str(threads), "--timeout", "120", "web:create_app()"],
                                     cwd=HERE.parent, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self.peak: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    @property
    def host(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"gunicorn exited: {self.proc.returncode}")
            try:
                with urllib.request.urlopen(f"{self.host}/login", timeout=5) as response:
                    if response.status == 200:
                        self._thread.start()
                        return
            except OSError:
                time.sleep(0.3)
        raise SystemExit("gunicorn did not answer")

    def _sample(self) -> None:
        import psutil

        master = psutil.Process(self.proc.pid)
        while not self._stop.is_set():
            try:
                for child in master.children():
                    rss = child.memory_info().rss
                    self.peak[child.pid] = max(self.peak.get(child.pid, 0), rss)
            except psutil.Error:
                pass
            self._stop.wait(0.25)

    def worker_cpu(self) -> float:
        """CPU seconds (user + system) the workers have used so far."""
        import psutil

        total = 0.0
        for child in psutil.Process(self.proc.pid).children():
            times = child.cpu_times()
            total += times.user + times.system
        return total

    def stop(self) -> None:
        self._stop.set()
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def login_sessions(host: str, n: int) -> list[dict]:
    """``n`` sessions of grid worker wangge, logged in through the form: their cookies and CSRF token."""
    sessions = []
    for _ in range(n):
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        with opener.open(f"{host}/login", timeout=60) as page:
            token = _CSRF.search(page.read().decode()).group(1)
        form = urllib.parse.urlencode({"username": "wangge", "password": DEMO_PASSWORD, "csrf_token": token})
        with opener.open(f"{host}/login", data=form.encode(), timeout=60) as response:
            inbox = response.read().decode()  # redirected to the inbox
        if "/inbox" not in response.geturl():
            raise SystemExit(f"login failed: {response.geturl()}")
        sessions.append({"cookies": {c.name: c.value for c in jar}, "csrf": _CSRF.search(inbox).group(1)})
    return sessions


def run_locust(host: str, scenario: str, users: int, seconds: int, pool: Path | None, folder: Path) -> dict:
    """One bounded headless locust run: count, failures, requests/s and percentiles of the scenario's request."""
    out = folder / f"locust_{scenario}.json"
    env = {**os.environ, "BENCH_SCENARIO": scenario, "BENCH_SESSIONS": str(folder / "sessions.json"),
           "BENCH_OUT": str(out)}
    if pool is not None:
        env["BENCH_POOL"] = str(pool)
    run = subprocess.run([str(BIN / "locust"), "-f", str(HERE / "locustfile.py"), "--headless", "-u", str(users),
                          "-r", str(users), "-t", f"{seconds}s", "--host", host, "--only-summary",
                          "--stop-timeout", "5", "--loglevel", "WARNING"],
                         env=env, cwd=folder, check=False, capture_output=True, timeout=seconds + 120)
    name = "GET /inbox" if scenario == "inbox" else "POST /inbox/tasks/<id>"
    seen = json.loads(out.read_text()).get(name) if out.exists() else None
    if not seen:
        raise SystemExit(f"locust reported no {name!r} requests: {run.stderr[-2000:]}")
    times = [ms for _end, ms, _failed in seen]
    # Requests per second of wall time from the first request's start to the last one's end.
    span = max(end for end, _ms, _f in seen) - min(end - ms / 1000 for end, ms, _f in seen)
    return {"count": len(seen), "failures": sum(1 for *_x, failed in seen if failed),
            "rps": len(seen) / max(span, 1e-9), "p50": pct(times, 50), "p95": pct(times, 95)}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_locust_warmup(host: str, folder: Path) -> None:
    session = json.loads((folder / "sessions.json").read_text())[0]
    request = urllib.request.Request(f"{host}/inbox", headers={
        "Cookie": "; ".join(f"{k}={v}" for k, v in session["cookies"].items())})
    with urllib.request.urlopen(request, timeout=60) as response:
        response.read()


def _empty(url: str) -> None:
    bare = Database(url)
    with bare.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    bare.dispose()


def measure(url: str, label: str, workers: int, users: int, seconds: int, pool_size: int,
            figures: Figures, threads: int = 1) -> None:
    if url.startswith("postgresql"):
        _empty(url)  # leftovers of an earlier run (its unused pool) would swell the inbox measured
    db = init_database(url)[0]
    # The inbox is measured with a working backlog (BACKLOG open items for the grid worker), the POSTs
    # afterwards with the large pool they use up added: a grid worker does not face thousands of items.
    backlog = make_pool(db, min(BACKLOG, pool_size))
    with tempfile.TemporaryDirectory(prefix="casegrid-http-") as name:
        folder = Path(name)
        pool_file = folder / "pool.json"
        server = Server(url, workers, folder, threads)
        try:
            server.wait()
            (folder / "sessions.json").write_text(json.dumps(login_sessions(server.host, users)))
            for _ in range(2 * workers):  # every worker renders the inbox before the clock runs
                run_locust_warmup(server.host, folder)
            print(f"{label}: gunicorn {workers} worker(s) × {threads} thread(s) on {server.host}, locust {users} users, {seconds} s per "
                  f"scenario, {len(backlog)} open items in the inbox; load {loadavg()}", flush=True)
            results = {}
            for scenario in ("inbox", "complete"):
                if scenario == "complete":
                    pool = make_pool(db, max(0, pool_size - len(backlog)))
                    pool_file.write_text(json.dumps(pool))
                    print(f"  pool of {len(pool)} open triage items to complete", flush=True)
                cpu_before, locust_before = server.worker_cpu(), _children_cpu()
                row = run_locust(server.host, scenario, users, seconds, pool_file if scenario == "complete" else None,
                                 folder)
                # What one request costs the workers (PostgreSQL's own CPU not included), and the share of
                # the machine locust itself took: on 2 cores the generator competes with the server.
                row["worker_cpu_ms"] = (server.worker_cpu() - cpu_before) * 1000 / row["count"]
                row["locust_cpu_s"] = _children_cpu() - locust_before
                results[scenario] = row
                print(f"  {scenario}: {row['rps']:.1f} req/s, p50 {row['p50']:.1f} ms, p95 {row['p95']:.1f} ms, "
                      f"{row['count']} requests, {row['failures']} failures; worker CPU {row['worker_cpu_ms']:.1f} ms "
                      f"a request; locust used {row['locust_cpu_s']:.1f} CPU s; load {loadavg()}", flush=True)
        finally:
            server.stop()
            db.dispose()
    peak_mb = max(server.peak.values(), default=0) / 2**20
    print(f"  peak RSS per worker: {', '.join(f'{v / 2**20:.0f} MB' for v in server.peak.values())}", flush=True)
    inbox, complete = results["inbox"], results["complete"]
    figures.add(f"7.inbox_rps.{label}", f"GET /inbox requests/s, {workers} gunicorn workers, {label}",
                inbox["rps"], "req/s", "≥ 300 req/s", 300, higher_is_better=True,
                note=f"p50 {inbox['p50']:.1f} ms, p95 {inbox['p95']:.1f} ms, {inbox['failures']} failures, "
                     f"{users} users")
    figures.add(f"7.inbox_p95.{label}", f"GET /inbox p95, {label}", inbox["p95"], "ms")
    figures.add(f"7.inbox_cpu.{label}", f"worker CPU per GET /inbox, {label}", inbox["worker_cpu_ms"], "ms",
                note=f"2 dedicated cores would allow ~{2000 / inbox['worker_cpu_ms']:.0f} req/s before PostgreSQL's "
                     f"share; locust used {inbox['locust_cpu_s']:.0f} CPU s of the {seconds} s run")
    figures.add(f"7.complete_rps.{label}", f"task-complete POST requests/s, {workers} workers, {label}",
                complete["rps"], "req/s",
                note=f"p50 {complete['p50']:.1f} ms, p95 {complete['p95']:.1f} ms, {complete['failures']} failures; "
                     "each POST is followed by the redirect's GET /inbox, as in a browser")
    figures.add(f"7.complete_p95.{label}", f"task-complete POST p95, {label}", complete["p95"], "ms")
    figures.add(f"7.rss.{label}", f"peak RSS of one web worker, {label}", peak_mb, "MB", "≤ 200 MB", 200)
    failures = inbox["failures"] + complete["failures"]
    if failures:
        raise SystemExit(f"{failures} failed requests (see gunicorn.log)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="Database URL (PostgreSQL for the figure); rows are added to it.")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--threads", type=int, default=1,
                        help="Threads per worker (gunicorn gthread): a worker waiting on PostgreSQL serves another.")
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--pool", type=int, default=6000, help="Open triage items for the POST scenario.")
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    figures = Figures()
    if args.smoke:
        with scratch_sqlite("fig7.db") as url:
            measure(url, "sqlite", 1, 2, 2, 60, figures)
    else:
        if not args.db:
            parser.error("--db is required (or --smoke)")
        label = "postgresql" if args.db.startswith("postgresql") else "sqlite"
        if args.threads > 1:
            label += f"-{args.threads}threads"
        measure(args.db, label, args.workers, args.users, args.seconds, args.pool, figures, args.threads)
    figures.write(args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
