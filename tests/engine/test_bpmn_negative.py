"""The BPMN negative set (DESIGN.md §5, issue 9): a hostile diagram is refused when it is validated,
or contained when it runs — the server never hangs on a diagram.

Complements test_spec_parsing.py, test_spec_validation.py (DTDs, entities, 10 MB files, JUEL) and
test_expression_safety.py (``__import__``, the ``__subclasses__`` walk, ``open``, ``eval``): what is
tested there is not repeated here.
"""
from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from datetime import datetime, timezone

import pytest
from SpiffWorkflow.camunda.parser.CamundaParser import CamundaParser
from sqlalchemy import func, select

from engine.cases.events import CaseEvent
from engine.bpmn import limits
from engine.bpmn.limits import EngineLimitExceeded
from engine.bpmn.parser import ParsedProcess, parse_process
from engine.calendar import WorkCalendar
from engine.clock import FixedClock
from engine.cases.intake import Intake
from engine.cases.models import Case
from engine.db import Database
from engine.errors import CaseStepError
from engine.people.actor import Actor
from engine.runtime import Instance, apply_event, new_context
from engine import CaseService
from engine.specs.service import ProcessService
from engine.specs.validation import Problem, problems_of
from tests.fixtures.diagrams import HEADER, gateway_process
from tests.fixtures.process_versions import (  # noqa: F401
    DIAGRAMS,
    civic_loop,
    replace_once,
    versions_restored,
    with_endless_loop,
)

MINIMAL = (DIAGRAMS / "valid_minimal.bpmn").read_text(encoding="utf-8")


def _unchecked(xml: str, key: str) -> ParsedProcess:
    """Parse the way SpiffWorkflow would, skipping casegrid's publish-time checks."""
    parser = CamundaParser()
    parser.add_bpmn_str(xml.encode())
    return ParsedProcess(key, key, parser.get_spec(key), parser.get_subprocess_specs(key), {})


def _step(process: ParsedProcess, instance: Instance | None, event: str, payload: dict) -> Instance:
    ctx = new_context(str(uuid.UUID(int=7)), instance.ids.issued if instance else 0,
                      datetime(2026, 3, 2, tzinfo=timezone.utc), WorkCalendar())
    return apply_event(instance, process, event, payload, ctx)


def _run_to_gateway(process: ParsedProcess) -> None:
    """Open a case of :func:`gateway_process` and complete its user task: the script and gateway run."""
    instance = _step(process, None, "case_opened", {"data": {}})
    ready = [t for t in instance.workflow.get_tasks() if t.task_spec.bpmn_id == "ask" and t.state == 16]
    _step(process, instance, "task_completed", {"task_id": str(ready[0].id), "data": {"choice": "a"}})


def _only(problems: list[Problem]) -> Problem:
    assert len(problems) == 1, problems
    return problems[0]


# -- the XML itself ---------------------------------------------------------------------------------

def test_a_parameter_entity_reading_a_file_is_refused_as_a_dtd() -> None:
    xml = ('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>'
           '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"/>')
    assert "DTD" in _only(problems_of(xml)).message


def test_an_xinclude_inside_a_process_is_refused_as_an_unknown_element() -> None:
    include = '<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="/etc/passwd" parse="text"/>'
    problem = _only(problems_of(MINIMAL.replace('<bpmn:startEvent id="start"/>',
                                                f'<bpmn:startEvent id="start"/>{include}')))
    assert problem.element_id == "minimal" and "XInclude" in problem.message


def test_an_xinclude_in_documentation_is_never_followed() -> None:
    include = '<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="/etc/passwd" parse="text"/>'
    process = parse_process(MINIMAL.replace(
        '<bpmn:startEvent id="start"/>',
        f'<bpmn:startEvent id="start"><bpmn:documentation>{include}</bpmn:documentation></bpmn:startEvent>'))
    assert all("root:" not in (ts.documentation or "") for ts in process.spec.task_specs.values())


def test_a_document_nested_thousands_deep_is_refused_not_a_crash() -> None:
    xml = ('<?xml version="1.0"?><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">'
           + "<a>" * 20000 + "</a>" * 20000 + "</bpmn:definitions>")
    assert "XML" in _only(problems_of(xml)).message


