"""Benchmark: complete one human task end to end, beside bare SpiffWorkflow doing the same step.

Measures the DESIGN.md §4 numbers that concern a single step:

1. ``CaseService.complete_task`` on SQLite (lock, engine steps, snapshot, work items,
   events, commit): p50 / p95 over a few hundred steps of the civic loop;
2. bare SpiffWorkflow doing the same steps with the same diagram, the same restricted
   script engine and the same form data, (a) with SpiffWorkflow's own serializer round
   trip around every step (spec embedded, its default) and (b) in memory;
3. the ratio casegrid / bare-with-round-trip;
4. step cost vs case age (a case that loops through 不满意 → 督办裁定 → 重新交办 until it
   has ~200 events) and what grows with it (snapshot bytes, tasks in the tree,
   deserialize / serialize time, tree walks);
5. ``CaseService.replay`` of those long cases;
6. where the time of one step goes (phase breakdown by instrumented timing).

Casegrid and bare steps are interleaved (one casegrid step, then the same step bare) so
that the load of a shared 2-core machine hits both sides alike and the ratio stays
meaningful; for the same reason the young (~10 events) steps of the age comparison are
run between the steps of the old (~200 events) cases. Every figure is a median (or p95)
over many steps after a warm-up; only the ``complete_task`` call is inside the timer.
Bare steps get exactly the data casegrid applied (read back from the event log).

Run from the repository root with the project installed::

    python bench/complete_task.py              # the full run, < 2 minutes on 2 cores
    python bench/complete_task.py --quick      # smaller samples, a smoke test (~25 s)
    python bench/complete_task.py --json out.json  # also write every figure as JSON
    python bench/complete_task.py --profile    # also print cProfile of young and old steps

Only the standard library and the project's own dependencies are used.
"""
from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import os
import platform
import pstats
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.camunda.serializer.config import CAMUNDA_CONFIG
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import event as sa_event
from sqlalchemy import select
from sqlalchemy.orm import Session

import engine.bpmn.serializer as cg_serializer
import engine.cases.operations as cg_operations
import engine.cases.steps as cg_steps
import engine.runtime as cg_runtime
from bpmn import SEED_DIR
from engine.cases.events import CaseEvent
from engine.bootstrap import init_database
from engine.bpmn.context import StepContext, TaskIds, step_context
from engine.bpmn.expressions import restricted_script_engine
from engine.bpmn.parser import spiff_parser
from engine.bpmn.serializer import dump_snapshot, load_snapshot
from engine.calendar import WorkCalendar, china_date
from engine.cases.models import Case
from engine.clock import FixedClock
from engine.db import Database
from engine.demo.driver import Driver
from engine.demo.organisation import seed_organisation
from engine import CaseService
from engine.specs.registry import process_of

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import med, pct  # noqa: E402  (percentiles shared by every figure script)

#: A Monday morning in Beijing (01:00 UTC = 09:00 CST), well clear of holidays (as in tests/conftest.py).
START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)

#: Targets from DESIGN.md §4.
TARGET_P50_MS = 5.0
TARGET_P95_MS = 15.0
TARGET_RATIO = 2.0
TARGET_AGE_RATIO = 1.5
TARGET_REPLAY_MS = 100.0

#: Step types that occur both early and late in a looping case: what the age comparison compares.
CYCLE = ("accept", "on_site", "complete", "rate")

#: The standard civic loop path (DESIGN.md §2.1: adopted, assigned, done, satisfied).
STANDARD_PATH = ("triage", "deliberate", "accept", "on_site", "complete", "rate")


# -- statistics ------------------------------------------------------------------------------------

def ms(ns: int) -> float:
    return ns / 1e6


def timed_median(fn: Callable[[], Any], repeat: int) -> float:
    """Median wall time of ``fn()`` in ms over ``repeat`` calls (after one untimed call)."""
    fn()
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter_ns()
        fn()
        samples.append(ms(time.perf_counter_ns() - t0))
    return med(samples)


# -- the form data of each step --------------------------------------------------------------------

def forms(clock: FixedClock) -> dict[str, dict[str, Any]]:
    """What a user submits at each task (the long path uses the dissatisfied/reassign variants)."""
    deadline = (china_date(clock.now()) + timedelta(days=10)).isoformat()
    return {
        "triage": dict(triage_decision="negotiate", triage_note="需协调相关部门"),
        "deliberate": dict(decision="adopt", responsible_department="wuye", deadline=deadline,
                           votes_for=7, votes_against=1, votes_abstain=1, resolution_text="同意交办处理"),
        "accept": dict(accept_decision="accepted"),
        "on_site": dict(on_site_note="已到现场核实，情况属实"),
        "complete": dict(completion_report="已维修完毕，恢复正常使用", evidence="photo://after-repair.jpg"),
        "rate": dict(rating="satisfied", rating_comment="处理很快"),
        "rate_dissatisfied": dict(rating="dissatisfied", rating_comment="还在漏"),
        "final_decision": dict(final_action="reassign", new_department="wuye", final_note="重新交办物业，限期整改"),
    }


# -- casegrid side ---------------------------------------------------------------------------------

@dataclass
class Step:
    bpmn_id: str
    events_before: int   # events the case had before this step (its age)
    ms: float
    snapshot_bytes: int = 0


