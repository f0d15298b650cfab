"""Benchmark (issue 23): a phone's queue of 200 captured visits synced when the network returns.

The grid worker's phone page (/field/m, static/js/field_offline.js) sends its queue one capture at a time to
``POST /field/m/visits``. Here the same requests go through the Flask app (test client, CSRF off; no network)
on a database with ``--households`` households in the worker's grid: 200 captures with needs, then the same 200
again (a phone whose answers were lost: each must be answered with its first visit, nothing stored twice).
Target: the 200 synced in ≤ 10 s.

Run from the repository root::

    python bench/field_sync.py                                  # SQLite in a temporary folder
    python bench/field_sync.py --db postgresql+psycopg://…/casegrid_bench
"""
from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import Figures, loadavg, med, pct, scratch_sqlite  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402

from engine.bootstrap import init_database  # noqa: E402
from engine.clock import FixedClock  # noqa: E402
from engine.council.models import Household  # noqa: E402
from engine.db import Database  # noqa: E402
from engine.demo.organisation import DEMO_PASSWORD, seed_organisation  # noqa: E402
from engine.field.models import FieldNeed, FieldVisit  # noqa: E402

NOW = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)


def run(db: Database, label: str, households: int, captures: int, figures: Figures) -> None:
    from web import create_app

    with db.transaction() as s:
        seed_organisation(s)
        s.execute(insert(Household), [{"community": "幸福里社区", "building": f"{i // 40}号楼", "room": f"{i % 40 + 101}",
                                       "head_name": "住户", "grid_code": "XF-01"} for i in range(households)])
        homes = list(s.scalars(select(Household.id).where(Household.grid_code == "XF-01").limit(captures)))
    clock = FixedClock(NOW)
    app = create_app({"DATABASE": db, "DATABASE_URL": db.url, "CLOCK": clock, "SECRET_KEY": "bench",
                      "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False, "TESTING": False})
    client = app.test_client()
    assert client.post("/login", data={"username": "wangge", "password": DEMO_PASSWORD}).status_code == 302
    queue = [{"client_key": f"bench-capture-{k:05d}", "household_id": homes[k % len(homes)],
              "visited_on": "2026-03-09", "met": "户主本人", "notes": "身体尚可，生活能自理",
              "needs": ["楼道灯坏了"] if k % 4 == 0 else []} for k in range(captures)]
    note = f"load {loadavg()}; {households:,} households in the grid"
    for attempt, expected in (("first", 201), ("again", 200)):
        each = []
        t0 = time.perf_counter()
        for capture in queue:
            t = time.perf_counter()
            response = client.post("/field/m/visits", json=capture)
            each.append((time.perf_counter() - t) * 1000)
            assert response.status_code == expected, (response.status_code, response.get_data(as_text=True))
        total = time.perf_counter() - t0
        target = ("≤ 10 s", 10.0) if attempt == "first" else ("", None)
        figures.add(f"sync_{attempt}_{label}", f"sync {captures} queued captures, {attempt} ({label})", total, "s",
                    target[0], target[1], note=f"per capture p50 {med(each):.1f} ms, p95 {pct(each, 95):.1f} ms; {note}")
    with db.reading() as s:
        stored = s.scalar(select(func.count()).select_from(FieldVisit))
        needs = s.scalar(select(func.count()).select_from(FieldNeed))
    assert stored == captures and needs == -(-captures // 4), (stored, needs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", action="append", help="Database URL (repeatable); default a temporary SQLite file.")
    parser.add_argument("--households", type=int, default=500)
    parser.add_argument("--captures", type=int, default=200)
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    figures = Figures()
    if args.db:
        for url in args.db:
            db = init_database(url)[0]
            run(db, "sqlite" if db.is_sqlite else "postgresql", args.households, args.captures, figures)
            db.dispose()
    else:
        with scratch_sqlite("sync.db") as url:
            db = init_database(url)[0]
            run(db, "sqlite", args.households, args.captures, figures)
            db.dispose()
    figures.write(args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
