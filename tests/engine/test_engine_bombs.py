"""Diagram bombs (issue 15, point 1 and the engine parts of point 7): refused when validated where that
can be known, refused when a case runs where the value comes from data — quickly, naming the element,
with nothing written — and a step that runs long inside one operation is interrupted at its budget.

Each bomb here went off on the main branch before this defence; the sizes are chosen so that it went
off in seconds rather than for ever (the full sizes are in tests/hardening/test_diagram_bombs_server.py).
"""
from __future__ import annotations

import ast
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from engine.cases.events import CaseEvent
from engine.bpmn import limits, watchdog
from engine.bpmn.expressions import parse_script
from engine.bpmn.limits import EngineLimitExceeded
from engine.bpmn.parser import parse_process
from engine.cases.intake import Intake
from engine.cases.models import Case, WorkItem
from engine.cli import main
from engine.clock import FixedClock
from engine.db import Database
from engine.errors import CaseStepError
from engine.people.actor import Actor
from engine import CaseService
from engine.specs.service import ProcessService
from engine.specs.validation import Problem, problems_of, problems_of_file
from tests.engine.test_bpmn_negative import _run_to_gateway
from tests.fixtures.bombs import with_init_line, with_triage_instances, with_triage_timer
from tests.fixtures.diagrams import HEADER, gateway_process
from tests.fixtures.process_versions import DIAGRAMS, versions_restored  # noqa: F401

MINIMAL = (DIAGRAMS / "valid_minimal.bpmn").read_text(encoding="utf-8")
GRID_WORKER = Actor("wangge", "grid_worker", grid_code="XF-01")


def _element(problems: list[Problem], element_id: str) -> Problem:
    assert problems and {p.element_id for p in problems} == {element_id}, problems
    return problems[0]


# -- refused when the diagram is validated ---------------------------------------------------------------

def test_round_with_a_huge_negative_digit_count_is_refused_naming_the_script() -> None:
    # round(1, -10**9) computes 10**(10**9) inside C: no thread can interrupt it, every request froze.
    problem = _element(problems_of(with_init_line("x = round(1, -1000000000)")), "init")
    assert "round()" in problem.message


@pytest.mark.parametrize(("kind", "value", "says"), [
    ("timeDuration", '"P999999999Y"', "超过 3660 天"),       # spun inside the write transaction for ever
    ("timeDuration", '"PT99999999999999H"', "超过 3660 天"),
    ("timeDate", '"9999-12-31T00:00:00Z"', "2100"),
    ("timeCycle", '"R100/P1Y"', "总共超过"),
    ("timeCycle", '"R5/PT1M"', "至少 1 小时"),
], ids=["years", "hours", "far_date", "long_cycle", "fast_cycle"])
def test_a_timer_beyond_the_horizon_is_refused_naming_the_timer(kind: str, value: str, says: str) -> None:
    problem = _element(problems_of(with_triage_timer(kind, value)), "bomb_timer")
    assert says in problem.message


@pytest.mark.parametrize("count", ["20000", "100000000"])
def test_a_multi_instance_count_beyond_the_maximum_is_refused_naming_the_task(count: str) -> None:
    problem = _element(problems_of(with_triage_instances(count)), "triage")
    assert f"超过上限 {limits.MAX_INSTANCES}" in problem.message


def test_a_household_vote_of_a_few_thousand_is_within_the_maximum() -> None:
    assert problems_of(with_triage_instances("3000")) == []


def test_a_hostile_multi_instance_count_expression_is_refused_like_any_expression() -> None:
    problem = _element(problems_of(with_triage_instances("__import__('os').getpid()")), "triage")
    assert "loopCardinality" in problem.message


@pytest.mark.parametrize("script", [
    "s = 'ab' * 1000000000",
    "s = [0] * 200000",
    "n = 1" + "0" * 1300,
], ids=["string_repetition", "list_repetition", "huge_constant"])
def test_a_literal_that_is_too_big_is_refused_naming_the_script(script: str) -> None:
    assert _element(problems_of(gateway_process(script=script)), "calc")


