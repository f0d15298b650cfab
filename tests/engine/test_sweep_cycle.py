"""The sweep cycle: one holder of the lease at a time, stages isolated from each other, a record per cycle."""
from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import timedelta

from sqlalchemy import func, select

from engine.clock import FixedClock
from engine.db import Database
from engine.sweep import lease
from engine.sweep.cycle import KEEP_RUNS, run_cycle
from engine.sweep.models import SweepRun
from engine.sweep.stages import Stage, SweepContext

MINUTE = timedelta(minutes=1)


def _counting(name: str, seen: list[str]) -> Stage:
    def run(ctx: SweepContext) -> Mapping[str, int]:
        seen.append(name)
        return {"done": 1}
    return Stage(name, name, run)


def _failing(ctx: SweepContext) -> Mapping[str, int]:
    raise RuntimeError("SMTP server unreachable")


def test_a_second_process_does_not_sweep_while_the_first_holds_the_lease(db: Database, clock: FixedClock) -> None:
    seen: list[str] = []
    stages = [_counting("timers", seen)]
    assert run_cycle(db, clock, stages, holder="web:a", interval=MINUTE) is not None
    assert run_cycle(db, clock, stages, holder="web:b", interval=MINUTE) is None
    clock.advance(minutes=1)
    assert run_cycle(db, clock, stages, holder="web:a", interval=MINUTE) is not None  # the holder renews it
    assert run_cycle(db, clock, stages, holder="web:b", interval=MINUTE) is None
    assert seen == ["timers", "timers"]


def test_another_process_takes_over_once_the_holder_fell_silent(db: Database, clock: FixedClock) -> None:
    stages = [_counting("timers", [])]
    run_cycle(db, clock, stages, holder="web:a", interval=MINUTE)  # … and then process a dies
    clock.advance(minutes=2)
    assert run_cycle(db, clock, stages, holder="web:b", interval=MINUTE) is None  # not yet: 3 intervals
    clock.advance(minutes=2)
    assert run_cycle(db, clock, stages, holder="web:b", interval=MINUTE) is not None
    with db.reading() as s:
        assert lease.state(s).holder == "web:b"


def test_a_one_off_run_gives_the_lease_back(db: Database, clock: FixedClock) -> None:
    stages = [_counting("timers", [])]
    assert run_cycle(db, clock, stages, holder="cli:x") is not None
    assert run_cycle(db, clock, stages, holder="web:a", interval=MINUTE) is not None


def test_two_processes_racing_for_a_free_lease_get_it_once(db: Database, clock: FixedClock) -> None:
    start = threading.Barrier(4)
    won: list[str] = []

    def race(name: str) -> None:
        own = Database(db.url)
        try:
            start.wait()
            with own.transaction() as s:
                if lease.take(s, name, clock.now(), timedelta(minutes=3)):
                    won.append(name)
        finally:
            own.dispose()

    threads = [threading.Thread(target=race, args=(f"web:{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(won) == 1


def test_a_failing_stage_is_recorded_and_the_next_stage_still_runs(db: Database, clock: FixedClock) -> None:
    seen: list[str] = []
    report = run_cycle(db, clock, [Stage("reminders", "提醒", _failing), _counting("outbox", seen)],
                       holder="web:a", interval=MINUTE)
    assert report is not None and seen == ["outbox"]
    assert "SMTP server unreachable" in report.errors["reminders"] and report.count("outbox", "done") == 1
    with db.reading() as s:
        run = s.scalars(select(SweepRun)).one()
    assert "SMTP server unreachable" in run.stages and run.finished_at is not None


def test_cycles_older_than_a_week_are_forgotten(db: Database, clock: FixedClock) -> None:
    stages = [_counting("timers", [])]
    run_cycle(db, clock, stages, holder="web:a", interval=MINUTE)
    clock.advance(seconds=KEEP_RUNS.total_seconds() + 120)
    run_cycle(db, clock, stages, holder="web:a", interval=MINUTE)
    with db.reading() as s:
        assert s.scalar(select(func.count()).select_from(SweepRun)) == 1


def test_the_due_timer_query_reads_the_next_timer_index_not_every_case(db: Database, clock: FixedClock) -> None:
    """DESIGN.md §2.3: the sweep touches only due cases (an idle sweep over a million cases costs an index probe)."""
    from sqlalchemy import select as select_

    from engine.cases.models import Case
    from engine.clock import to_db

    stmt = (select_(Case.id).where(Case.next_timer_at < to_db(clock.now())).order_by(Case.next_timer_at).limit(500))
    with db.engine.connect() as conn:
        if not db.is_sqlite:  # a near-empty test table is cheaper to scan: ask whether the index *can* serve it
            conn.exec_driver_sql("SET enable_seqscan = off")
        compiled = stmt.compile(conn, compile_kwargs={"literal_binds": True})
        prefix = "EXPLAIN QUERY PLAN " if db.is_sqlite else "EXPLAIN "
        plan = " ".join(str(row[-1]) for row in conn.exec_driver_sql(prefix + str(compiled)))
    assert "ix_case_next_timer_at" in plan, plan
