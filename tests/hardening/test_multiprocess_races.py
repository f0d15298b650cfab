"""Several OS processes claiming, releasing, reassigning and completing the same tasks while firing
the same timers, all at the same moment (issue 9, DESIGN.md §3 "Concurrency" and §5).

Every racer is a spawned process with its own connections; each runs its own shuffled plan over
the same work items and sweeps with the same clock time. Afterwards: every task was completed
exactly once (or cancelled by its timer, never both), every due timer fired exactly once, the
events the racers committed are exactly the new rows of the event table (nothing lost, nothing
extra), every case is consistent with its own log, and every refusal was a ConflictError or a
PermissionDenied — a lock wait that ran out is a ConflictError too, never a hang or a driver error.
"""
from __future__ import annotations

import json
import multiprocessing
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.cases.events import CaseEvent
from engine.cases.models import Case, WorkItem
from engine.clock import FixedClock, as_utc
from engine.db import Database
from engine.demo.driver import Driver
from engine.demo.scenarios import waiting_for_department
from engine.people.roles import Role
from engine import CaseService
from tests.hardening.invariants import all_case_problems
from tests.hardening.racers import TIMEOUT, EventKey, Outcome, Target, race

#: What each op may end in besides "ok" (release: the racer did not hold the item at that moment).
REFUSALS = {
    "claim": {"ConflictError"},
    "release": {"ConflictError", "PermissionDenied"},
    "reassign": {"ConflictError"},
    "complete": {"ConflictError"},
    "tick": {"ConflictError"},
}

TRIAGE = {"triage_decision": "on_spot", "triage_note": "已联系保洁当场处理"}
ACCEPT = {"accept_decision": "accepted"}


def scale(db: Database) -> tuple[int, int, int]:
    """(racers, cases per kind, timer-only cases): PostgreSQL takes the full load, SQLite's one writer less."""
    return (4, 6, 4) if not db.is_sqlite else (3, 4, 2)


def open_item(service: CaseService, case: Case, bpmn_id: str) -> WorkItem:
    [item] = [i for i in service.work_items(case.id) if i.bpmn_id == bpmn_id]
    return item


def run_racers(db: Database, clock: FixedClock, racers: int, targets: list[Target], seed: int) -> list[Outcome]:
    ctx = multiprocessing.get_context("spawn")
    barrier, reports = ctx.Barrier(racers), ctx.Queue()
    supervisor = Driver(CaseService(db, clock), clock).actor_for_role(Role.SUPERVISOR.value)
    processes = [ctx.Process(target=race, args=(db.url, clock.now(), n, targets, supervisor, seed, barrier, reports))
                 for n in range(racers)]
    for p in processes:
        p.start()
    try:
        outcomes = [o for _ in processes for o in reports.get(timeout=2 * TIMEOUT)]
    finally:
        for p in processes:
            p.join(TIMEOUT)
            if p.is_alive():
                p.kill()
                p.join()
    assert [p.exitcode for p in processes] == [0] * racers, "a racer crashed or hung"
    return outcomes


def events_after(db: Database, baseline: dict[int, int]) -> list[EventKey]:
    with db.reading() as s:
        rows = s.execute(select(CaseEvent.case_id, CaseEvent.seq, CaseEvent.type))
        return [(case_id, seq, type_) for case_id, seq, type_ in rows if seq > baseline.get(case_id, 0)]


def completions(db: Database, case_id: int, task_id: str) -> int:
    with db.reading() as s:
        payloads = s.scalars(select(CaseEvent.payload).where(CaseEvent.case_id == case_id,
                                                               CaseEvent.type == "task_completed"))
        return sum(json.loads(p)["task_id"] == task_id for p in payloads)


@pytest.mark.slow
def test_worker_processes_racing_on_the_same_tasks_and_timers_complete_each_task_once_and_lose_no_event(
        db: Database, clock: FixedClock, driver: Driver, service: CaseService) -> None:
    racers, per_kind, timer_only = scale(db)
    # Reports waiting for triage (no deadline) and adopted cases waiting for the department's acceptance
    # (a deadline that will have passed); the timer-only cases are raced by the sweeps alone.
    reports = [driver.report(f"楼道灯坏了（第{n}栋）") for n in range(per_kind)]
    adopted = [waiting_for_department(driver) for _ in range(per_kind + timer_only)]
    targets = [Target(open_item(service, c, "triage").id, c.id, driver.actor_for(c, open_item(service, c, "triage")),
                      TRIAGE) for c in reports]
    targets += [Target(open_item(service, c, "accept").id, c.id, driver.actor_for(c, open_item(service, c, "accept")),
                       ACCEPT) for c in adopted[:per_kind]]
    deadlines = [as_utc(open_item(service, c, "accept").due_at) for c in adopted]  # type: ignore[arg-type]
    clock.set(max(deadlines) + timedelta(minutes=1))
    with db.reading() as s:
        baseline = {case_id: seq for case_id, seq in s.execute(select(Case.id, Case.last_seq))}

    outcomes = run_racers(db, clock, racers, targets, seed=9)

    unexpected = [o for o in outcomes if o.result != "ok" and o.result not in REFUSALS[o.op]]
    assert unexpected == []
    # The events the racers saw committed are exactly the new rows of the event table.
    reported = [key for o in outcomes for key in o.events]
    assert Counter(reported) == Counter(events_after(db, baseline))
    # Every task completed exactly once, by the racer that was told so — or cancelled by its timer.
    with db.reading() as s:
        items = {i.id: i for i in s.scalars(select(WorkItem).where(WorkItem.id.in_([t.item_id for t in targets])))}
    for target in targets:
        item = items[target.item_id]
        won = sum(o.op == "complete" and o.item_id == target.item_id and o.result == "ok" for o in outcomes)
        assert (item.state, won, completions(db, item.case_id, item.task_id)) in \
            {("completed", 1, 1), ("cancelled", 0, 0)}, (target, item.state)
    # Every due timer fired exactly once, however many sweeps raced for it.
    fired = Counter(case_id for case_id, _seq, type_ in reported if type_ == "timers_fired")
    assert {c.id: fired[c.id] for c in adopted[per_kind:]} == {c.id: 1 for c in adopted[per_kind:]}
    assert all_case_problems(service, db) == {}