class Casegrid:
    """A temp-file SQLite database, seeded, with a service driven by a fixed clock."""

    def __init__(self, folder: Path) -> None:
        self.url = f"sqlite:///{folder / 'bench.db'}"
        self.db, _ = init_database(self.url, at=START - timedelta(days=1))
        with self.db.transaction() as s:
            seed_organisation(s)
        self.clock = FixedClock(START)
        self.service = CaseService(self.db, self.clock)
        self.driver = Driver(self.service, self.clock)

    def open(self) -> Case:
        self.clock.advance(minutes=1)
        return self.driver.report("楼上漏水影响我家", "物业管理")

    def step(self, case: Case, bpmn_id: str, form: dict[str, Any]) -> Step:
        """Complete ``bpmn_id``; only the ``complete_task`` call is timed."""
        self.clock.advance(minutes=1)
        item = self.driver.item(case, bpmn_id)
        actor = self.driver.actor_for(case, item)
        t0 = time.perf_counter_ns()
        result = self.service.complete_task(item.id, form, actor)
        elapsed = time.perf_counter_ns() - t0
        return Step(bpmn_id, result.event.seq - 1, ms(elapsed), len(result.case.snapshot.encode("utf-8")))

    def open_ids(self, case: Case) -> list[str]:
        return self.driver.open_ids(case)

    def process(self, case: Case) -> Any:
        with self.db.reading() as s:
            return process_of(s, case.process_version_id)

    def snapshot(self, case: Case) -> tuple[str, str]:
        c = self.service.case(case.id)
        return c.snapshot, c.uuid


# -- bare SpiffWorkflow side -----------------------------------------------------------------------

class Bare:
    """The same diagram run by SpiffWorkflow alone, with casegrid's restricted script engine.

    ``round_trip=True``: the state lives as SpiffWorkflow's own JSON (spec embedded, the
    default) and every step deserializes it, runs, and serializes it again.
    """

    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(CAMUNDA_CONFIG))
    #: One calendar for every bare step, as casegrid's load_calendar() caches one: a WorkCalendar
    #: computes each year's working days on first use (~7 ms), which is not SpiffWorkflow's cost.
    calendar = WorkCalendar()

    def __init__(self, spec: Any, subprocess_specs: dict[str, Any], start_data: dict[str, Any],
                 clock: FixedClock, round_trip: bool) -> None:
        self.clock = clock
        self.round_trip = round_trip
        self.steps = 0
        with self._ctx():
            wf = BpmnWorkflow(spec, subprocess_specs, script_engine=restricted_script_engine())
            for start in wf.get_tasks(state=TaskState.READY):
                start.data.update(start_data)
            wf.do_engine_steps()
        self.wf: BpmnWorkflow | None = wf
        self.state: str | None = None
        if round_trip:
            self.state = self.serializer.serialize_json(wf)
            self.wf = None

    def _ctx(self) -> Any:
        return step_context(StepContext(now=self.clock.now(), ids=TaskIds(uuid.uuid4()), calendar=self.calendar))

    def step(self, bpmn_id: str, data: dict[str, Any]) -> float:
        t0 = time.perf_counter_ns()
        with self._ctx():
            if self.round_trip:
                wf = self.serializer.deserialize_json(self.state)
                wf.script_engine = restricted_script_engine()
            else:
                wf = self.wf
            task = next(t for t in wf.get_tasks(state=TaskState.READY, manual=True)
                        if t.task_spec.bpmn_id == bpmn_id)
            task.data.update(data)
            task.run()
            wf.do_engine_steps()
            if self.round_trip:
                self.state = self.serializer.serialize_json(wf)
        elapsed = time.perf_counter_ns() - t0
        self.steps += 1
        return ms(elapsed)

    def workflow(self) -> BpmnWorkflow:
        if self.round_trip:
            wf = self.serializer.deserialize_json(self.state)
            wf.script_engine = restricted_script_engine()
            return wf
        return self.wf


def parse_bare() -> tuple[Any, dict[str, Any]]:
    parser = spiff_parser()  # SpiffWorkflow's Camunda parser with the routing table (DMN) loaded
    parser.add_bpmn_file(str(SEED_DIR / "civic_loop.bpmn"))
    return parser.get_spec("civic_loop"), parser.get_subprocess_specs("civic_loop")


# -- phase breakdown (instrumented timing) ---------------------------------------------------------

class Phases:
    """Exclusive wall time per named phase; nested phases are charged to themselves only."""

    def __init__(self) -> None:
        self.stack: list[list[Any]] = []
        self.excl: dict[str, int] = defaultdict(int)
        self.calls: dict[str, int] = defaultdict(int)
        self.steps = 0

    def push(self, name: str) -> None:
        now = time.perf_counter_ns()
        if self.stack:
            top = self.stack[-1]
            self.excl[top[0]] += now - top[1]
        self.stack.append([name, now])
        self.calls[name] += 1

    def pop(self) -> None:
        now = time.perf_counter_ns()
        name, resumed = self.stack.pop()
        self.excl[name] += now - resumed
        if self.stack:
            self.stack[-1][1] = now

    def top(self) -> str:
        return self.stack[-1][0] if self.stack else "outside"

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        self.push(name)
        try:
            yield
        finally:
            self.pop()


#: (module or class, attribute, phase name). Module attributes are the names the callers look up.
PATCH_POINTS: list[tuple[Any, str, str]] = [
    (cg_operations, "_locked_item", "lock: get work item + lock case + refresh"),
    (cg_operations, "check_may_act", "permission check"),
    (cg_operations, "validate_form", "form validation"),
    (cg_operations, "option_values", "form validation: option lists (SQL)"),
    (cg_operations, "process_of", "spec lookup (process_of cache)"),
    (cg_steps, "process_of", "spec lookup (process_of cache)"),
    (cg_steps, "canonical_json", "payload canonical json"),
    (cg_steps, "load_calendar", "load_calendar (SQL)"),
    (cg_runtime, "load_snapshot", "load_snapshot: SpiffWorkflow from_dict"),
    (cg_serializer, "_load_json", "load_snapshot: json.loads"),
    (cg_runtime, "_settle", "apply_event: do_engine_steps (_settle)"),
    (cg_runtime, "_ready_task", "apply_event: find task"),
    (cg_steps, "apply_event", "apply_event: other"),
    (cg_runtime, "dump_snapshot", "dump_snapshot: SpiffWorkflow to_dict"),
    (cg_serializer, "canonical_json", "dump_snapshot: json.dumps(sort_keys)"),
    (cg_runtime.Instance, "ready_tasks", "ready_tasks() tree walk"),
    (cg_runtime.Instance, "next_timer_at", "next_timer_at() tree walk"),
    (cg_steps, "append_event", "event append (hash chain)"),
    (cg_steps, "append_records", "record events (hooks' records)"),
    (cg_steps, "sync_work_items", "work item sync"),
    (cg_steps, "save_instance", "save_instance: other"),
    (cg_steps, "run_engine_event", "run_engine_event: other"),
]


