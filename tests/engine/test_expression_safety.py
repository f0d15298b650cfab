"""Diagram expressions never run as plain Python (DESIGN.md §3 Expressions, §5)."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest
from SpiffWorkflow.camunda.parser.CamundaParser import CamundaParser

from engine.bpmn.parser import ParsedProcess, parse_process
from engine.calendar import WorkCalendar
from engine.errors import CaseStepError, SpecError
from engine.runtime import apply_event, new_context
from tests.fixtures.diagrams import gateway_process

ATTACKS = [
    "__import__('os').system('touch {marker}') == 0",
    "().__class__.__mro__[1].__subclasses__() != []",
    "open('{marker}', 'w') is None",
    "eval(\"__import__('os').system('touch {marker}')\") == 0",
]


def _unchecked(xml: str) -> ParsedProcess:
    """Parse the way SpiffWorkflow would, skipping casegrid's publish-time checks."""
    parser = CamundaParser()
    parser.add_bpmn_str(xml.encode())
    return ParsedProcess("tiny", "tiny", parser.get_spec("tiny"), {},
                         parse_process(gateway_process()).human_tasks)


def _run_to_gateway(process: ParsedProcess) -> None:
    ctx = lambda n: new_context(str(uuid.UUID(int=7)), n, datetime(2026, 3, 2, tzinfo=timezone.utc), WorkCalendar())
    instance = apply_event(None, process, "case_opened", {"data": {}}, ctx(0))
    [ask] = instance.ready_tasks()
    apply_event(instance, process, "task_completed", {"task_id": ask.task_id, "data": {"choice": "a"}},
                ctx(instance.ids.issued))


@pytest.mark.parametrize("attack", ATTACKS)
def test_a_diagram_whose_condition_escapes_the_sandbox_is_refused_naming_the_gateway(attack: str, tmp_path: Path) -> None:
    with pytest.raises(SpecError) as refused:
        parse_process(gateway_process(condition=attack.format(marker=tmp_path / "pwned")))
    assert any(p.startswith("gw:") for p in refused.value.problems)


@pytest.mark.parametrize("attack", ATTACKS)
def test_a_hostile_condition_that_reaches_the_engine_fails_the_step_and_runs_nothing(attack: str, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    process = _unchecked(gateway_process(condition=attack.format(marker=marker)))
    with pytest.raises(CaseStepError):
        _run_to_gateway(process)
    assert not marker.exists()


def test_a_script_may_only_assign_names() -> None:
    with pytest.raises(SpecError) as refused:
        parse_process(gateway_process(script="import os\nx = 1"))
    assert any(p.startswith("calc:") and "赋值" in p for p in refused.value.problems)


def test_a_hostile_script_that_reaches_the_engine_fails_the_step(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    process = _unchecked(gateway_process(script=f"x = __import__('os').system('touch {marker}')"))
    with pytest.raises(CaseStepError):
        _run_to_gateway(process)
    assert not marker.exists()


def test_juel_expressions_are_refused_with_a_hint() -> None:
    with pytest.raises(SpecError) as refused:
        parse_process(gateway_process(condition="${choice == 'a'}"))
    assert any("JUEL" in p for p in refused.value.problems)


def test_ordinary_conditions_and_scripts_run() -> None:
    process = parse_process(gateway_process(condition="choice == 'a' and x + 1 == 2", other="not (choice == 'a')"))
    _run_to_gateway(process)