def _many_scripts(line: str, tasks: int = 100) -> str:
    script = "\n".join([line] * (19000 // len(line)))
    body = "".join(f'<bpmn:scriptTask id="s{i}"><bpmn:script>{script}</bpmn:script></bpmn:scriptTask>'
                   f'<bpmn:sequenceFlow id="f{i}" sourceRef="{f"s{i - 1}" if i else "start"}" targetRef="s{i}"/>'
                   for i in range(tasks))
    return (f'{HEADER}<bpmn:process id="long" isExecutable="true"><bpmn:startEvent id="start"/>{body}'
            f'<bpmn:endEvent id="end"/><bpmn:sequenceFlow id="fe" sourceRef="s{tasks - 1}" targetRef="end"/>'
            '</bpmn:process></bpmn:definitions>')


def test_two_megabytes_of_nested_scripts_are_refused_before_any_is_parsed() -> None:
    # Checking these cost ~30 s of CPU (a quadratic source lookup per line) and then they passed.
    problem = _element(problems_of(_many_scripts("x = " + "-(" * 20 + "1" + ")" * 20)), "defs")
    assert "超过 100000 个字符" in problem.message


def test_one_script_nested_deeper_than_the_bracket_limit_is_refused_before_it_is_parsed() -> None:
    problem = _element(problems_of(gateway_process(script="x = " + "(" * 45 + "1" + ")" * 45)), "calc")
    assert "括号嵌套超过" in problem.message


def test_a_long_script_of_legitimate_lines_is_checked_in_linear_time() -> None:
    # 700 short lines in one script: each line's text used to be found by re-splitting the whole script.
    script = "\n".join(f"x{i} = {i} + 1" for i in range(700))
    assert problems_of(gateway_process(script=script)) == []
    assert len(parse_process(gateway_process(script=script)).spec.task_specs["calc"].script) == len(script)


def test_each_line_of_a_script_is_read_as_python_reads_it() -> None:
    # The linear lookup must give what ast.get_source_segment gives, line ends and odd characters included.
    script = "x = '中文' + '的'\r\ny = (1 +\r  2)\nz = 'a\u2028b'\nw = 'c\x0cd' + 'e'\rv = [\n'甲',\n'乙']"
    module = ast.parse(script)
    assert parse_script(script) == [(st.targets[0].id, ast.get_source_segment(script, st.value))
                                    for st in module.body]


def test_a_document_nested_too_deep_is_refused_in_our_words() -> None:
    xml = ('<?xml version="1.0"?><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">'
           + "<a>" * 20000 + "</a>" * 20000 + "</bpmn:definitions>")
    problem = _element(problems_of(xml), "document")
    assert "嵌套超过 256 层" in problem.message and "XML_PARSE_HUGE" not in problem.message


def test_sub_processes_nested_too_deep_are_refused_before_they_are_parsed() -> None:
    inner = ('<bpmn:startEvent id="s0"/><bpmn:endEvent id="e0"/>'
             '<bpmn:sequenceFlow id="q0" sourceRef="s0" targetRef="e0"/>')
    for i in range(1, 40):
        inner = (f'<bpmn:startEvent id="s{i}"/><bpmn:subProcess id="p{i}">{inner}</bpmn:subProcess>'
                 f'<bpmn:endEvent id="e{i}"/><bpmn:sequenceFlow id="q{i}" sourceRef="s{i}" targetRef="p{i}"/>'
                 f'<bpmn:sequenceFlow id="r{i}" sourceRef="p{i}" targetRef="e{i}"/>')
    xml = f'{HEADER}<bpmn:process id="deep" isExecutable="true">{inner}</bpmn:process></bpmn:definitions>'
    assert "子流程嵌套超过" in _element(problems_of(xml), "p29").message


# -- the same diagram in any encoding: validate and publish agree ----------------------------------------

@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "gb18030", "utf-8-sig"])
def test_a_diagram_in_another_encoding_validates_and_publishes_the_same(
        encoding: str, db: Database, tmp_path: Path, versions_restored: None) -> None:  # noqa: F811
    declared = encoding.upper().removesuffix("-SIG")
    path = tmp_path / "minimal.bpmn"
    path.write_bytes(MINIMAL.replace('encoding="UTF-8"', f'encoding="{declared}"').encode(encoding))
    assert problems_of_file(path) == []
    result = CliRunner().invoke(main, ["process", "publish", str(path), "--note", "另存为其他编码", "--db", db.url])
    assert result.exit_code == 0, result.output
    published = ProcessService(db).versions("minimal")[0]
    assert 'encoding="UTF-8"' in ProcessService(db).version(published.id).xml
    assert problems_of(ProcessService(db).version(published.id).xml) == []


