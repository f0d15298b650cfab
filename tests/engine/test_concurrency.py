"""Two people completing one task: exactly one wins; a crash mid-completion leaves nothing half-written.

DESIGN.md §3 "Concurrency" and §5: completing a task is one transaction that locks the
case; a second, concurrent completion of the same task gets a ConflictError (HTTP 409),
never a duplicate; a process killed in the middle of a completion leaves the case exactly
before or after the step, with a hash chain that still verifies.

The races use real concurrency — threads with their own connections, and OS processes —
against the real database (SQLite and, when configured, PostgreSQL).
"""
from __future__ import annotations

import json
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

import engine.cases.steps
from engine.cases.events import CaseEvent
from engine.cases.models import Case, WorkItem
from engine.clock import FixedClock, as_utc
from engine.db import Base, Database
from engine.demo.driver import Driver
from engine.demo.scenarios import SCENARIOS
from engine.errors import ConflictError
from engine.people.actor import Actor
from engine.people.operations import ensure_user
from engine.people.roles import Role
from engine import CaseService

#: Both grid workers of grid XF-01 may triage its reports; the demo organisation has one, we add the other.
LI = Actor("wangge", Role.GRID_WORKER.value, grid_code="XF-01")
SUN = Actor("wangge_sun", Role.GRID_WORKER.value, grid_code="XF-01")

#: The two triage decisions the two grid workers race to submit.
FORMS: dict[str, dict[str, Any]] = {
    LI.username: {"triage_decision": "on_spot", "triage_note": "已联系保洁当场处理"},
    SUN.username: {"triage_decision": "negotiate", "triage_note": "需协调相关部门"},
}

#: Long enough for a slow CI machine; a hung race fails instead of hanging the suite.
TIMEOUT = 60


@pytest.fixture
def two_grid_workers(db: Database) -> tuple[Actor, Actor]:
    with db.transaction() as s:
        ensure_user(s, SUN.username, "孙网格员", SUN.role, grid_code=SUN.grid_code)
    return LI, SUN


def triage_item(service: CaseService, case: Case) -> WorkItem:
    [item] = [i for i in service.work_items(case.id) if i.bpmn_id == "triage"]
    return item


def completions_of(service: CaseService, case: Case, item: WorkItem) -> list[CaseEvent]:
    return [e for e in service.events(case.id)
            if e.type == "task_completed" and json.loads(e.payload)["task_id"] == item.task_id]


def row_counts(db: Database) -> dict[str, int]:
    """How many rows every table holds: a half-written step would change at least one."""
    with db.reading() as s:
        return {t.name: s.scalar(select(func.count()).select_from(t)) or 0 for t in Base.metadata.sorted_tables}


def case_state(service: CaseService, db: Database, case: Case) -> dict[str, Any]:
    """Everything a completion changes: the case row, its events, its open work, every table's size."""
    stored = service.case(case.id)
    return {
        "case": {c.key: getattr(stored, c.key) for c in Case.__table__.columns},
        "events": [(e.seq, e.type, e.hash) for e in service.events(case.id)],
        "open_items": [(i.id, i.task_id, i.bpmn_id, i.state, i.assignee, i.due_at)
                       for i in service.work_items(case.id)],
        "rows": row_counts(db),
    }


def assert_verifies(service: CaseService, case: Case) -> None:
    [check] = service.verify(case.id)
    assert check.ok, (check.bad_seq, check.problem)


def assert_one_winner(results: Mapping[str, Any]) -> tuple[str, ConflictError]:
    """Exactly one racer's completion returned and the other's raised ConflictError (nothing else).

    ``results`` maps each racer to what its call returned or raised; gives the winner and the loser's error.
    """
    errors = {name: r for name, r in results.items() if isinstance(r, BaseException)}
    assert [e for e in errors.values() if not isinstance(e, ConflictError)] == [], errors
    winners = [name for name in results if name not in errors]
    assert (len(winners), len(errors)) == (1, 1), results
    [conflict] = errors.values()
    assert isinstance(conflict, ConflictError)
    return winners[0], conflict