#: Phases grouped into the parts of a step the lead asked about (first match of a prefix wins).
GROUPS: list[tuple[str, tuple[str, ...]]] = [
    ("lock / select (work item, case row, BEGIN IMMEDIATE)", ("lock:", "SQL in [lock:", "session/BEGIN")),
    ("spec, calendar, options, form validation", ("spec lookup", "SQL in [spec lookup", "load_calendar",
                                                  "SQL in [load_calendar", "form validation",
                                                  "SQL in [form validation", "permission check",
                                                  "payload canonical json")),
    ("load_snapshot (json.loads + Spiff from_dict)", ("load_snapshot",)),
    ("apply_event (task.run + do_engine_steps)", ("apply_event",)),
    ("ready_tasks / next_timer_at tree walks", ("ready_tasks", "next_timer_at")),
    ("dump_snapshot (Spiff to_dict + json.dumps)", ("dump_snapshot",)),
    ("work item sync (+ its SQL)", ("work item sync", "SQL in [work item sync")),
    ("event append + hook records (hash chain)", ("event append", "record events", "SQL in [record events",
                                                  "SQL in [event append")),
    ("ORM flush (Python + INSERT/UPDATE SQL)", ("ORM flush", "SQL in [ORM flush")),
    ("COMMIT (WAL fsync, synchronous=FULL)", ("commit:",)),
    ("other Python (service, steps, hooks, session)", ("",)),
]


def group_of(phase: str) -> str:
    for group, prefixes in GROUPS:
        if any(phase.startswith(pfx) for pfx in prefixes):
            return group
    return GROUPS[-1][0]


class Instrument:
    """Wrap the step's functions, SQL statements, ORM flush and commit with phase timers."""

    def __init__(self, db: Database, service: CaseService) -> None:
        self.db = db
        self.service = service
        self.ph = Phases()
        self.saved: list[tuple[Any, str, Any]] = []

    def _wrap(self, owner: Any, attr: str, name: str) -> None:
        namespace = owner.__dict__ if isinstance(owner, type) else vars(owner)
        if attr not in namespace:  # the engine was refactored: that phase simply goes uncounted
            print(f"  (breakdown: {getattr(owner, '__name__', owner)}.{attr} not found, not timed)", file=sys.stderr)
            return
        original = namespace[attr]
        ph = self.ph

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not ph.stack:  # outside complete_task (driver look-ups, open_case): not counted
                return original(*args, **kwargs)
            ph.push(name)
            try:
                return original(*args, **kwargs)
            finally:
                ph.pop()

        self.saved.append((owner, attr, original))
        setattr(owner, attr, wrapper)

    def install(self) -> None:
        ph = self.ph
        # json.loads inside load_snapshot is reached through a module-level helper so that it can be timed.
        real_json = cg_serializer.json

        class _Json:
            dumps = staticmethod(real_json.dumps)

            @staticmethod
            def loads(text: Any, *a: Any, **k: Any) -> Any:
                return cg_serializer._load_json(text, *a, **k)

        cg_serializer._load_json = real_json.loads  # type: ignore[attr-defined]
        self.saved.append((cg_serializer, "json", real_json))
        cg_serializer.json = _Json  # type: ignore[assignment]
        for owner, attr, name in PATCH_POINTS:
            self._wrap(owner, attr, name)
        self._wrap(Session, "flush", "ORM flush (Python)")

        sql_pushed: list[bool] = []

        def before_exec(*_a: Any) -> None:
            sql_pushed.append(bool(ph.stack))
            if ph.stack:
                ph.push(f"SQL in [{ph.top()}]")

        def after_exec(*_a: Any) -> None:
            if sql_pushed.pop():
                ph.pop()

        self.listeners = [
            (self.db.engine, "before_cursor_execute", before_exec),
            (self.db.engine, "after_cursor_execute", after_exec),
        ]
        for target, name, fn in self.listeners:
            sa_event.listen(target, name, fn)

        # The service call: the body is complete_task, what follows it is flush + COMMIT.
        original_tx = Database.transaction
        self.saved.append((Database, "transaction", original_tx))

        @contextmanager
        def transaction(db_self: Database) -> Iterator[Session]:
            counted = bool(ph.stack)
            if not counted:
                with original_tx(db_self) as session:
                    yield session
                return
            ph.push("session/BEGIN setup")
            with db_self._write() as session:
                with session.begin():
                    ph.pop()
                    ph.push("complete_task: other Python")
                    try:
                        yield session
                    finally:
                        ph.pop()
                        ph.push("commit: flush + COMMIT (fsync)")
                ph.pop()
                ph.push("session close")
            ph.pop()

        Database.transaction = transaction  # type: ignore[assignment]

    def uninstall(self) -> None:
        for owner, attr, original in reversed(self.saved):
            setattr(owner, attr, original)
        self.saved.clear()
        for target, name, fn in self.listeners:
            sa_event.remove(target, name, fn)
        if hasattr(cg_serializer, "_load_json"):
            del cg_serializer._load_json

    @contextmanager
    def step(self) -> Iterator[None]:
        self.ph.steps += 1
        with self.ph.phase("outside any phase (service)"):
            yield


