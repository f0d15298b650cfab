"""The workflow a step leaves in memory is used by the next step only when it is what the case row holds (issue 24).

A kept workflow skips loading the snapshot; it must never make a step differ from one that loads it: the next
step on the same case uses it, a step another process made (the row moved on) or a transaction that rolled back
(the row stayed behind) makes it unusable, a failed step keeps nothing, and every case still replays byte for
byte to its snapshot.
"""
from __future__ import annotations

import pytest

import engine.cases.steps
from engine.bpmn.serializer import load_snapshot
from engine.cases import operations
from engine.cases.models import Case
from engine.cases.workflow_cache import WorkflowCache
from engine.clock import FixedClock
from engine.db import Database
from engine.demo.driver import Driver
from engine.cases.hooks import FormHooks, Record
from engine.errors import ConflictError
from engine.processes import default_hooks
from engine.specs.registry import process_of
from engine import CaseService


@pytest.fixture
def cache(monkeypatch: pytest.MonkeyPatch) -> WorkflowCache:
    """A cache of this test's own, as the one of a fresh process."""
    fresh = WorkflowCache()
    monkeypatch.setattr(engine.cases.steps, "workflows", fresh)
    return fresh


def assert_verifies(service: CaseService, case: Case) -> None:
    [check] = service.verify(case.id)
    assert check.ok, (check.bad_seq, check.problem)


def test_the_next_step_of_a_case_uses_the_workflow_its_last_step_left(
        driver: Driver, service: CaseService, cache: WorkflowCache) -> None:
    case = driver.report()
    driver.do(case, "triage", triage_decision="on_spot", triage_note="已联系保洁当场处理")
    driver.later(hours=3)
    driver.do(case, "rate", rating="satisfied")
    assert (cache.hits, cache.misses) == (2, 0)
    assert_verifies(service, case)


def test_a_kept_workflow_is_the_one_its_snapshot_loads(driver: Driver, db: Database, cache: WorkflowCache) -> None:
    case = driver.report()
    driver.do(case, "triage", triage_decision="on_spot", triage_note="已联系保洁当场处理")
    with db.reading() as s:
        row = s.get(Case, case.id)
        assert row is not None
        process = process_of(s, row.process_version_id)
        kept = cache.take(row, process)
        assert kept is not None
        loaded, _, _ = load_snapshot(row.snapshot, process)
        assert kept.snapshot() == row.snapshot
        assert list(kept.workflow.event_manager.tasks) == list(loaded.event_manager.tasks)
        assert list(kept.workflow.subprocesses) == list(loaded.subprocesses)


def test_a_step_made_elsewhere_makes_the_kept_workflow_unusable(
        driver: Driver, service: CaseService, cache: WorkflowCache, monkeypatch: pytest.MonkeyPatch) -> None:
    hits = cache.hits
    # Another process (its own cache) completes the next task: the row moves past what this one kept.
    case = driver.report()
    monkeypatch.setattr(engine.cases.steps, "workflows", WorkflowCache())
    driver.do(case, "triage", triage_decision="on_spot", triage_note="已联系保洁当场处理")
    monkeypatch.setattr(engine.cases.steps, "workflows", cache)
    misses = cache.misses
    driver.do(case, "rate", rating="satisfied")
    assert (cache.hits, cache.misses) == (hits, misses + 1)
    assert_verifies(service, case)


def test_a_rolled_back_step_leaves_nothing_the_next_step_would_use(
        driver: Driver, service: CaseService, db: Database, clock: FixedClock, cache: WorkflowCache) -> None:
    case = driver.report()
    item = driver.item(case, "triage")
    actor = driver.actor_for(case, item)

    class Abandoned(Exception):
        pass

    with pytest.raises(Abandoned), db.transaction() as s:
        operations.complete_task(s, item.id, {"triage_decision": "on_spot", "triage_note": "已联系保洁当场处理"},
                                 actor=actor, at=clock.now(), hooks=service.hooks)
        raise Abandoned  # e.g. the commit failed: the row keeps the version before the step
    misses = cache.misses
    driver.do(case, "triage", triage_decision="on_spot", triage_note="保洁已到场")
    assert cache.misses == misses + 1
    driver.later(hours=3)
    driver.do(case, "rate", rating="satisfied")
    assert_verifies(service, case)


def test_a_step_that_fails_after_the_engine_ran_keeps_no_workflow(
        driver: Driver, service: CaseService, db: Database, clock: FixedClock, cache: WorkflowCache) -> None:
    case = driver.report()
    driver.do(case, "triage", triage_decision="on_spot", triage_note="已联系保洁当场处理")
    assert len(cache) == 1
    hooks = default_hooks()
    [key] = [k for k in hooks.by_form_key if k[1] == "rating"]

    def refuse(*_args: object) -> list[Record]:
        raise ConflictError("评价暂不能保存")
    hooks.by_form_key[key] = FormHooks(completed=refuse)  # fails once the workflow has moved on
    failing = Driver(CaseService(db, clock, hooks), clock, driver.actors)
    failing.keys = driver.keys
    driver.later(hours=3)
    with pytest.raises(ConflictError):
        failing.do(case, "rate", rating="satisfied")
    assert len(cache) == 0
    driver.do(case, "rate", rating="satisfied")
    assert_verifies(service, case)