def test_a_diagram_that_is_not_in_its_declared_encoding_is_refused_by_both() -> None:
    data = MINIMAL.replace("最小流程", "最小流程\udcff", 1).encode("utf-8", "surrogateescape")
    assert _element(problems_of(data), "document").message.startswith("文件不是有效的 UTF-8 文本")


# -- refused when a case runs: the value comes from data ---------------------------------------------------

@pytest.fixture
def publish(db: Database, clock: FixedClock, versions_restored: None) -> Iterator[object]:  # noqa: F811
    def publish(xml: str) -> None:
        assert problems_of(xml) == [], problems_of(xml)
        ProcessService(db, clock).publish_file(xml, "攻击测试", by="dudao")
    yield publish


def _report_is_refused(service: CaseService, says: str) -> CaseStepError:
    with pytest.raises(CaseStepError) as refused:
        service.open_case(Intake(description="楼道灯坏了", category="公共设施"), GRID_WORKER)
    assert says in refused.value.message, refused.value.message
    with service.db.reading() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 0
        assert s.scalar(select(func.count()).select_from(CaseEvent)) == 0
        assert s.scalar(select(func.count()).select_from(WorkItem)) == 0
    return refused.value


def test_round_with_a_digit_count_from_data_is_refused_when_it_runs(service: CaseService, publish) -> None:
    # A count the validator cannot read (it is computed); 3 000 000 digits took a second of frozen server.
    publish(with_init_line("x = round(1, -int('3000000'))"))
    _report_is_refused(service, "round() 的位数")


@pytest.mark.parametrize("span", ["P99999Y", "P999999999Y"])
def test_a_timer_duration_from_data_beyond_the_horizon_is_refused_naming_the_timer(
        service: CaseService, publish, span: str) -> None:
    # P99999Y was an OverflowError (500) after a second in the write transaction; P999999999Y spun for ever.
    publish(with_init_line(f"bomb_span = '{span}'", with_triage_timer("timeDuration", "bomb_span")))
    _report_is_refused(service, "bomb_timer: 定时器的值不可用")


@pytest.mark.parametrize("value", ["next tuesday", "P3D", "2026-02-30T00:00:00Z", 42])
def test_a_timer_date_from_data_that_is_no_date_is_refused_naming_the_timer(
        service: CaseService, publish, value: object) -> None:
    # Each of these was an unexpected error: a 500 on every report.
    publish(with_init_line(f"bomb_due = {value!r}", with_triage_timer("timeDate", "bomb_due")))
    _report_is_refused(service, "bomb_timer: 定时器的值不可用")


def test_a_timer_cycle_from_data_that_never_ends_is_refused_naming_the_timer(service: CaseService, publish) -> None:
    publish(with_init_line("bomb_cycle = 'R/PT0S'", with_triage_timer("timeCycle", "bomb_cycle")))
    _report_is_refused(service, "bomb_timer: 定时器的值不可用")


@pytest.mark.parametrize("count", ["20000", "-1", "3.5"])
def test_a_multi_instance_count_from_data_beyond_the_maximum_is_refused_naming_the_task(
        service: CaseService, publish, count: str) -> None:
    # 20 000 made 20 000 work items and an 8.5 MB snapshot from one report.
    publish(with_init_line(f"bomb_count = {count}", with_triage_instances("bomb_count")))
    _report_is_refused(service, "triage: 多实例任务的实例数")


def test_a_sequential_multi_instance_count_from_data_beyond_the_maximum_is_refused_too(
        service: CaseService, publish) -> None:
    publish(with_init_line("bomb_count = 100000000", with_triage_instances("bomb_count", sequential=True)))
    _report_is_refused(service, "triage: 多实例任务的实例数")