# -- the scenarios ---------------------------------------------------------------------------------

@dataclass
class Results:
    env: dict[str, Any] = field(default_factory=dict)
    standard: dict[str, Any] = field(default_factory=dict)
    age: dict[str, Any] = field(default_factory=dict)
    growth: list[dict[str, Any]] = field(default_factory=list)
    replay: dict[str, Any] = field(default_factory=dict)
    breakdown: dict[str, Any] = field(default_factory=dict)


def start_data(cg: Casegrid, case: Case) -> dict[str, Any]:
    opened = cg.service.events(case.id)[0]
    return json.loads(opened.payload)["data"]


def run_standard(cg: Casegrid, spec: Any, subs: dict[str, Any], n_cases: int, res: Results) -> None:
    """Standard civic loop: casegrid, bare with round trip and bare in memory, interleaved step by step."""
    f = forms(cg.clock)
    steps: list[Step] = []
    rt: dict[str, list[float]] = defaultdict(list)
    mem: dict[str, list[float]] = defaultdict(list)
    gc.collect()
    for _ in range(n_cases):
        case = cg.open()
        sdata = start_data(cg, case)
        bare_rt = Bare(spec, subs, sdata, cg.clock, round_trip=True)
        bare_mem = Bare(spec, subs, sdata, cg.clock, round_trip=False)
        for bpmn_id in STANDARD_PATH:
            steps.append(cg.step(case, bpmn_id, f[bpmn_id]))
            data = applied_data(cg, case)
            rt[bpmn_id].append(bare_rt.step(bpmn_id, data))
            mem[bpmn_id].append(bare_mem.step(bpmn_id, data))
        assert bare_rt.workflow().is_completed() and bare_mem.wf.is_completed()
    cg_all = [s.ms for s in steps]
    rt_all = [v for vs in rt.values() for v in vs]
    mem_all = [v for vs in mem.values() for v in vs]
    by_type = {
        b: {"casegrid": med([s.ms for s in steps if s.bpmn_id == b]), "bare_rt": med(rt[b]), "bare_mem": med(mem[b])}
        for b in STANDARD_PATH
    }
    res.standard = {
        "cases": n_cases, "steps": len(cg_all),
        "casegrid_p50": med(cg_all), "casegrid_p95": pct(cg_all, 95), "casegrid_p99": pct(cg_all, 99),
        "casegrid_max": max(cg_all),
        "bare_rt_p50": med(rt_all), "bare_rt_p95": pct(rt_all, 95),
        "bare_mem_p50": med(mem_all), "bare_mem_p95": pct(mem_all, 95),
        "ratio_p50": med(cg_all) / med(rt_all),
        "by_type": by_type,
        "snapshot_bytes_end": med([s.snapshot_bytes for s in steps if s.bpmn_id == "complete"]),
    }


def applied_data(cg: Casegrid, case: Case) -> dict[str, Any]:
    """The exact data casegrid applied at its last step (validated, coerced), for the bare run."""
    with cg.db.reading() as s:
        payload = s.scalar(select(CaseEvent.payload)
                           .where(CaseEvent.case_id == case.id, CaseEvent.type == "task_completed")
                           .order_by(CaseEvent.seq.desc()).limit(1))
    return json.loads(payload)["data"]


