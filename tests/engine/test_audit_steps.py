"""The auditor's step-by-step replay shows each case exactly as the engine had it after every event.

While the demo scenarios run, the test records what the live system stored after each
step — the workflow snapshot (by wrapping ``save_instance``) and the open work items
(after every service call) — and then compares every step of the replay with it.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

import engine.audit.replay
import engine.cases.steps
from engine.audit.steps import History, ItemAsItWas, replay_history
from engine.calendar import china_date
from engine.calendar.store import load_calendar
from engine.cases.models import Case, WorkItem
from engine.cases.read_models import case_events
from engine.clock import FixedClock, as_utc
from engine.db import Database
from engine.demo.driver import Driver
from engine.demo.scenarios import SCENARIOS
from engine.people.actor import Actor
from engine import CaseService
from engine.specs.service import ProcessService
from engine.specs.registry import process_of
from tests.engine import helpers_tamper as tamper
from tests.fixtures.process_versions import civic_loop, versions_restored, with_accept_timer  # noqa: F401

DUDAO = Actor("dudao", "supervisor")
ItemRow = tuple[str, str, str, str | None, str | None, str | None, str, datetime | None, bool]


class Recorder:
    """What the live system stored after each step: snapshot digests and open work items by (case, seq)."""

    def __init__(self, service: CaseService) -> None:
        self.service = service
        self.snapshots: dict[tuple[int, int], str] = {}
        self.items: dict[tuple[int, int], set[ItemRow]] = {}

    def save_instance(self, original: Callable[..., None]) -> Callable[..., None]:
        def wrapped(case: Case, instance: Any, at: datetime) -> None:
            original(case, instance, at)
            self.snapshots[(case.id, case.last_seq)] = hashlib.sha256(case.snapshot.encode()).hexdigest()
        return wrapped

    def after(self, call: Callable[..., Any]) -> Callable[..., Any]:
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            result = call(*args, **kwargs)
            self.note_work_items()
            return result
        return wrapped

    def note_work_items(self) -> None:
        with self.service.db.reading() as s:
            cases = {c.id: c.last_seq for c in s.scalars(select(Case))}
            rows: dict[int, set[ItemRow]] = {case_id: set() for case_id in cases}
            for i in s.scalars(select(WorkItem).where(WorkItem.state.in_(WorkItem.OPEN_STATES))):
                rows[i.case_id].add((i.task_id, i.bpmn_id, i.role, i.department_code, i.grid_code, i.assignee,
                                     i.state, as_utc(i.due_at) if i.due_at else None, i.escalated_at is not None))
        for case_id, seq in cases.items():
            self.items[(case_id, seq)] = rows[case_id]


@pytest.fixture
def recorder(service: CaseService, monkeypatch: pytest.MonkeyPatch) -> Iterator[Recorder]:
    rec = Recorder(service)
    monkeypatch.setattr(engine.cases.steps, "save_instance", rec.save_instance(engine.cases.steps.save_instance))
    for name in ("open_case", "report", "complete_task", "claim", "release", "reassign", "escalate", "tick"):
        monkeypatch.setattr(service, name, rec.after(getattr(service, name)))
    yield rec


def history_of(db: Database, case_id: int) -> History:
    with db.reading() as s:
        case = s.get(Case, case_id)
        assert case is not None
        return replay_history(process_of(s, case.process_version_id), case.uuid, case_events(s, case),
                              lambda at: load_calendar(s, at), grid_code=case.grid_code)


def as_row(item: ItemAsItWas) -> ItemRow:
    return (item.task_id, item.bpmn_id, item.role, item.department_code, item.grid_code, item.assignee, item.state,
            item.due_at, item.escalated)


def claims_reassignment_and_whistle(d: Driver) -> Case:
    """Claimed and released, reassigned to another department and to a person, escalated by hand."""
    case = d.report("楼道堆放杂物堵塞消防通道", "安全隐患")
    wangge = d.actor_for_role("grid_worker", "XF-01")
    triage = d.item(case, "triage")
    d.service.claim(triage.id, wangge)
    d.service.release(triage.id, wangge)
    d.service.claim(triage.id, wangge)
    d.do(case, "triage", triage_decision="negotiate")
    d.do(case, "deliberate", decision="adopt", responsible_department="wuye",
         deadline=(china_date(d.clock.now()) + timedelta(days=10)).isoformat(),
         votes_for=7, votes_against=1, votes_abstain=1)
    accept = d.item(case, "accept")
    d.service.reassign(accept.id, DUDAO, "物业无执法权，改派住建办", department="zhujian")
    d.service.reassign(accept.id, DUDAO, "指定专人办理", assignee="zhujian")
    d.service.escalate(accept.id, DUDAO, "需街道协调多个部门")
    d.do(case, "accept", accept_decision="accepted")
    return case


def all_demo_cases(driver: Driver) -> list[Case]:
    """Every scenario's cases (a duplicate's original too), and one with claims and reassignments."""
    for scenario, _, _ in SCENARIOS.values():
        scenario(driver)
    claims_reassignment_and_whistle(driver)
    with driver.service.db.reading() as s:
        return list(s.scalars(select(Case).order_by(Case.id)))


def test_every_step_of_every_demo_case_has_the_snapshot_the_engine_stored(
        db: Database, driver: Driver, recorder: Recorder) -> None:
    compared = 0
    for case in all_demo_cases(driver):
        history = history_of(db, case.id)
        assert history.failure is None
        assert [s.seq for s in history.steps] == list(range(1, len(history.steps) + 1))
        stored_so_far = None
        for step in history.steps:
            stored = recorder.snapshots.get((case.id, step.seq))
            if stored is not None:  # an engine step: the snapshot the live step saved
                stored_so_far = stored
                compared += 1
            # record events (claimed, rating, escalated …) leave the workflow as the last engine step left it
            assert step.snapshot_sha256 == stored_so_far, (case.tracking_code, step.seq, step.type)
    assert compared == len(recorder.snapshots)


def test_every_step_shows_the_work_items_the_inboxes_had_then(
        db: Database, driver: Driver, recorder: Recorder) -> None:
    compared = 0
    for case in all_demo_cases(driver):
        for step in history_of(db, case.id).steps:
            if (case.id, step.seq) in recorder.items:
                assert {as_row(i) for i in step.items} == recorder.items[(case.id, step.seq)], \
                    (case.tracking_code, step.seq, step.type)
                compared += 1
    assert compared > 100


def test_claims_reassignments_and_a_whistle_show_on_the_work_item_at_their_step(db: Database, driver: Driver) -> None:
    case = claims_reassignment_and_whistle(driver)
    steps = {s.type + str(i): s for i, s in enumerate(history_of(db, case.id).steps)}
    claimed = next(s for s in steps.values() if s.type == "claimed")
    assert [(i.bpmn_id, i.assignee, i.state) for i in claimed.items] == [("triage", "wangge", "claimed")]
    released = next(s for s in steps.values() if s.type == "released")
    assert [(i.assignee, i.state) for i in released.items] == [(None, "ready")]
    moved, named = [s for s in steps.values() if s.type == "reassigned"]
    assert [(i.bpmn_id, i.department_code, i.assignee) for i in moved.items] == [("accept", "zhujian", None)]
    assert [(i.department_code, i.assignee, i.state) for i in named.items] == [("zhujian", "zhujian", "claimed")]
    whistle = next(s for s in steps.values() if s.type == "escalated")
    assert [i.escalated for i in whistle.items] == [True]


def test_each_step_marks_the_elements_completed_and_where_the_case_waits(db: Database, driver: Driver) -> None:
    case = SCENARIOS["adopted_assigned_and_satisfied"][0](driver)
    steps = history_of(db, case.id).steps
    opened, triaged = steps[0], steps[1]
    assert "triage" in opened.current and "triage" not in opened.completed
    assert "triage" in triaged.completed and "deliberate" in triaged.current
    accepted = next(s for s in steps if s.payload.get("bpmn_id") == "accept")
    assert {"on_site", "timer_on_site"} <= set(accepted.current)
    assert steps[-1].finished and steps[-1].current == ()
    assert steps[-1].data["rating"] == "satisfied"


def test_the_whole_history_costs_one_replay(db: Database, driver: Driver, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each engine event is applied once, however many steps there are."""
    case = SCENARIOS["dissatisfied_twice_then_supervisor_closes"][0](driver)
    applied: list[str] = []
    original = engine.audit.replay.apply_event

    def counting(instance: Any, process: Any, event_type: str, *args: Any, **kwargs: Any) -> Any:
        applied.append(event_type)
        return original(instance, process, event_type, *args, **kwargs)

    monkeypatch.setattr(engine.audit.replay, "apply_event", counting)
    history = history_of(db, case.id)
    engine_events = [s for s in history.steps if s.type in engine.audit.replay.ENGINE_EVENTS]
    assert len(history.steps) > 15
    assert len(applied) == len(engine_events)