def assert_won_once(service: CaseService, case: Case, item: WorkItem, winner: str, conflict: ConflictError) -> None:
    """The record shows one completion, by the winner, with the winner's form; the loser was told who won."""
    [completion] = completions_of(service, case, item)
    assert completion.actor == winner
    assert json.loads(completion.payload)["data"]["triage_decision"] == FORMS[winner]["triage_decision"]
    assert winner in conflict.message
    assert_verifies(service, case)


# -- threads ---------------------------------------------------------------------------


Call = Callable[[CaseService], Any]


def race_in_threads(url: str, clock: FixedClock, calls: Mapping[str, Call]) -> dict[str, Any]:
    """Run the calls at the same moment, each in its own thread with its own Database (own connections).

    Returns each call's result, or the exception it raised.
    """
    barrier = threading.Barrier(len(calls))
    results: dict[str, Any] = {}

    def attempt(name: str, call: Call) -> None:
        database = Database(url)
        try:
            with database.engine.connect():
                pass  # connect before the barrier, so that the race is between the calls themselves
            service = CaseService(database, clock)
            barrier.wait(timeout=TIMEOUT)
            try:
                results[name] = call(service)
            except BaseException as exc:  # noqa: BLE001 - reported to the test thread
                results[name] = exc
        finally:
            database.dispose()

    threads = [threading.Thread(target=attempt, args=item, daemon=True) for item in calls.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    assert not any(t.is_alive() for t in threads), "a racer hung"
    assert set(results) == set(calls)
    return results


def completing(item_id: int, actor: Actor, form: Mapping[str, Any]) -> Call:
    return lambda service: service.complete_task(item_id, form, actor)


def test_two_threads_completing_one_task_one_wins_and_one_gets_conflict(
        db: Database, clock: FixedClock, driver: Driver, service: CaseService,
        two_grid_workers: tuple[Actor, Actor]) -> None:
    cases = [driver.report(f"楼道灯坏了（第{n}栋）") for n in range(10)]
    for case in cases:
        item = triage_item(service, case)
        results = race_in_threads(db.url, clock, {
            actor.username: completing(item.id, actor, FORMS[actor.username]) for actor in two_grid_workers})
        winner, conflict = assert_one_winner(results)
        assert_won_once(service, case, item, winner, conflict)


def test_completion_racing_the_deadline_sweep_ends_one_way_only(
        db: Database, clock: FixedClock, driver: Driver, service: CaseService) -> None:
    """The department accepts just as the sweep fires the overdue acceptance timer: either the
    acceptance stands (and no timer fires) or the timer fired (and the acceptance gets ConflictError)."""
    for _ in range(10):
        case = SCENARIOS["waiting_for_department"][0](driver)
        item = driver.item(case, "accept")
        assert item.due_at is not None
        clock.set(as_utc(item.due_at) + timedelta(minutes=1))
        results = race_in_threads(db.url, clock, {
            "accept": completing(item.id, driver.actor_for(case, item), {"accept_decision": "accepted"}),
            "sweep": lambda own: own.tick(),
        })

        assert not isinstance(results["sweep"], BaseException), repr(results["sweep"])
        fired = any(r.case.id == case.id for r in results["sweep"])
        accepted = not isinstance(results["accept"], BaseException)
        assert accepted or isinstance(results["accept"], ConflictError), repr(results["accept"])
        assert accepted != fired, results
        types = [e.type for e in service.events(case.id)]
        assert (len(completions_of(service, case, item)), "timers_fired" in types) == (int(accepted), fired)
        assert_verifies(service, case)


# -- OS processes ------------------------------------------------------------------------


def _complete_items_in_process(url: str, now: datetime, actor: Actor, forms: Mapping[str, Mapping[str, Any]],
                               item_ids: list[int], barrier: Any, results: Any) -> None:
    """Child process: for each item, wait for the other racer, then try to complete it."""
    database = Database(url)
    try:
        with database.engine.connect():
            pass
        service = CaseService(database, FixedClock(now))
        for item_id in item_ids:
            barrier.wait(timeout=TIMEOUT)
            try:
                service.complete_task(item_id, forms[actor.username], actor)
                results.put((item_id, actor.username, "won", ""))
            except ConflictError as exc:
                results.put((item_id, actor.username, "conflict", exc.message))
            except BaseException as exc:  # noqa: BLE001 - reported to the parent
                results.put((item_id, actor.username, "error", f"{type(exc).__name__}: {exc}"))
    finally:
        database.dispose()


@pytest.mark.slow
def test_two_processes_completing_one_task_one_wins_and_one_gets_conflict(
        db: Database, clock: FixedClock, driver: Driver, service: CaseService,
        two_grid_workers: tuple[Actor, Actor]) -> None:
    cases = [driver.report(f"楼道灯坏了（第{n}栋）") for n in range(10)]
    items = [triage_item(service, case) for case in cases]
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(2)
    reports = ctx.Queue()
    racers = [ctx.Process(target=_complete_items_in_process,
                          args=(db.url, clock.now(), actor, FORMS, [i.id for i in items], barrier, reports))
              for actor in two_grid_workers]
    for p in racers:
        p.start()
    try:
        raw = [reports.get(timeout=TIMEOUT) for _ in range(2 * len(items))]
    finally:
        for p in racers:
            p.join(TIMEOUT)
            if p.is_alive():
                p.kill()
                p.join()
    assert [p.exitcode for p in racers] == [0, 0]
    for case, item in zip(cases, items, strict=True):
        results = {actor: _rebuilt(kind, message) for item_id, actor, kind, message in raw if item_id == item.id}
        winner, conflict = assert_one_winner(results)
        assert_won_once(service, case, item, winner, conflict)


def _rebuilt(kind: str, message: str) -> Any:
    """A child's result: None when it won, else its error rebuilt from the message (ConflictError kept as such)."""
    if kind == "won":
        return None
    return ConflictError(message) if kind == "conflict" else RuntimeError(message)


# -- stale and repeated completions -------------------------------------------------------


def test_completion_with_stale_expected_version_gets_conflict_and_writes_nothing(
        db: Database, driver: Driver, service: CaseService) -> None:
    case = driver.report()
    item = triage_item(service, case)
    seen = service.case(case.id).version
    service.claim(item.id, LI)  # the case moves on after the form was shown
    before = case_state(service, db, case)

    with pytest.raises(ConflictError, match="刷新"):
        service.complete_task(item.id, FORMS[LI.username], LI, expected_version=seen)

    assert case_state(service, db, case) == before
    assert_verifies(service, case)


def test_completion_with_current_expected_version_succeeds(driver: Driver, service: CaseService) -> None:
    case = driver.report()
    item = triage_item(service, case)
    current = service.case(case.id).version
    service.complete_task(item.id, FORMS[LI.username], LI, expected_version=current)
    assert service.case(case.id).version > current
    assert len(completions_of(service, case, item)) == 1


def test_completing_an_already_completed_task_gets_conflict_naming_who_completed_it(
        db: Database, driver: Driver, service: CaseService, two_grid_workers: tuple[Actor, Actor]) -> None:
    case = driver.report()
    item = triage_item(service, case)
    service.complete_task(item.id, FORMS[LI.username], LI)
    before = case_state(service, db, case)

    with pytest.raises(ConflictError) as raised:
        service.complete_task(item.id, FORMS[SUN.username], SUN)

    assert LI.username in raised.value.message
    assert case_state(service, db, case) == before
    assert len(completions_of(service, case, item)) == 1


# -- crashes --------------------------------------------------------------------------------


class Crash(Exception):
    """Stands for the process dying in the middle of the transaction."""


def _crash_after(real: Any) -> Any:
    """``real``, then its writes flushed into the open transaction, then a crash."""

    def crashing(session: Any, *args: Any, **kwargs: Any) -> Any:
        real(session, *args, **kwargs)
        session.flush()
        raise Crash("killed mid-completion")

    return crashing


def council_waiting(driver: Driver, service: CaseService) -> tuple[Case, WorkItem, Actor, dict[str, Any]]:
    """A case whose next step (the council adopts it) writes a resolution, an assignment and new work."""
    case = SCENARIOS["waiting_for_council"][0](driver)
    [item] = [i for i in service.work_items(case.id) if i.bpmn_id == "deliberate"]
    form = dict(decision="adopt", responsible_department="chengguan", deadline="2026-03-12", votes_for=7,
                votes_against=1, votes_abstain=1, resolution_text="同意交办处理")
    return case, item, driver.actor_for(case, item), form


@pytest.mark.parametrize("crash_point", ["sync_work_items", "append_records"])
def test_crash_inside_a_completion_leaves_the_case_as_before(
        crash_point: str, db: Database, driver: Driver, service: CaseService,
        monkeypatch: pytest.MonkeyPatch) -> None:
    case, item, actor, form = council_waiting(driver, service)
    before = case_state(service, db, case)
    monkeypatch.setattr(engine.cases.steps, crash_point, _crash_after(getattr(engine.cases.steps, crash_point)))

    with pytest.raises(Crash):
        service.complete_task(item.id, form, actor)

    assert case_state(service, db, case) == before
    assert_verifies(service, case)


@pytest.mark.parametrize("crash_point", ["sync_work_items", "append_records"])
def test_completion_crashed_once_succeeds_when_retried(
        crash_point: str, db: Database, driver: Driver, service: CaseService,
        monkeypatch: pytest.MonkeyPatch) -> None:
    case, item, actor, form = council_waiting(driver, service)
    with monkeypatch.context() as patch:
        patch.setattr(engine.cases.steps, crash_point, _crash_after(getattr(engine.cases.steps, crash_point)))
        with pytest.raises(Crash):
            service.complete_task(item.id, form, actor)

    result = service.complete_task(item.id, form, actor)

    assert [i.bpmn_id for i in result.opened] == ["accept"]
    assert len(completions_of(service, case, item)) == 1
    assert service.replay(case.id).snapshot() == service.case(case.id).snapshot
    assert_verifies(service, case)


def _complete_and_hang(url: str, now: datetime, item_id: int, actor: Actor, form: Mapping[str, Any],
                       inside: Any) -> None:
    """Child process: start the completion, and stop dead inside its transaction once everything is written."""
    real = engine.cases.steps.append_records

    def written_then_hang(session: Any, *args: Any, **kwargs: Any) -> Any:
        real(session, *args, **kwargs)
        session.flush()  # the step's rows are in the database, uncommitted
        inside.set()
        time.sleep(10 * TIMEOUT)

    engine.cases.steps.append_records = written_then_hang
    CaseService(Database(url), FixedClock(now)).complete_task(item_id, form, actor)


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_process_killed_inside_a_completion_leaves_the_case_as_before_and_retry_succeeds(
        db: Database, clock: FixedClock, driver: Driver, service: CaseService) -> None:
    case, item, actor, form = council_waiting(driver, service)
    before = case_state(service, db, case)
    ctx = multiprocessing.get_context("spawn")
    inside = ctx.Event()
    child = ctx.Process(target=_complete_and_hang, args=(db.url, clock.now(), item.id, actor, form, inside))
    child.start()
    try:
        assert inside.wait(TIMEOUT), "the child never reached the middle of the completion"
        assert child.pid is not None
        os.kill(child.pid, signal.SIGKILL)
    finally:
        if child.is_alive():
            child.kill()
        child.join(TIMEOUT)
    assert child.exitcode == -signal.SIGKILL

    # Killed before its commit, so the case must be exactly as before the step (never half-way).
    assert case_state(service, db, case) == before
    assert_verifies(service, case)
    result = service.complete_task(item.id, form, actor)
    assert [i.bpmn_id for i in result.opened] == ["accept"]
    assert_verifies(service, case)