def long_path(cg: Casegrid, case: Case, f: dict[str, dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Steps of a case that loops: accept → on_site → complete → rate 不满意 → (督办裁定 重新交办) → …"""
    yield "triage", f["triage"]
    yield "deliberate", f["deliberate"]
    while True:
        yield "accept", f["accept"]
        yield "on_site", f["on_site"]
        yield "complete", f["complete"]
        yield "rate", f["rate_dissatisfied"]
        if "final_decision" in cg.open_ids(case):
            yield "final_decision", f["final_decision"]


def run_long_case(cg: Casegrid, spec: Any, subs: dict[str, Any], target_events: int,
                  with_bare: bool = True, on_step: Callable[[Case, Step], None] | None = None,
                  ) -> tuple[Case, list[Step], list[tuple[Step, float]]]:
    """Drive one looping case until it has ``target_events`` events; bare round trip in lockstep."""
    f = forms(cg.clock)
    case = cg.open()
    bare = Bare(spec, subs, start_data(cg, case), cg.clock, round_trip=True) if with_bare else None
    steps: list[Step] = []
    paired: list[tuple[Step, float]] = []
    for bpmn_id, form in long_path(cg, case, f):
        s = cg.step(case, bpmn_id, form)
        steps.append(s)
        if bare is not None:
            paired.append((s, bare.step(bpmn_id, applied_data(cg, case))))
        if on_step is not None:
            on_step(case, s)
        if s.events_before >= target_events and bpmn_id == "rate":
            break
    return case, steps, paired


class YoungFeeder:
    """Cycle steps at ~10 events (the second accept…rate loop of a looping case, events 8–11).

    Advanced one step at a time *between* the steps of the long cases, so that young and old
    steps are measured over the same stretch of time and share whatever load the machine has.
    """

    def __init__(self, cg: Casegrid, spec: Any, subs: dict[str, Any]) -> None:
        self.cg, self.spec, self.subs = cg, spec, subs
        self.samples: list[tuple[Step, float]] = []
        self._gen = self._run()

    def _run(self) -> Iterator[None]:
        cg = self.cg
        while True:
            case = cg.open()
            bare = Bare(self.spec, self.subs, start_data(cg, case), cg.clock, round_trip=True)
            for i, (bpmn_id, form) in enumerate(long_path(cg, case, forms(cg.clock))):
                s = cg.step(case, bpmn_id, form)
                b = bare.step(bpmn_id, applied_data(cg, case))
                if i >= 6:  # triage, deliberate and loop 1 (accept…rate) done: this is loop 2
                    self.samples.append((s, b))
                yield
                if i == 9:
                    break

    def tick(self) -> None:
        next(self._gen)


def cycle_medians(paired: list[tuple[Step, float]], lo: int, hi: int) -> dict[str, dict[str, float]]:
    out = {}
    for b in CYCLE:
        sel = [(s, r) for s, r in paired if s.bpmn_id == b and lo <= s.events_before <= hi]
        out[b] = {"casegrid": med([s.ms for s, _ in sel]), "bare_rt": med([r for _, r in sel]), "n": len(sel),
                  "events": med([s.events_before for s, _ in sel])}
    return out


def components(cg: Casegrid, case: Case, repeat: int) -> dict[str, Any]:
    """What one step does with the stored state, timed piece by piece on the case as it stands now."""
    snap, case_uuid = cg.snapshot(case)
    process = cg.process(case)
    wf, issued, visited = load_snapshot(snap, process)
    inst = cg_runtime.Instance(process, wf, TaskIds(uuid.UUID(case_uuid), issued), visited)
    bare_json = Bare.serializer.serialize_json(wf)
    return {
        "events": cg.service.case(case.id).last_seq,
        "tasks_in_tree": len(wf.tasks),
        "snapshot_kb": len(snap.encode("utf-8")) / 1024,
        "bare_json_kb": len(bare_json.encode("utf-8")) / 1024,
        "json_loads_ms": timed_median(lambda: json.loads(snap), repeat),
        "load_snapshot_ms": timed_median(lambda: load_snapshot(snap, process), repeat),
        "dump_snapshot_ms": timed_median(lambda: dump_snapshot(wf, issued, visited, process.key), repeat),
        "to_dict_ms": timed_median(lambda: cg_serializer._serializer.to_dict(wf), repeat),
        "ready_tasks_ms": timed_median(inst.ready_tasks, repeat),
        "next_timer_at_ms": timed_median(inst.next_timer_at, repeat),
        "bare_deserialize_ms": timed_median(lambda: Bare.serializer.deserialize_json(bare_json), repeat),
        "bare_serialize_ms": timed_median(lambda: Bare.serializer.serialize_json(wf), repeat),
    }


def replay_in_memory(cg: Casegrid, case: Case) -> tuple[float, bool, bool]:
    """Reference only: the same engine events applied to one instance without a snapshot round trip
    between events, by hand (CaseService.replay does the same since engine/audit/replay.py stopped
    round-tripping; the serializer sorts deleted keys so both give the stored snapshot).

    Returns (ms, in-memory result equals the stored snapshot, CaseService.replay result equals it).
    """
    from engine.calendar.store import load_calendar
    from engine.cases.queries import find_case

    t0 = time.perf_counter_ns()
    with cg.db.reading() as s:
        c = find_case(s, case.id)
        events = s.scalars(select(CaseEvent).where(CaseEvent.case_id == c.id).order_by(CaseEvent.seq))
        process = process_of(s, c.process_version_id)
        instance = None
        for e in events:
            if e.type not in cg_runtime.ENGINE_EVENTS:
                continue
            issued = instance.ids.issued if instance else 0
            ctx = cg_runtime.new_context(c.uuid, issued, e.at, load_calendar(s, e.at))
            instance = cg_runtime.apply_event(instance, process, e.type, json.loads(e.payload), ctx)
        snap = instance.snapshot()
        stored = c.snapshot
    elapsed = ms(time.perf_counter_ns() - t0)
    return elapsed, snap == stored, cg.service.replay(case.id).snapshot() == stored


def composition(cg: Casegrid, case: Case) -> dict[str, Any]:
    """What the snapshot of a long case is made of."""
    snap, _ = cg.snapshot(case)
    wf = json.loads(snap)["workflow"]
    tasks = wf["tasks"]
    by_field: dict[str, int] = defaultdict(int)
    states: dict[str, int] = defaultdict(int)
    names = {64: "completed", 256: "cancelled", 16: "ready", 4: "waiting", 1: "maybe", 2: "likely",
             8: "future", 32: "started", 128: "error"}
    for t in tasks.values():
        for k, v in t.items():
            by_field[k] += len(json.dumps(v, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
        states[names.get(t["state"], str(t["state"]))] += 1
    by_field["task_order"] = len(json.dumps(wf.get("task_order", [])))
    total = len(snap.encode("utf-8"))
    return {"events": cg.service.case(case.id).last_seq, "tasks": len(tasks), "states": dict(states),
            "bytes": total, "by_field": dict(sorted(by_field.items(), key=lambda kv: -kv[1]))}


def run_breakdown(cg: Casegrid, steps_fn: Callable[[Instrument], None]) -> dict[str, Any]:
    inst = Instrument(cg.db, cg.service)
    original_complete = CaseService.complete_task

    def complete_task(self: CaseService, *a: Any, **k: Any) -> Any:
        with inst.step():
            return original_complete(self, *a, **k)

    inst.install()
    CaseService.complete_task = complete_task  # type: ignore[assignment]
    try:
        steps_fn(inst)
    finally:
        CaseService.complete_task = original_complete  # type: ignore[assignment]
        inst.uninstall()
    n = inst.ph.steps
    per_step = {name: t / n / 1e6 for name, t in inst.ph.excl.items()}
    groups: dict[str, float] = {g: 0.0 for g, _ in GROUPS}
    for name, v in per_step.items():
        groups[group_of(name)] += v
    return {"steps": n, "per_step_ms": per_step, "groups_ms": groups,
            "calls_per_step": {k: v / n for k, v in inst.ph.calls.items()}}


# -- report ----------------------------------------------------------------------------------------

def fmt_ok(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def report(res: Results, detail: bool = True) -> str:
    out: list[str] = []
    p = out.append
    st, age, rp = res.standard, res.age, res.replay
    p(f"casegrid complete_task benchmark — {res.env['date']} — {res.env['machine']}")
    p(f"commit {res.env['commit']}; load average before/after: {res.env['load_before']} / {res.env['load_after']}; "
      f"total run {res.env['runtime_s']:.0f} s")
    p("")
    p(f"1–3. One human task, standard civic loop ({st['cases']} cases, {st['steps']} steps; medians in ms)")
    p(f"  {'':34}{'p50':>8}{'p95':>8}   target")
    p(f"  {'casegrid complete_task (SQLite)':34}{st['casegrid_p50']:8.2f}{st['casegrid_p95']:8.2f}   "
      f"p50 ≤ {TARGET_P50_MS:g} {fmt_ok(st['casegrid_p50'] <= TARGET_P50_MS)}, "
      f"p95 ≤ {TARGET_P95_MS:g} {fmt_ok(st['casegrid_p95'] <= TARGET_P95_MS)}")
    p(f"  {'bare Spiff + JSON round trip':34}{st['bare_rt_p50']:8.2f}{st['bare_rt_p95']:8.2f}")
    p(f"  {'bare Spiff in memory':34}{st['bare_mem_p50']:8.2f}{st['bare_mem_p95']:8.2f}")
    p(f"  ratio casegrid / bare round trip (p50): {st['ratio_p50']:.2f}×   "
      f"target ≤ {TARGET_RATIO:g}× {fmt_ok(st['ratio_p50'] <= TARGET_RATIO)}")
    p(f"  (casegrid p99 {st['casegrid_p99']:.2f}, max {st['casegrid_max']:.2f}; "
      f"snapshot after 'complete' ≈ {st['snapshot_bytes_end'] / 1024:.1f} KB)")
    p(f"  {'per step type (p50)':20}{'casegrid':>10}{'bare rt':>10}{'bare mem':>10}{'ratio':>8}")
    for b, v in st["by_type"].items():
        p(f"  {b:20}{v['casegrid']:10.2f}{v['bare_rt']:10.2f}{v['bare_mem']:10.2f}"
          f"{v['casegrid'] / v['bare_rt']:8.2f}")
    p("")
    p(f"4. Step cost vs case age (steps {', '.join(CYCLE)}; medians in ms)")
    p(f"  {'':14}{'events':>8}{'casegrid':>10}{'bare rt':>10}{'n':>5}  |{'events':>8}{'casegrid':>10}"
      f"{'bare rt':>10}{'n':>5}  |{'cg old/young':>13}{'bare old/young':>15}")
    for b in CYCLE:
        y, o = age["young"][b], age["old"][b]
        p(f"  {b:14}{y['events']:8.0f}{y['casegrid']:10.2f}{y['bare_rt']:10.2f}{y['n']:5d}  |"
          f"{o['events']:8.0f}{o['casegrid']:10.2f}{o['bare_rt']:10.2f}{o['n']:5d}  |"
          f"{o['casegrid'] / y['casegrid']:13.2f}{o['bare_rt'] / y['bare_rt']:15.2f}")
    p(f"  {'cycle (sum)':14}{'':8}{age['young_sum']:10.2f}{age['young_sum_bare']:10.2f}{'':5}  |"
      f"{'':8}{age['old_sum']:10.2f}{age['old_sum_bare']:10.2f}{'':5}  |"
      f"{age['ratio']:13.2f}{age['ratio_bare']:15.2f}")
    p(f"  step after ~200 events / after ~10 events: {age['ratio']:.2f}×   "
      f"target ≤ {TARGET_AGE_RATIO:g}× {fmt_ok(age['ratio'] <= TARGET_AGE_RATIO)}")
    p("")
    p("   What grows with age (one long case, measured on its stored snapshot; ms are medians)")
    cols = [("events", "events", "{:>7.0f}"), ("tasks", "tasks_in_tree", "{:>6.0f}"),
            ("snap KB", "snapshot_kb", "{:>8.1f}"), ("Spiff KB", "bare_json_kb", "{:>9.1f}"),
            ("step", "step_ms", "{:>7.2f}"),
            ("loads", "json_loads_ms", "{:>7.2f}"), ("load_snap", "load_snapshot_ms", "{:>10.2f}"),
            ("dump_snap", "dump_snapshot_ms", "{:>10.2f}"), ("to_dict", "to_dict_ms", "{:>8.2f}"),
            ("ready_t", "ready_tasks_ms", "{:>8.2f}"), ("timer_at", "next_timer_at_ms", "{:>9.2f}"),
            ("Spiff deser", "bare_deserialize_ms", "{:>12.2f}"), ("Spiff ser", "bare_serialize_ms", "{:>10.2f}")]
    header = "  "
    for title, _, f in cols:
        width = int(f.split(">")[1].split(".")[0])
        header += f"{title:>{width}}"
    p(header)
    for row in res.growth:
        p("  " + "".join(f.format(row.get(key, float("nan"))) for _, key, f in cols))
    p("   (step = casegrid median of the 4 cycle steps nearest that age; load_snap includes loads;"
      " Spiff KB/deser/ser = SpiffWorkflow's own serializer, spec embedded)")
    p("")
    p(f"5. Replay of the long cases ({rp['events']:.0f} events, {rp['engine_events']:.0f} engine events): "
      f"median {rp['median_ms']:.1f} ms (min {rp['min_ms']:.1f}, n={rp['n']})   "
      f"target ≤ {TARGET_REPLAY_MS:g} ms {fmt_ok(rp['median_ms'] <= TARGET_REPLAY_MS)}")
    p(f"   replay of a young case ({rp['young_events']} events): {rp['young_ms']:.1f} ms")
    p(f"   reference: the same events applied in memory, no snapshot round trip between events: "
      f"{rp['in_memory_ms']:.1f} ms (result equals the stored snapshot: {rp['in_memory_same']}; "
      f"CaseService.replay result equals it: {rp['service_same']})")
    comp = rp["composition"]
    p(f"   snapshot of a long case at {comp['events']} events: {comp['bytes'] / 1024:.0f} KB, "
      f"{comp['tasks']} tasks in the tree ({', '.join(f'{v} {k}' for k, v in comp['states'].items())})")
    p("   bytes by task field: " + ", ".join(f"{k} {100 * v / comp['bytes']:.0f}%"
                                             for k, v in comp["by_field"].items() if v / comp["bytes"] >= 0.01))
    p("")
    p("6. Where one step's time goes (instrumented run; mean ms per step, exclusive times)")
    young_bd, old_bd = res.breakdown.get("young"), res.breakdown.get("old")
    if young_bd and old_bd:
        ty, to = sum(young_bd["groups_ms"].values()), sum(old_bd["groups_ms"].values())
        p(f"  {'':50}{'young':>9}{'%':>6}{'old':>9}{'%':>6}")
        p(f"  {'':50}{'(' + str(young_bd['steps']) + ' st)':>9}{'':6}{'(' + str(old_bd['steps']) + ' st)':>9}")
        for g, _ in GROUPS:
            y, o = young_bd["groups_ms"][g], old_bd["groups_ms"][g]
            p(f"  {g:50}{y:9.3f}{100 * y / ty:6.1f}{o:9.3f}{100 * o / to:6.1f}")
        p(f"  {'total (instrumented)':50}{ty:9.3f}{'':6}{to:9.3f}")
        sql_y = sum(v for k, v in young_bd["calls_per_step"].items() if k.startswith("SQL in"))
        sql_o = sum(v for k, v in old_bd["calls_per_step"].items() if k.startswith("SQL in"))
        p(f"  SQL statements per step: young {sql_y:.1f}, old {sql_o:.1f} (COMMIT not counted)")
        p(f"  (uninstrumented p50 of the same kind of steps: young {res.standard['casegrid_p50']:.2f} ms, "
          f"old {old_bd.get('uninstrumented_p50', float('nan')):.2f} ms; old steps had "
          f"{old_bd.get('events_from', '?')}–{old_bd.get('events_to', '?')} events)")
    for label, key in (("young (standard loop)", "young"), ("old (~200 events)", "old")):
        bd = res.breakdown.get(key)
        if not bd or not detail:
            continue
        total = sum(bd["per_step_ms"].values())
        p(f"  detail, {label}: {bd['steps']} steps, instrumented total {total:.2f} ms/step")
        for name, v in sorted(bd["per_step_ms"].items(), key=lambda kv: -kv[1]):
            if v < 0.005:
                continue
            calls = bd["calls_per_step"].get(name, 0)
            p(f"    {v:7.3f} ms {100 * v / total:5.1f}%  {name}  ({calls:.1f} calls/step)")
    return "\n".join(out)


# -- main ------------------------------------------------------------------------------------------

def git_commit() -> str:
    """The commit measured, and whether engine/ had uncommitted changes (stdlib only; '?' without git)."""
    import subprocess

    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "engine", "bpmn"], cwd=root,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"
    return head + (" + uncommitted changes in engine/ or bpmn/" if dirty else "")


def loadavg() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="smaller samples (smoke test)")
    ap.add_argument("--cases", type=int, help="standard-loop cases (6 steps each)")
    ap.add_argument("--long-cases", type=int, help="looping cases driven to ~200 events")
    ap.add_argument("--events", type=int, default=200, help="age of an 'old' case in events (default 200)")
    ap.add_argument("--profile", action="store_true", help="print cProfile of young and old steps")
    ap.add_argument("--json", type=Path, help="also write the results as JSON here")
    args = ap.parse_args(argv)
    n_cases = args.cases or (15 if args.quick else 60)
    n_long = args.long_cases or (1 if args.quick else 4)
    target = args.events

    t_start = time.perf_counter()
    res = Results()
    res.env = {
        "date": datetime.now().strftime("%Y-%m-%d %H:%M"),
        "machine": f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}, "
                   f"SpiffWorkflow {_version('SpiffWorkflow')}, SQLAlchemy {_version('sqlalchemy')}",
        "load_before": loadavg(),
        "commit": git_commit(),
    }
    spec, subs = parse_bare()
    with tempfile.TemporaryDirectory(prefix="casegrid-bench-") as tmp:
        cg = Casegrid(Path(tmp))

        # Warm-up: imports, spec parse cache, calendar cache, SQLite page cache, both serializers.
        print("warm-up …", file=sys.stderr)
        run_standard(cg, spec, subs, 5, Results())
        feeder = YoungFeeder(cg, spec, subs)
        for _ in range(10):
            feeder.tick()
        run_long_case(cg, spec, subs, 30)

        print(f"standard loop: {n_cases} cases …", file=sys.stderr)
        run_standard(cg, spec, subs, n_cases, res)

        print(f"long cases: {n_long} × {target} events, young cycle steps interleaved …", file=sys.stderr)
        young = YoungFeeder(cg, spec, subs)
        old: list[tuple[Step, float]] = []
        long_cases: list[Case] = []
        for i in range(n_long):
            thresholds = [11, 50, 100, 150, target]
            growth_rows: list[dict[str, Any]] = []

            def on_step(case: Case, s: Step, i: int = i, thresholds: list[int] = thresholds,
                        growth_rows: list[dict[str, Any]] = growth_rows) -> None:
                young.tick()
                # Component timings on the first long case, after the 'rate' step nearest each age.
                if i == 0 and s.bpmn_id == "rate" and thresholds and s.events_before >= thresholds[0]:
                    while thresholds and s.events_before >= thresholds[0]:
                        thresholds.pop(0)
                    row = components(cg, case, 3 if args.quick else 7)
                    row["age"] = s.events_before
                    growth_rows.append(row)

            case, steps, paired = run_long_case(cg, spec, subs, target + 5, on_step=on_step)
            long_cases.append(case)
            old += paired
            for row in growth_rows:
                near = [s.ms for s in steps if s.bpmn_id in CYCLE and abs(s.events_before - row["age"]) <= 6]
                row["step_ms"] = med(near)
                res.growth.append(row)

        young_m = cycle_medians(young.samples, 0, 15)
        old_m = cycle_medians(old, target - 10, target + 10)
        res.age = {
            "young": young_m, "old": old_m,
            "young_sum": sum(v["casegrid"] for v in young_m.values()),
            "old_sum": sum(v["casegrid"] for v in old_m.values()),
            "young_sum_bare": sum(v["bare_rt"] for v in young_m.values()),
            "old_sum_bare": sum(v["bare_rt"] for v in old_m.values()),
        }
        res.age["ratio"] = res.age["old_sum"] / res.age["young_sum"]
        res.age["ratio_bare"] = res.age["old_sum_bare"] / res.age["young_sum_bare"]

        print("replay …", file=sys.stderr)
        replay_ms = []
        reps = 1
        for case in long_cases:
            for _ in range(reps):
                t0 = time.perf_counter_ns()
                cg.service.replay(case.id)
                replay_ms.append(ms(time.perf_counter_ns() - t0))
        events = cg.service.events(long_cases[0].id)
        young_case = cg.open()
        for bpmn_id in STANDARD_PATH:
            cg.step(young_case, bpmn_id, forms(cg.clock)[bpmn_id])
        res.replay = {
            "median_ms": med(replay_ms), "min_ms": min(replay_ms), "n": len(replay_ms),
            "events": len(events), "engine_events": sum(e.type in cg_runtime.ENGINE_EVENTS for e in events),
            "young_events": len(cg.service.events(young_case.id)),
            "young_ms": timed_median(lambda: cg.service.replay(young_case.id), 5),
        }
        mem = [replay_in_memory(cg, c) for c in long_cases[:2]]
        res.replay["in_memory_ms"] = med([m[0] for m in mem])
        res.replay["in_memory_same"] = all(m[1] for m in mem)
        res.replay["service_same"] = all(m[2] for m in mem)
        res.replay["composition"] = composition(cg, long_cases[0])

        print("breakdown …", file=sys.stderr)

        def young_run(_inst: Instrument) -> None:
            run_standard(cg, spec, subs, 5 if args.quick else 15, Results())

        res.breakdown["young"] = run_breakdown(cg, young_run)
        # An old case: driven un-instrumented to ~target events, then instrumented for a few loops.
        f = forms(cg.clock)
        case = cg.open()
        path = long_path(cg, case, f)
        for bpmn_id, form in path:
            s = cg.step(case, bpmn_id, form)
            if s.events_before >= target - 12 and bpmn_id == "rate":
                break

        old_ages: list[int] = []

        def old_run(_inst: Instrument) -> None:
            for j, (bpmn_id, form) in enumerate(path):
                old_ages.append(cg.step(case, bpmn_id, form).events_before)
                if j >= (9 if args.quick else 19):
                    break

        res.breakdown["old"] = run_breakdown(cg, old_run)
        res.breakdown["old"]["events_from"], res.breakdown["old"]["events_to"] = min(old_ages), max(old_ages)
        res.breakdown["old"]["uninstrumented_p50"] = med(
            [st.ms for st, _ in old if min(old_ages) <= st.events_before <= max(old_ages)])

        if args.profile:
            profile_steps(cg, target)
        cg.db.dispose()

    res.env["load_after"] = loadavg()
    res.env["runtime_s"] = time.perf_counter() - t_start
    print(report(res))
    if args.json:
        args.json.write_text(json.dumps(dataclass_dict(res), indent=2, default=str), encoding="utf-8")
    return 0


def profile_steps(cg: Casegrid, target: int) -> None:
    """cProfile of 30 standard-loop steps and of 20 steps of a case at ~target events."""
    f = forms(cg.clock)
    prof = cProfile.Profile()
    for _ in range(5):
        case = cg.open()
        for bpmn_id in STANDARD_PATH:
            item = cg.driver.item(case, bpmn_id)
            actor = cg.driver.actor_for(case, item)
            cg.clock.advance(minutes=1)
            prof.runcall(cg.service.complete_task, item.id, f[bpmn_id], actor)
    _print_profile("young steps (standard loop, 30 steps)", prof)
    case = cg.open()
    path = long_path(cg, case, f)
    for bpmn_id, form in path:
        s = cg.step(case, bpmn_id, form)
        if s.events_before >= target - 12 and bpmn_id == "rate":
            break
    prof = cProfile.Profile()
    for j, (bpmn_id, form) in enumerate(path):
        item = cg.driver.item(case, bpmn_id)
        actor = cg.driver.actor_for(case, item)
        cg.clock.advance(minutes=1)
        prof.runcall(cg.service.complete_task, item.id, form, actor)
        if j >= 19:
            break
    _print_profile(f"old steps (~{target} events, 20 steps)", prof)


def _print_profile(title: str, prof: cProfile.Profile) -> None:
    for order in ("tottime", "cumulative"):
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).strip_dirs().sort_stats(order).print_stats(25)
        print(f"\n=== cProfile: {title}, by {order} ===", file=sys.stderr)
        print(buf.getvalue(), file=sys.stderr)


def dataclass_dict(res: Results) -> dict[str, Any]:
    return {k: getattr(res, k) for k in ("env", "standard", "age", "growth", "replay", "breakdown")}


def _version(dist: str) -> str:
    from importlib.metadata import version

    try:
        return version(dist)
    except ImportError:
        return "?"


if __name__ == "__main__":
    sys.exit(main())