def test_a_chain_of_thousands_of_tasks_under_the_size_limit_is_refused_not_a_crash() -> None:
    # 4 000 chained script tasks (0.7 MB) took 30 s to check before the flow count was made linear.
    n = 4000
    body = "".join(f'<bpmn:scriptTask id="s{i}"><bpmn:script>x = {i}</bpmn:script></bpmn:scriptTask>'
                   f'<bpmn:sequenceFlow id="f{i}" sourceRef="{f"s{i - 1}" if i else "start"}" targetRef="s{i}"/>'
                   for i in range(n))
    xml = (f'{HEADER}<bpmn:process id="long" isExecutable="true"><bpmn:startEvent id="start"/>{body}'
           f'<bpmn:endEvent id="end"/><bpmn:sequenceFlow id="fe" sourceRef="s{n - 1}" targetRef="end"/>'
           '</bpmn:process></bpmn:definitions>')
    assert problems_of(xml) != []


# -- expressions and scripts -------------------------------------------------------------------------

#: Refused when the diagram is validated, and again if such a diagram ever runs.
REFUSED_EXPRESSIONS = {
    "read_a_file": "open('/etc/passwd').read() != ''",
    "read_the_environment": "__import__('os').environ.get('HOME') != ''",
    "bases_walk": "().__class__.__bases__[0].__subclasses__() != []",
    "lambda": "(lambda: True)()",
    "getattr": "getattr(choice, 'upper') is not None",
    "globals": "globals() != {}",
    "huge_exponent": "9**9**9 > 0",
    "padding_method": "len(choice.ljust(999999999)) > 0",
    "mutating_method": "choice.append(1) is None",
    "format_spec_padding": "len(f'{choice:>999999999}') > 0",
    "deep_nesting": "-" * 500 + "1 == 0",
}

#: Pass validation (the types are only known when it runs) and are refused when they run.
RUNTIME_ONLY_EXPRESSIONS = {
    "huge_string_multiplication": "len(choice * 1000000000) > 0",
    "nested_repetition": "len(str([[choice] * 99999] * 99999)) > 0",
    "printf_padding": "len('%999999999d' % 0) > 0",
}


@pytest.mark.parametrize("expression", REFUSED_EXPRESSIONS.values(), ids=REFUSED_EXPRESSIONS.keys())
def test_a_hostile_condition_is_refused_naming_the_gateway(expression: str) -> None:
    found = problems_of(gateway_process(condition=expression))
    assert found and all(p.element_id == "gw" for p in found)


@pytest.mark.parametrize("expression", [*REFUSED_EXPRESSIONS.values(), *RUNTIME_ONLY_EXPRESSIONS.values()],
                         ids=[*REFUSED_EXPRESSIONS, *RUNTIME_ONLY_EXPRESSIONS])
def test_a_hostile_condition_that_runs_fails_the_step_at_once(expression: str) -> None:
    with pytest.raises(CaseStepError, match="表达式"):
        _run_to_gateway(_unchecked(gateway_process(condition=expression), "tiny"))


@pytest.mark.parametrize("script", [
    "home = open('/etc/passwd').read()",
    "home = __import__('os').environ",
    "walk = ().__class__.__mro__[1].__subclasses__()",
], ids=["read_a_file", "read_the_environment", "mro_walk"])
def test_a_script_reading_files_or_the_environment_is_refused_naming_the_script_task(script: str) -> None:
    found = problems_of(gateway_process(script=script))
    assert found and all(p.element_id == "calc" for p in found)


@pytest.mark.parametrize("script", [
    "s = choice * 90000\nt = s + s",
    "n = 99999999999 * 99999999999\n" + "n = n * n\n" * 40,
    "s = [choice] * 99999\nt = [s] * 99999",
], ids=["string_doubling", "integer_squaring", "list_of_lists"])
def test_a_script_that_builds_a_huge_value_step_by_step_fails_the_step(script: str) -> None:
    # Each line is small and valid; what the lines build together is refused before it is built.
    assert problems_of(gateway_process(script=script)) == []
    with pytest.raises(CaseStepError, match="过大|整数超过"):
        _run_to_gateway(parse_process(gateway_process(script=script)))


# -- loops, recursion and timers -----------------------------------------------------------------------

def _loop_process() -> str:
    """start → bump (script) → again? (gateway) → back to bump, for ever."""
    return f"""{HEADER}
  <bpmn:process id="spin" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:scriptTask id="bump" scriptFormat="python"><bpmn:script>n = n + 1</bpmn:script></bpmn:scriptTask>
    <bpmn:exclusiveGateway id="again"/>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="bump"/>
    <bpmn:sequenceFlow id="f2" sourceRef="bump" targetRef="again"/>
    <bpmn:sequenceFlow id="f3" sourceRef="again" targetRef="bump">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">n &gt; 0</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f4" sourceRef="again" targetRef="end">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">n &lt;= 0</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
  </bpmn:process>
</bpmn:definitions>"""