def test_a_log_that_cannot_be_replayed_gives_the_steps_before_the_bad_event(
        db: Database, driver: Driver, service: CaseService) -> None:
    case = SCENARIOS["adopted_assigned_and_satisfied"][0](driver)
    seq = next(e.seq for e in service.events(case.id) if e.type == "task_completed")
    tamper.edit_payload(db, case.id, seq, lambda p: p.pop("task_id"))
    history = history_of(db, case.id)
    assert history.failed_seq == seq
    assert [s.seq for s in history.steps] == list(range(1, seq))
    assert "KeyError" in (history.failure or "")


def test_a_case_migrated_to_a_new_version_replays_step_by_step_across_the_migration(
        db: Database, clock: FixedClock, driver: Driver, recorder: Recorder, versions_restored: None) -> None:
    case = driver.report("路边违章搭建", "其他")  # at triage: a case in the departments' sub-process stays put
    processes = ProcessService(db, clock)
    [loop] = [p for p in processes.processes() if p.key == "civic_loop"]
    assert loop.current_id is not None
    draft = processes.save_draft(loop.current_id, with_accept_timer(civic_loop(), "workdays(2)"), by="dudao")
    v2 = processes.publish(draft.id, "签收时限改为两个工作日", by="dudao").id
    processes.migrate(loop.current_id, v2, DUDAO)
    driver.do(case, "triage", triage_decision="dispatch", department="chengguan")
    driver.do(case, "accept", accept_decision="accepted")
    history = history_of(db, case.id)
    assert "spec_migrated" in [s.type for s in history.steps]
    for step in history.steps:
        if (case.id, step.seq) in recorder.snapshots:
            assert step.snapshot_sha256 == recorder.snapshots[(case.id, step.seq)], step.seq
    assert [i.bpmn_id for i in history.steps[-1].items] == ["on_site"]
