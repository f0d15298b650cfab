"""Benchmark: the quarterly assessment (季评估) over 1 000 000 cases (DESIGN.md §4: ≤ 30 s on SQLite).

Generates a street office with N cases in the quarter assessed (2026Q3) and the quarter before —
every case with its triage task, most with a department's dispatch and three deadline tasks, most
closed and rated — written straight into the tables with ``executemany`` (the engine's services would
take hours for a million cases; the assessment reads only ``case``, ``work_item``, ``rating``
and ``assignment``). Then it times ``AssessmentService.assess("quarterly", "2026Q3")`` end to end: the
four aggregation queries for the quarter, the same for the previous quarter (no stored run, so
it is computed too), scoring and storing the results. Beside it, as a yardstick on the same
machine at the same moment: one full scan of the ``case`` table.

Run from the repository root with the project installed::

    python bench/assessment_1m.py                       # 1 000 000 cases in a temporary SQLite file
    python bench/assessment_1m.py --cases 100000        # a quicker look
    python bench/assessment_1m.py --spread one          # all million cases in the quarter assessed
    python bench/assessment_1m.py --db postgresql+psycopg://postgres@127.0.0.1:5432/casegrid_bench
    python bench/assessment_1m.py --db sqlite:///big.db --keep   # keep the file; rerun with --reuse

On PostgreSQL the database must be empty or disposable: the script creates the schema in it.
"""
from __future__ import annotations

import argparse
import platform
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text

from engine.assessments import AssessmentService
from engine.bootstrap import init_database
from engine.calendar import WorkCalendar
from engine.cases.models import Case
from engine.clock import FixedClock, to_db
from engine.db import Database
from engine.demo.organisation import seed_organisation
from engine.people.operations import ensure_grid
from engine.specs.models import ProcessVersion

BEIJING = ZoneInfo("Asia/Shanghai")
#: Where the cases are opened: across Q2 and Q3 (``--spread two``, the default: the previous quarter the
#: trend needs is as busy as the one assessed), or all in Q3 (``--spread one``: a million in the quarter).
SPREADS = {"two": datetime(2026, 4, 1, tzinfo=BEIJING).astimezone(UTC),
           "one": datetime(2026, 7, 1, tzinfo=BEIJING).astimezone(UTC)}
END = datetime(2026, 10, 1, tzinfo=BEIJING).astimezone(UTC)
NOW = datetime(2026, 10, 20, 2, tzinfo=UTC)
DEPARTMENTS = ("chengguan", "minzheng", "weijian", "zhujian", "gongan", "wuye")
CATEGORIES = ("物业管理", "环境卫生", "公共设施", "停车交通", "噪音扰民", "养老服务", "安全隐患", "邻里纠纷", "其他")
COMMUNITIES = ("幸福里社区", "和平苑社区", "光明社区", "长青社区", "新民社区")
#: (grid code, community): four grids per community.
GRIDS = [(f"G{c}{g}", community) for c, community in enumerate(COMMUNITIES) for g in range(1, 5)]
CHUNK = 20_000


def _sqlite_ts(moment: datetime | None) -> str | None:
    # SQLAlchemy's SQLite storage format, microseconds always written: the assessment compares these as text.
    return None if moment is None else to_db(moment).strftime("%Y-%m-%d %H:%M:%S.%f")