def test_a_multi_instance_count_from_data_within_the_maximum_runs(service: CaseService, publish) -> None:
    publish(with_init_line("bomb_count = 3", with_triage_instances("bomb_count")))
    case = service.open_case(Intake(description="楼道灯坏了", category="公共设施"), GRID_WORKER)
    with service.db.reading() as s:
        assert s.scalar(select(func.count()).select_from(WorkItem).where(WorkItem.case_id == case.id)) == 3


def test_a_deadline_helper_beyond_the_horizon_is_refused(service: CaseService, publish) -> None:
    publish(with_init_line("bomb_due = workdays(int('99999999'))"))
    _report_is_refused(service, "天数 99999999 超出范围")


# -- the step budget holds inside one long operation ------------------------------------------------------

#: One script task of ~700 lines, each a legitimate count over 49 999 items: seconds of CPU in one engine task.
LONG_SCRIPT = "\n".join(["n = count([0] * 49999, 0)"] * 700)


def test_a_single_long_engine_task_is_interrupted_inside_it(monkeypatch: pytest.MonkeyPatch) -> None:
    # Before, the budget was looked at only between engine tasks: the script ran to its end, and the
    # refusal named the element after it. Now the watchdog stops it inside the script task.
    monkeypatch.setattr(limits, "MAX_STEP_SECONDS", 0.2)
    with pytest.raises(EngineLimitExceeded, match="停在 calc"):
        _run_to_gateway(parse_process(gateway_process(script=LONG_SCRIPT)))


def test_the_watchdog_stops_a_pure_python_loop_and_leaves_the_thread_clean() -> None:
    done = []
    with pytest.raises(watchdog.StepInterrupted):
        with watchdog.armed(0.05):
            while True:  # what SpiffWorkflow's month-by-month timer walk amounted to
                done.append(1)
                del done[:]
    total = sum(i for i in range(2_000_000))  # nothing pending is left to go off later
    assert total > 0


def test_a_step_that_ends_within_its_budget_is_not_interrupted_afterwards() -> None:
    with watchdog.armed(5.0):
        total = sum(range(1000))
    assert total == 499500 and sum(range(3_000_000)) > 0


def test_steps_in_two_threads_are_watched_separately() -> None:
    outcome: dict[str, str] = {}

    def spin(name: str, budget: float, iterations: int | None) -> None:
        try:
            with watchdog.armed(budget):
                i = 0
                while iterations is None or i < iterations:
                    i += 1
            outcome[name] = "finished"
        except watchdog.StepInterrupted:
            outcome[name] = "interrupted"

    threads = [threading.Thread(target=spin, args=("bomb", 0.05, None)),
               threading.Thread(target=spin, args=("normal", 30.0, 200_000))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert outcome == {"bomb": "interrupted", "normal": "finished"}


def test_a_replay_is_bounded_by_cpu_only_a_live_step_by_wall_time_too(monkeypatch: pytest.MonkeyPatch) -> None:
    # A live step holds its case (on SQLite: every write), so it also has a wall limit; a replay holds nothing,
    # and on a starved machine a wall limit failed replays that were merely slow ("replay failed" for an auditor).
    monkeypatch.setattr(watchdog, "WALL_FACTOR", 0.0)  # as if the machine gave the step no CPU at all
    with pytest.raises(watchdog.StepInterrupted):
        with watchdog.armed(5.0):
            while True:
                pass
    with watchdog.armed(5.0, wall_limit=False):
        total = sum(range(3_000_000))  # runs to its end: only its CPU time counts
    assert total > 0



def test_a_garbage_collection_inside_a_step_is_not_charged_to_it(monkeypatch: pytest.MonkeyPatch) -> None:
    # A full collection in a process with a large heap (a long-lived server, a test worker) ran in the step's thread:
    # its seconds were charged to the step, which was refused ("ran over 2 s", even on replay).
    import gc

    def slow_collection(phase: str, _info: dict[str, int]) -> None:
        if phase == "start":
            sum(range(3_000_000))  # CPU the collector spends, not the step

    with watchdog.armed(0.05):
        gc.callbacks.append(slow_collection)  # after the watchdog's own callback: inside the collection it brackets
        try:
            gc.collect()
        finally:
            gc.callbacks.remove(slow_collection)
        assert watchdog.collected_seconds() > 0.05
    assert sum(range(1000)) == 499500  # not interrupted, and nothing pending goes off later
