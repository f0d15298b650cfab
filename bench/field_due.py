"""Benchmark (issue 23): a grid worker's due-visit list (待走访) over many households.

The register holds N households in G grids (``--households``, default 50 000 in 100 grids); a fifth are
flagged 独居老人 and a plan asks for 2 visits a month, so the month has 2N/5 due visits, all still open (the
list's worst case). Timed after a warm-up, p50 / p95 of ``FieldService.due_list`` (the list the grid worker's
inbox and /field show: the open due visits of their grid, soonest first) and ``due_count`` — target p95 ≤ 50 ms.
Generating the month's due visits (set-based, one read per plan) is timed once. The SLA sweep's ``field`` stage
(engine/sweep/stages.py) is timed too: a rerun of the generation with every due visit already there (what
the hourly run costs), and the reminders at a moment 2 days before the first deadline — the first cycle writes
one message per grid, the next finds them all written (what every later cycle costs).

Run from the repository root::

    python bench/field_due.py --db sqlite:////tmp/field.db --households 50000
    python bench/field_due.py --smoke      # 2 000 households, seconds
"""
from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import Figures, loadavg, med, pct, scratch_sqlite  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402

from engine.bootstrap import init_database  # noqa: E402
from engine.clock import FixedClock  # noqa: E402
from engine.council.models import Household  # noqa: E402
from engine.db import Database  # noqa: E402
from engine.demo.organisation import seed_organisation  # noqa: E402
from engine.field.models import HouseholdFlag  # noqa: E402
from engine.field.service import FieldService  # noqa: E402
from engine.people.actor import Actor  # noqa: E402
from engine.people.models import Grid  # noqa: E402

NOW = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
SUPERVISOR = Actor("dudao", "supervisor")


def load(db: Database, households: int, grids: int) -> float:
    """The register, flags and plan; returns the seconds generating the month's due visits took."""
    with db.transaction() as s:
        seed_organisation(s)
        s.execute(insert(Grid), [{"code": f"BG-{g:03d}", "name": f"网格{g}", "community": f"社区{g // 10}"}
                                 for g in range(grids)])
    per_grid = households // grids
    batch = []
    for g in range(grids):
        for i in range(per_grid):
            batch.append({"community": f"社区{g // 10}", "building": f"{g}-{i // 40}号楼", "room": f"{i % 40 + 101}",
                          "head_name": "住户", "grid_code": f"BG-{g:03d}"})
    with db.transaction() as s:
        for k in range(0, len(batch), 5000):
            s.execute(insert(Household), batch[k:k + 5000])
        ids = list(s.scalars(select(Household.id).where(Household.grid_code.like("BG-%"))))
        s.execute(insert(HouseholdFlag), [{"household_id": h, "flag": "living_alone_elderly", "set_by": "bench",
                                           "set_at": NOW.replace(tzinfo=None)} for h in ids[::5]])
    field = FieldService(db, FixedClock(NOW))
    t = time.perf_counter()
    field.create_plan(name="独居老人每月2次", flag="living_alone_elderly", per_month=2, grid_code=None, actor=SUPERVISOR)
    generated = time.perf_counter() - t
    if not db.is_sqlite:  # what autovacuum does after a bulk load: the planner sees the new rows
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE household, household_flag, due_visit, visit_plan")
    return generated


def run(db: Database, label: str, repeat: int, grids: int, figures: Figures, generated: float | None) -> None:
    field = FieldService(db, FixedClock(NOW))
    workers = [Actor(f"w{g}", "grid_worker", grid_code=f"BG-{g:03d}") for g in range(grids)]
    for worker in workers[:5]:
        assert field.due_list(worker), "the bench grid has no due visits"
    lists, counts = [], []
    for k in range(repeat):
        worker = workers[(k * 7) % grids]
        t = time.perf_counter()
        field.due_list(worker)
        lists.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        field.due_count(worker)
        counts.append((time.perf_counter() - t) * 1000)
    note = f"load {loadavg()}"
    figures.add(f"due_list_{label}", f"due_list() p50 ({label})", med(lists), "ms", note=note)
    figures.add(f"due_list_p95_{label}", f"due_list() p95 ({label})", pct(lists, 95), "ms", "≤ 50 ms", 50, note=note)
    figures.add(f"due_count_p95_{label}", f"due_count() p95 ({label})", pct(counts, 95), "ms", "≤ 50 ms", 50,
                note=note)
    sweep_clock = FixedClock(datetime(2026, 3, 14, 2, 0, tzinfo=UTC))
    sweeping = FieldService(db, sweep_clock)
    t = time.perf_counter()
    again = sweeping.generate_due(at=sweep_clock.now())
    regenerate = (time.perf_counter() - t) * 1000
    assert again.created == 0, again
    t = time.perf_counter()
    first = sweeping.remind_due()
    remind_first = (time.perf_counter() - t) * 1000
    t = time.perf_counter()
    second = sweeping.remind_due()
    remind_again = (time.perf_counter() - t) * 1000
    assert first["reminded"] >= grids and second["reminded"] == 0, (first, second)
    figures.add(f"due_regenerate_{label}", f"sweep: hourly due-visit generation, nothing new ({label})", regenerate,
                "ms", note=note)
    figures.add(f"due_remind_first_{label}", f"sweep: reminders, first cycle ({first['reminded']} messages, {label})",
                remind_first, "ms", note=note)
    figures.add(f"due_remind_again_{label}", f"sweep: reminders, a later cycle (nothing new, {label})", remind_again,
                "ms", note=note)
    if generated is not None:
        figures.add(f"due_generate_{label}", f"generate one month's due visits ({label})", generated * 1000, "ms",
                    note=note)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", action="append", help="Database URL (repeatable: SQLite and PostgreSQL).")
    parser.add_argument("--households", type=int, default=50_000)
    parser.add_argument("--grids", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=300)
    parser.add_argument("--smoke", action="store_true", help="2 000 households in a temporary SQLite file.")
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    figures = Figures()
    if args.smoke:
        with scratch_sqlite("field.db") as url:
            db = init_database(url)[0]
            generated = load(db, 2000, 10)
            run(db, "sqlite", 30, 10, figures, generated)
            db.dispose()
    else:
        for url in args.db or []:
            db = init_database(url)[0]
            generated = load(db, args.households, args.grids)
            run(db, "sqlite" if db.is_sqlite else "postgresql", args.repeat, args.grids, figures, generated)
            db.dispose()
    figures.write(args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
