"""Replay never depends on what ran before it in the same OS process (issue 18, the "replay failed" false alarm).

SpiffWorkflow wires an event sub-process into the parsed spec the first time its message arrives, and a
multi-instance task (the departments of a dispatch) the first time it creates an instance; with the spec
parsed once per process and shared, cases created in one process stopped replaying in another, and a
department finishing its part in a server restarted since the dispatch left the case standing still.
These tests run the demo and cases of a diagram with such a sub-process, then replay every case both in
fresh OS processes (one per case, nothing parsed before it) and in this long-lived process (everything
parsed and run before it); and finish a dispatched case's steps in fresh processes.
"""
from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from engine.cases.intake import Intake
from engine.cases.models import Case
from engine.bootstrap import init_database
from engine.bpmn.parser import ParsedProcess, parse_process
from engine.cases.steps import run_engine_event
from engine.clock import FixedClock
from engine.db import Database
from engine.demo.driver import Driver
from engine.demo.scenarios import waiting_for_department
from engine.demo.run import run_demo
from engine.people.actor import Actor
from engine import CaseService
from engine.processes import default_hooks
from engine.specs.operations import publish
from engine.specs.queries import current_version
from engine.specs.registry import parsed_xml
from tests.conftest import START

ESP_XML = (Path(__file__).resolve().parents[1] / "fixtures" / "diagrams" / "event_subprocess.bpmn").read_text(
    encoding="utf-8")
GRID = Actor("wangge", "grid_worker")


def spec_wiring(process: ParsedProcess) -> dict[str, object]:
    """Every task spec's inputs and outputs (by name), who hears it complete, a multi-instance task's data
    references, and the start's triggers: what a run must not change."""
    wiring: dict[str, object] = {}
    for spec in [process.spec, *process.subprocess_specs.values()]:
        wiring[f"{spec.name}:triggers"] = list(spec.start.trigger_specs)
        for name, task_spec in spec.task_specs.items():
            listeners = [getattr(c, "__qualname__", repr(c)) for c, *_ in task_spec.completed_event.hard_subscribers or []]
            references = [getattr(getattr(task_spec, attr, None), "bpmn_id", None)
                          for attr in ("data_input", "data_output", "input_item", "output_item")]
            wiring[f"{spec.name}:{name}"] = (list(task_spec._inputs), list(task_spec._outputs), listeners, references)
    return wiring


def run_esp_case(url: str, minutes: int) -> str:
    """Open a case of the event sub-process diagram, send it the message, finish both paths (in this process)."""
    db = Database(url)
    clock = FixedClock(START + timedelta(minutes=minutes))
    service = CaseService(db, clock)
    case = service.open_case(Intake(description="楼道堆物", category="环境卫生"), GRID, process_key="esp")
    clock.advance(minutes=5)
    with db.transaction() as s:
        row = s.get(Case, case.id)
        assert row is not None
        run_engine_event(s, row, event_type="message_received", payload={"name": "urge", "data": {}},
                         actor=GRID, at=clock.now(), hooks=default_hooks())
    while items := [i for i in service.work_items(case.id) if i.state in ("ready", "claimed")]:
        clock.advance(minutes=5)
        service.complete_task(items[0].id, {}, GRID)
    db.dispose()
    return case.tracking_code


def run_esp_cases(url: str, starts: tuple[int, ...]) -> list[str]:
    return [run_esp_case(url, minutes) for minutes in starts]


def verify_one(url: str, case_id: int) -> tuple[int, str | None]:
    """Replay one case in a fresh process: nothing else was parsed or run here before."""
    db = Database(url)
    try:
        [check] = CaseService(db).verify(case_id)
        return case_id, check.problem
    finally:
        db.dispose()


def _fresh_processes(workers: int = 2) -> ProcessPoolExecutor:
    """One OS process per task, forked from a server that has imported the code and parsed nothing.

    A fork server rather than spawn only to save each child the imports (two seconds each).
    """
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return ProcessPoolExecutor(workers, mp_context=context, max_tasks_per_child=1)


