"""Benchmark (DESIGN.md §4): the SLA sweep with nothing due over 1 000 000 historical cases (≤ 10 ms), and its
cost per due case.

The database holds N closed historical cases (``bench/bulkload.py``). Timed:

- **nothing due**: one whole sweep cycle as ``casegrid serve`` runs it every minute (take the lease, record
  the cycle, the ``timers``, ``reminders`` and ``outbox`` stages), and each stage alone; the target is
  ≤ 10 ms for the cycle. The due-timer query reads the ``case.next_timer_at`` index only;
- **per due case**: K open cases past their acceptance deadline, fired by the ``timers`` stage (one
  transaction per case: lock, load, fire, escalate, save, events, outbox row), milliseconds per case;
  beside it the engine step alone on the same snapshots (load, fire the timer, save — in memory, no
  database), so the share of the database in the cost is visible.

Run from the repository root::

    python bench/sla_sweep.py --db sqlite:////tmp/big.db --reuse          # time an existing bulk load
    python bench/sla_sweep.py --db sqlite:////tmp/big.db --cases 1000000  # load first, then time
    python bench/sla_sweep.py --smoke                                       # 500 cases, seconds
"""
from __future__ import annotations

import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import Figures, loadavg, med, pct  # noqa: E402
from bulkload import for_each_loaded, loaded_parser  # noqa: E402
from sqlalchemy import func, select, update  # noqa: E402

from engine import CaseService  # noqa: E402
from engine.calendar.store import load_calendar  # noqa: E402
from engine.cases.models import Case, Notification  # noqa: E402
from engine.clock import FixedClock  # noqa: E402
from engine.db import Database  # noqa: E402
from engine.demo.driver import Driver  # noqa: E402
from engine.demo.scenarios import waiting_for_department  # noqa: E402
from engine.notify import Outgoing  # noqa: E402
from engine.runtime import apply_event, load, new_context  # noqa: E402
from engine.specs.registry import process_of  # noqa: E402
from engine.sweep import lease  # noqa: E402
from engine.sweep.cycle import run_cycle  # noqa: E402
from engine.sweep.stages import SweepContext, default_stages  # noqa: E402

#: "Now" for the timings: after every historical case (bulk-loaded histories end before it).
NOW = datetime(2026, 10, 12, 2, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


class Discard:
    """A sender that delivers nowhere: the outbox stage is timed, not a network."""

    def send(self, notification: Outgoing) -> None:
        pass


def timed(fn, repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    fn()
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def due_now(db: Database, now: datetime) -> int:
    with db.reading() as s:
        return s.scalar(select(func.count()).select_from(Case).where(Case.next_timer_at < now.replace(tzinfo=None))) or 0


def nothing_due(db: Database, label: str, repeat: int, figures: Figures) -> None:
    clock = FixedClock(NOW)
    service = CaseService(db, clock)
    stages = default_stages(service.hooks, Discard())
    with db.reading() as s:
        total = s.scalar(select(func.count()).select_from(Case)) or 0
    assert due_now(db, NOW) == 0, "the historical cases must have nothing due"
    # The copies' escalation notices were never sent (no sweep ran while they were cloned); in a real
    # installation they went out long ago. Mark them so, or the first cycle would deliver years of history.
    with db.transaction() as s:
        s.execute(update(Notification).where(Notification.sent_at.is_(None)).values(sent_at=Notification.created_at))

    def cycle() -> None:
        clock.advance(minutes=1)  # one cycle a minute, as served; the lease is renewed each time
        report = run_cycle(db, clock, stages, holder="bench", interval=MINUTE)
        assert report is not None and not report.errors, report

    samples = timed(cycle, repeat)
    figures.add(f"8.sweep_idle.{label}", f"SLA sweep cycle with nothing due, {total:,} cases, {label}", med(samples),
                "ms", "≤ 10 ms", 10, note=f"p95 {pct(samples, 95):.2f} ms; lease, cycle record, every stage")
    def one_commit() -> None:  # the yardstick: one one-row write transaction on the same database, now
        with db.transaction() as s:
            lease.take(s, "bench-probe", clock.now(), MINUTE, name="bench-probe")

    commit = timed(one_commit, repeat)
    figures.add(f"8.sweep_idle.{label}.commit", f"  one one-row write transaction (its commit's fsync), {label}",
                med(commit), "ms", note=f"p95 {pct(commit, 95):.2f} ms; an idle cycle commits once (its record, "
                                        "which renews the lease)")
    ctx = SweepContext(db, clock, clock.now())
    for stage in stages:
        alone = timed(lambda stage=stage: stage.run(ctx), repeat)
        figures.add(f"8.sweep_idle.{label}.{stage.name}", f"  stage {stage.name} alone, nothing due, {label}",
                    med(alone), "ms", note=f"p95 {pct(alone, 95):.2f} ms")


def per_due_case(db: Database, label: str, cases: int, figures: Figures) -> None:
    clock = FixedClock(NOW - timedelta(days=8))
    service = CaseService(db, clock)
    driver = Driver(service, clock)
    ids = [waiting_for_department(driver).id for _ in range(cases)]
    clock.set(NOW)  # every acceptance deadline (1 working day) has passed
    with db.reading() as s:
        rows = s.execute(select(Case.process_version_id, Case.snapshot, Case.uuid, Case.version)
                         .where(Case.id.in_(ids))).all()
        calendar = load_calendar(s, NOW)
        processes = {v: process_of(s, v) for v, _snap, _uuid, _ver in rows}
    t0 = time.perf_counter()
    fired = service.sweep_timers(batch=cases, batches=1)
    total_ms = (time.perf_counter() - t0) * 1000
    counts = fired.counts()
    assert counts["cases"] == cases and counts["failed"] == 0, counts
    engine_ms = []
    for version_id, snapshot, case_uuid, _version in rows:
        process = processes[version_id]
        t1 = time.perf_counter()
        instance = load(process, snapshot, case_uuid)
        instance = apply_event(instance, process, "timers_fired", {},
                               new_context(case_uuid, instance.ids.issued, NOW, calendar))
        instance.snapshot()
        engine_ms.append((time.perf_counter() - t1) * 1000)
    per_case = total_ms / cases
    figures.add(f"8.sweep_due.{label}", f"SLA sweep per due case (fire + escalate + outbox row), {label}", per_case,
                "ms", note=f"{cases} due cases in {total_ms:.0f} ms; engine step alone (load, fire, save in memory) "
                           f"p50 {med(engine_ms):.2f} ms = {med(engine_ms) / per_case:.0%} of it")
    # Afterwards nothing is due again: the next minute's sweep costs what the idle figure says.
    assert due_now(db, NOW) == 0


def run(db: Database, label: str, repeat: int, cases: int, figures: Figures) -> None:
    print(f"{label}: load {loadavg()}", flush=True)
    nothing_due(db, label, repeat, figures)
    per_due_case(db, label, cases, figures)


def main(argv: list[str] | None = None) -> int:
    parser = loaded_parser(__doc__.splitlines()[0], cases=1_000_000, smoke="500 cases in a temporary SQLite file.")
    parser.add_argument("--due", type=int, default=200, help="Due cases for the per-case cost.")
    parser.add_argument("--repeat", type=int, default=100)
    args = parser.parse_args(argv)
    figures = Figures()
    for_each_loaded(args, "sweep.db", lambda db, label, smoke: run(
        db, label, 10 if smoke else args.repeat, 5 if smoke else args.due, figures))
    figures.write(args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