def _calling(*pairs: tuple[str, str]) -> str:
    """One process per (id, called process id): start → call activity → end."""
    processes = "".join(f"""
  <bpmn:process id="{p}" isExecutable="true">
    <bpmn:startEvent id="{p}_start"/>
    <bpmn:callActivity id="{p}_call" calledElement="{called}"/>
    <bpmn:endEvent id="{p}_end"/>
    <bpmn:sequenceFlow id="{p}_f1" sourceRef="{p}_start" targetRef="{p}_call"/>
    <bpmn:sequenceFlow id="{p}_f2" sourceRef="{p}_call" targetRef="{p}_end"/>
  </bpmn:process>""" for p, called in pairs)
    return f"{HEADER}{processes}\n</bpmn:definitions>"


@pytest.fixture
def few_engine_tasks(monkeypatch: pytest.MonkeyPatch) -> int:
    """A low task bound, so that the tests reach it in milliseconds."""
    monkeypatch.setattr(limits, "MAX_ENGINE_TASKS", 50)
    return 50


def test_a_loop_is_legitimate_bpmn_and_passes_validation() -> None:
    assert problems_of(_loop_process()) == []


def test_a_loop_that_never_exits_stops_at_the_task_bound(few_engine_tasks: int) -> None:
    with pytest.raises(EngineLimitExceeded, match=f"超过 {few_engine_tasks} 个引擎任务"):
        _step(parse_process(_loop_process()), None, "case_opened", {"data": {"n": 1}})


def test_a_loop_that_never_exits_stops_at_the_default_bound_too() -> None:
    with pytest.raises(EngineLimitExceeded, match="流程运行超出限制"):
        _step(parse_process(_loop_process()), None, "case_opened", {"data": {"n": 1}})


def test_a_step_that_runs_too_long_stops_at_the_time_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    ticks = itertools.count()
    monkeypatch.setattr(limits, "clock", lambda: float(next(ticks)))  # one second per look at the clock
    with pytest.raises(EngineLimitExceeded, match=f"超过 {limits.MAX_STEP_SECONDS:g} 秒"):
        _step(parse_process(_loop_process()), None, "case_opened", {"data": {"n": 1}})


def test_a_loop_that_exits_runs_through_the_same_bound() -> None:
    instance = _step(parse_process(_loop_process()), None, "case_opened", {"data": {"n": -5}})
    assert instance.completed and instance.data["n"] == -4


def test_a_process_calling_itself_is_refused_naming_the_call_activity() -> None:
    problem = _only(problems_of(_calling(("selfish", "selfish"))))
    assert problem.element_id == "selfish_call" and "selfish → selfish" in problem.message


def test_two_processes_calling_each_other_are_refused() -> None:
    found = problems_of(_calling(("a", "b"), ("b", "a")), "a")
    assert {p.element_id for p in found} == {"a_call", "b_call"}
    assert any("a → b → a" in p.message for p in found)


def test_a_self_calling_process_that_runs_stops_at_the_task_bound(few_engine_tasks: int) -> None:
    with pytest.raises(EngineLimitExceeded):
        _step(_unchecked(_calling(("selfish", "selfish")), "selfish"), None, "case_opened", {"data": {}})


@pytest.mark.parametrize(("cycle", "says"), [
    ('"R/PT1H"', "重复次数"),
    ('"R5/PT0S"', "大于 0 的间隔"),
    ('"R1000/PT1M"', "1 到 100 次"),
], ids=["unbounded", "zero_interval", "too_many"])
def test_a_timer_cycle_that_never_ends_is_refused(cycle: str, says: str) -> None:
    timer = f'<bpmn:timeCycle xsi:type="bpmn:tFormalExpression">{cycle}</bpmn:timeCycle>'
    xml = replace_once(MINIMAL, '<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">"PT72H"</bpmn:timeDuration>',
                       timer)
    problem = _only(problems_of(xml))
    assert problem.element_id == "timer_check" and says in problem.message


# -- a published loop, through the case service: the step fails and writes nothing ---------------------

@pytest.fixture
def looping_published(db: Database, clock: FixedClock, versions_restored: None) -> Iterator[None]:  # noqa: F811
    ProcessService(db, clock).publish_file(with_endless_loop(civic_loop()), "循环测试", by="dudao")
    yield


@pytest.mark.usefixtures("looping_published")
def test_a_published_loop_fails_opening_the_case_and_writes_nothing(
        service: CaseService, few_engine_tasks: int) -> None:
    with pytest.raises(EngineLimitExceeded):
        service.open_case(Intake(description="楼道灯坏了", category="公共设施"), Actor("wangge", "grid_worker", grid_code="XF-01"))
    with service.db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 0
        assert s.scalar(select(func.count()).select_from(CaseEvent)) == 0