def test_a_run_leaves_the_parsed_spec_as_it_was_parsed(service: CaseService, db: Database) -> None:
    with db.transaction() as s:
        publish(s, ESP_XML, by="test", at=START)
    before = spec_wiring(parsed_xml(ESP_XML, "esp"))
    for minutes in (0, 30):
        run_esp_case(str(db.url), minutes)
    assert spec_wiring(parsed_xml(ESP_XML, "esp")) == before
    assert [c.problem for c in service.verify()] == [None, None]


def report_on_site_in_a_fresh_process(url: str, case_id: int, at: datetime) -> list[str]:
    """The department reports arrival in a process that has parsed nothing yet: a server restarted since the
    dispatch. Returns the case's open tasks after it."""
    db = Database(url)
    try:
        clock = FixedClock(at)
        driver = Driver(CaseService(db, clock), clock)
        case = driver.service.case(case_id)
        driver.do(case, "on_site", on_site_note="已到现场核实，情况属实")
        return driver.open_ids(case)
    finally:
        db.dispose()


def test_a_department_finishing_its_part_after_a_restart_moves_the_case_on_and_the_case_replays(
        db: Database, driver: Driver, clock: FixedClock, service: CaseService) -> None:
    case = waiting_for_department(driver)  # dispatched here: the department's instance was created in this process
    driver.do(case, "accept", accept_decision="accepted")
    clock.advance(hours=2)
    with _fresh_processes(1) as pool:
        open_after = pool.submit(report_on_site_in_a_fresh_process, str(db.url), case.id, clock.now()).result()
    # Its part done, the (only, so lead) department completes the whole: the case does not stand still …
    assert open_after == ["complete"]
    # … and replays to what the restarted server stored, here and in a fresh process alike.
    assert [c.problem for c in service.verify(case.id)] == [None]
    with _fresh_processes(1) as pool:
        assert pool.submit(verify_one, str(db.url), case.id).result() == (case.id, None)


def test_running_the_civic_loop_leaves_its_parsed_spec_as_it_was_parsed(db: Database, driver: Driver) -> None:
    with db.reading() as s:
        version = current_version(s, "civic_loop")
        xml = version.xml
    case = waiting_for_department(driver)  # the departments' multi-instance task creates its instance
    driver.do(case, "accept", accept_decision="accepted")
    driver.do(case, "on_site", on_site_note="已到现场核实，情况属实")
    assert driver.open_ids(case) == ["complete"]
    # The spec every step of this process used (whatever ran before this test) is still as a fresh parse makes it.
    assert spec_wiring(parsed_xml(xml, "civic_loop")) == spec_wiring(parse_process(xml, "civic_loop"))


def test_every_demo_case_replays_in_fresh_processes_and_in_one_long_lived_process(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    db = init_database(url)[0]
    run_demo(db, rounds=1)
    with db.transaction() as s:
        publish(s, ESP_XML, by="test", at=START)
    # cases of the event sub-process diagram created in separate processes, as by several web workers
    # (the first worker opens two: the second case starts after the first one's message was caught)
    with _fresh_processes() as pool:
        codes = [code for batch in pool.map(run_esp_cases, [url] * 2, [(0, 30), (60,)]) for code in batch]
    with db.reading() as s:
        cases = s.execute(select(Case.id, Case.tracking_code).order_by(Case.id)).all()
    assert {code for _, code in cases} >= set(codes) and len(cases) > 30
    with _fresh_processes() as pool:
        fresh = dict(pool.map(verify_one, [url] * len(cases), [case_id for case_id, _ in cases]))
    assert {case_id: problem for case_id, problem in fresh.items() if problem} == {}
    # … and all of them one after the other here, where the demo and every diagram already ran
    long_lived = CaseService(db).verify()
    assert [(c.tracking_code, c.problem) for c in long_lived if not c.ok] == []
    assert len(long_lived) == len(cases)
    db.dispose()