class Writer:
    """Rows buffered per table and written with one ``executemany`` per chunk."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.sqlite = db.is_sqlite
        self.ts = _sqlite_ts if self.sqlite else to_db
        self.buffers: dict[str, list[tuple]] = {"case": [], "work_item": [], "rating": [], "assignment": []}
        self.counts = {name: 0 for name in self.buffers}
        mark = "?" if self.sqlite else "%s"
        self.sql = {
            "case": 'INSERT INTO "case" (id, tracking_code, uuid, process_key, process_version_id, status, phase, '
                    "outcome, title, category, grid_code, community, address, description, channel, department_code, "
                    "opened_at, opened_by, closed_at, snapshot, version, next_timer_at, last_seq, head_hash) "
                    f"VALUES ({', '.join([mark] * 24)})",
            "work_item": "INSERT INTO work_item (id, case_id, task_id, bpmn_id, name, form_key, role, department_code, "
                         f"grid_code, state, created_at, due_at, finished_at) VALUES ({', '.join([mark] * 13)})",
            "rating": "INSERT INTO rating (id, case_id, value, is_default, rated_at, rated_by) "
                      f"VALUES ({', '.join([mark] * 6)})",
            "assignment": "INSERT INTO assignment (id, case_id, department_code, state, assigned_at, escalations) "
                          f"VALUES ({', '.join([mark] * 6)})",
        }

    def add(self, table: str, row: tuple) -> None:
        buffer = self.buffers[table]
        buffer.append(row)
        if len(buffer) >= CHUNK:
            self.flush()  # every table, cases first: work items and ratings refer to them

    def flush(self) -> None:
        for name in self.buffers:
            rows = self.buffers[name]
            if not rows:
                continue
            with self.db.engine.begin() as conn:
                conn.exec_driver_sql(self.sql[name], rows)
            self.counts[name] += len(rows)
            self.buffers[name] = []


def generate(db: Database, n: int, start: datetime, seed: int = 2026) -> dict[str, int]:
    """``n`` cases opened between ``start`` and the end of Q3 2026, as far along as ``NOW`` allows."""
    with db.transaction() as s:
        seed_organisation(s)
        for code, community in GRIDS:
            ensure_grid(s, code, f"{community[:-2]}{code[-1]}网格", community)
        version = s.scalar(select(func.min(ProcessVersion.id)))
    rng = random.Random(seed)
    calendar = WorkCalendar()
    w = Writer(db)
    ts, next_id = w.ts, 0
    span = (END - start).total_seconds()
    hours = lambda low, high: timedelta(hours=rng.uniform(low, high))
    # Cases arrive in time order, as they do in production: ids grow with ``opened_at``.
    openings = sorted(rng.random() * span for _ in range(n))
    for case_id, offset in enumerate(openings, start=1):
        opened = start + timedelta(seconds=offset)
        grid, community = rng.choice(GRIDS)
        mediation = rng.random() < 0.05
        dept = None if mediation or rng.random() < 0.4 else rng.choice(DEPARTMENTS)
        items: list[tuple] = []
        t = opened + hours(0.1, 30)
        items.append(("triage", "grid_worker", None, opened, None, t))
        done = t <= NOW
        if done and dept:
            for form_key, days in (("acceptance", 1), ("on_site", 3), ("completion", 5)):
                due = calendar.add_workdays(t, days)
                finished = t + hours(0.5, 30 * days) if rng.random() < 0.9 else due + hours(1, 48)
                items.append((form_key, "department", dept, t, due, finished if finished <= NOW else None))
                if finished > NOW:
                    done = False
                    break
                t = finished
        closed = outcome = None
        if done and rng.random() < 0.9:
            closed = t + hours(1, 150)
            if closed > NOW:
                closed = None
            else:
                outcome = rng.choices(["resolved", "rejected", "merged", "closed_by_supervisor"], [85, 5, 4, 6])[0]
                if mediation:
                    outcome = "resolved" if rng.random() < 0.88 else "referred"
        w.add("case", (case_id, f"B{case_id:011d}", str(uuid.UUID(int=case_id)),
                       "mediation" if mediation else "civic_loop", version, "closed" if closed else "open",
                       "closed" if closed else "assign", outcome, "基准测试案件", rng.choice(CATEGORIES), grid, community,
                       f"{community}{rng.randint(1, 400)}号楼", "基准测试", "web", dept, ts(opened), "bench",
                       ts(closed), "{}", 1, None, 0, "0" * 64))
        if dept and len(items) > 1:  # the dispatch (交办) the department's deadlines belong to; a few are returned
            next_id += 1
            w.add("assignment", (next_id, case_id, dept, "returned" if rng.random() < 0.03 else "accepted",
                                 ts(items[1][3]), 0))
        for form_key, role, department, created, due, finished in items:
            next_id += 1
            state = "completed" if finished else "ready"
            w.add("work_item", (next_id, case_id, f"t{next_id}", form_key, form_key, form_key, role, department, grid,
                                state, ts(created), ts(due), ts(finished)))
        if closed and outcome != "merged" and rng.random() < 0.85:
            if rng.random() < 0.04:
                next_id += 1
                w.add("rating", (next_id, case_id, "dissatisfied", False, ts(closed - hours(24, 72)), "bench"))
            next_id += 1
            value = rng.choices(["satisfied", "basically", "dissatisfied"], [75, 18, 7])[0]
            default = rng.random() < 0.15
            w.add("rating", (next_id, case_id, "basically" if default else value, default, ts(closed), "bench"))
    w.flush()
    return w.counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--db", default=None, help="Database URL (default: a temporary SQLite file).")
    parser.add_argument("--keep", action="store_true", help="Keep the temporary SQLite file.")
    parser.add_argument("--reuse", action="store_true", help="The database already holds the cases: only time.")
    parser.add_argument("--repeat", type=int, default=3, help="How many times to time the assessment.")
    parser.add_argument("--spread", choices=sorted(SPREADS), default="two",
                        help="Cases across Q2 and Q3 (two, default) or all in Q3 (one).")
    args = parser.parse_args()
    folder = None
    if args.db is None:
        folder = tempfile.mkdtemp(prefix="casegrid-bench-")
        args.db = f"sqlite:///{Path(folder) / 'assessment.db'}"
    print(f"# quarterly assessment over {args.cases:,} cases · {args.db.split('@')[-1]}")
    print(f"# {platform.python_version()}, {platform.machine()}, load {_load()}")
    db = init_database(args.db)[0]
    if not args.reuse:
        started = time.perf_counter()
        counts = generate(db, args.cases, SPREADS[args.spread])
        print(f"generated {counts['case']:,} cases, {counts['work_item']:,} work items, {counts['rating']:,} ratings "
              f"in {time.perf_counter() - started:.1f} s")
    with db.reading() as s:
        in_q3 = s.scalar(select(func.count()).select_from(Case).where(
            Case.opened_at >= to_db(datetime(2026, 7, 1, tzinfo=BEIJING)), Case.opened_at < to_db(END)))
        started = time.perf_counter()
        s.execute(text('SELECT count(*), sum(length(category)) FROM "case"')).one()
        scan = time.perf_counter() - started
    print(f"cases opened in 2026Q3: {in_q3:,}; full scan of the case table: {scan:.2f} s")
    service = AssessmentService(db, FixedClock(NOW))
    timings = []
    for attempt in range(args.repeat):
        marks: list[tuple[str, float]] = []
        started = time.perf_counter()
        run_id = service.assess("quarterly", "2026Q3", triggered_by="bench", progress=partial(_mark, marks))
        total = time.perf_counter() - started
        timings.append(total)
        steps, last = [], started
        for name, moment in marks:
            steps.append(f"{name} {moment - last:.2f}")
            last = moment
        print(f"run {attempt + 1}: {total:.2f} s  ({', '.join(steps)})")
    report = service.report(run_id)
    street = {r.indicator: r for r in report.results if r.unit_type == "street"}
    print(f"best {min(timings):.2f} s, median {sorted(timings)[len(timings) // 2]:.2f} s over {len(timings)} runs; "
          f"{len(report.results)} figures, {report.run.flagged_units} flagged units")
    print(f"street: volume {street['volume'].value:.0f}, resolution {street['resolution_rate'].value:.3f}, "
          f"median {street['handling_median'].value} / p90 {street['handling_p90'].value} working days")
    db.dispose()
    if folder and not args.keep:
        for path in Path(folder).iterdir():
            path.unlink()
        Path(folder).rmdir()
    elif folder:
        print(f"kept {args.db}", file=sys.stderr)


def _mark(marks: list[tuple[str, float]], name: str) -> None:
    marks.append((name, time.perf_counter()))


def _load() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


if __name__ == "__main__":
    main()
