"""Benchmark (DESIGN.md §4, figure 4): the inbox query and the case page with 1 000 000 historical cases.

The database holds N closed historical cases (``bench/bulkload.py``: copies of engine-run cases,
valid chains) plus a backlog of open cases driven through the engine here, so inboxes are not empty.
Timed, each over many calls after a warm-up, p50 / p95:

- ``CaseService.inbox_page`` (the engine's inbox query, page 1, no filter) for a grid worker, a
  department, the council and a supervisor — the target is ≤ 50 ms;
- the case page: ``GET /cases/<code>`` through the Flask test client, logged in as the supervisor, for
  a random historical case (the whole request: route, ``case_page``, template);
- beside it, as the bare-SpiffWorkflow yardstick: an inbox computed the naive way a plain
  SpiffWorkflow application would, deserializing every open case's workflow and asking it for its
  ready tasks (read with casegrid's snapshot loader, which is already faster than SpiffWorkflow's default
  with the spec embedded).

Run from the repository root::

    python bench/inbox_case_page.py --db sqlite:////tmp/big.db --cases 1000000   # load, then time
    python bench/inbox_case_page.py --db sqlite:////tmp/big.db --reuse            # time an existing load
    python bench/inbox_case_page.py --smoke                                         # 500 cases, seconds
"""
from __future__ import annotations

import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import Figures, loadavg, med, pct  # noqa: E402
from bulkload import for_each_loaded, loaded_parser, sample_case_ids  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from engine import CaseService  # noqa: E402
from engine.cases.models import Case  # noqa: E402
from engine.clock import FixedClock  # noqa: E402
from engine.db import Database  # noqa: E402
from engine.demo.driver import DEMO_ACTORS, Driver  # noqa: E402
from engine.demo.organisation import DEMO_PASSWORD  # noqa: E402
from engine.demo.scenarios import waiting_for_council, waiting_for_department  # noqa: E402

#: "Now" for the backlog and the timings: after every historical case.
NOW = datetime(2026, 10, 12, 2, 0, tzinfo=UTC)
ACTORS = ("wangge", "chengguan", "yishi", "dudao")


def ensure_backlog(db: Database, clock: FixedClock, open_cases: int) -> int:
    """Open cases (waiting for the council or a department) driven through the engine, up to ``open_cases``."""
    with db.reading() as s:
        have = s.scalar(select(func.count()).select_from(Case).where(Case.status == "open")) or 0
    driver = Driver(CaseService(db, clock), clock)
    rng = random.Random(11)
    for i in range(have, open_cases):
        clock.set(NOW - timedelta(days=rng.uniform(0.5, 20)))
        (waiting_for_department if i % 3 else waiting_for_council)(driver)
    clock.set(NOW)
    with db.reading() as s:
        return s.scalar(select(func.count()).select_from(Case).where(Case.status == "open")) or 0


def timed(fn, repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    fn()
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def bare_inbox(db: Database, lane: str) -> int:
    """The naive inbox of a plain SpiffWorkflow app: load every open workflow, list its ready tasks in a lane."""
    from SpiffWorkflow.util.task import TaskState

    from engine.bpmn.serializer import load_snapshot
    from engine.specs.registry import process_of

    found = 0
    with db.reading() as s:
        for version_id, snapshot in s.execute(select(Case.process_version_id, Case.snapshot)
                                              .where(Case.status == "open")):
            workflow = load_snapshot(snapshot, process_of(s, version_id))[0]
            found += sum(1 for t in workflow.get_tasks(state=TaskState.READY, manual=True)
                         if t.task_spec.lane == lane)
    return found


def run(db: Database, label: str, repeat: int, open_cases: int, figures: Figures) -> None:
    clock = FixedClock(NOW)
    started = time.perf_counter()
    backlog = ensure_backlog(db, clock, open_cases)
    with db.reading() as s:
        total = s.scalar(select(func.count()).select_from(Case)) or 0
    print(f"{label}: {total:,} cases, {backlog:,} open (backlog ready in {time.perf_counter() - started:.1f} s); "
          f"load {loadavg()}", flush=True)
    service = CaseService(db, clock)
    actors = {a.username: a for a in DEMO_ACTORS}
    worst_p95 = 0.0
    for name in ACTORS:
        actor = actors[name]
        rows = len(service.inbox_page(actor).rows)
        samples = timed(lambda: service.inbox_page(actor), repeat)
        worst_p95 = max(worst_p95, pct(samples, 95))
        print(f"  inbox_page {actor.role:12s} ({name}, {rows} rows on page 1): p50 {med(samples):.2f} ms, "
              f"p95 {pct(samples, 95):.2f} ms", flush=True)
        figures.add(f"4.inbox.{label}.{actor.role}", f"inbox query p50, {actor.role}, {label}", med(samples), "ms",
                    "≤ 50 ms", 50, note=f"p95 {pct(samples, 95):.2f} ms, {total:,} cases")
    figures.add(f"4.inbox.{label}.p95", f"inbox query worst p95, {label}", worst_p95, "ms", "≤ 50 ms (p50)",
                note="worst actor")

    from web import create_app

    app = create_app({"DATABASE": db, "DATABASE_URL": db.url, "CLOCK": clock, "SECRET_KEY": "bench",
                      "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False, "TESTING": False})
    client = app.test_client()
    response = client.post("/login", data={"username": "dudao", "password": DEMO_PASSWORD})
    assert response.status_code == 302, response.status_code
    with db.reading() as s:
        ids = sample_case_ids(db, repeat + 1)
        codes = dict(s.execute(select(Case.id, Case.tracking_code).where(Case.id.in_(ids))).tuples().all())
    sample = [codes[i] for i in ids if i in codes]
    page_ms = []
    for code in sample:
        t0 = time.perf_counter()
        response = client.get(f"/cases/{code}")
        page_ms.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, (code, response.status_code)
    page_ms = page_ms[1:]
    print(f"  case page GET /cases/<code>, {len(page_ms)} random historical cases: p50 {med(page_ms):.2f} ms, "
          f"p95 {pct(page_ms, 95):.2f} ms", flush=True)
    figures.add(f"4.case_page.{label}", f"case page GET p50, {label}", med(page_ms), "ms",
                note=f"p95 {pct(page_ms, 95):.2f} ms; no target in DESIGN.md")
    bare = timed(lambda: bare_inbox(db, "网格员"), max(3, repeat // 20))
    print(f"  bare SpiffWorkflow inbox (deserialize {backlog} open workflows): p50 {med(bare):.1f} ms", flush=True)
    figures.add(f"4.bare_inbox.{label}", f"bare SpiffWorkflow inbox (load every open workflow), {label}",
                med(bare), "ms", note=f"{backlog} open cases; casegrid reads work_item rows instead")


def main(argv: list[str] | None = None) -> int:
    parser = loaded_parser(__doc__.splitlines()[0], cases=1_000_000, smoke="500 cases in a temporary SQLite file.")
    parser.add_argument("--open", type=int, default=300, help="Open cases in the backlog.")
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args(argv)
    figures = Figures()
    for_each_loaded(args, "fig4.db", lambda db, label, smoke: run(
        db, label, 10 if smoke else args.repeat, 6 if smoke else args.open, figures))
    figures.write(args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
