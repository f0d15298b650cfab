"""Every validation rule, on small hostile or broken diagrams, and ``casegrid process validate`` (issue 7).

The files are in tests/fixtures/diagrams/: each one breaks one rule (its comment
says which), plus exports in the style of other modellers (Camunda 7 and 8,
bpmn.io, Signavio) that are valid BPMN 2.0 but not executable here.
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.bpmn.parser import MAX_BPMN_BYTES
from engine.cli import main
from engine.specs.validation import DOCUMENT, Problem, problems_of, problems_of_file
from tests.fixtures.process_versions import DIAGRAMS, civic_loop, replace_once


def problems(name: str) -> list[Problem]:
    return problems_of_file(DIAGRAMS / name)


def only(name: str) -> Problem:
    found = problems(name)
    assert len(found) == 1, found
    return found[0]


def test_the_seed_civic_loop_and_a_minimal_diagram_are_publishable() -> None:
    assert problems_of(civic_loop()) == []
    assert problems("valid_minimal.bpmn") == []


# -- the document itself -----------------------------------------------------------------------

@pytest.mark.parametrize("name", ["billion_laughs.bpmn", "external_entity.bpmn", "external_dtd.bpmn"])
def test_dtds_and_entities_are_refused_before_parsing(name: str) -> None:
    problem = only(name)
    assert problem.element_id == DOCUMENT and "DTD" in problem.message


def test_a_10_mb_file_is_refused_without_being_read(tmp_path: Path) -> None:
    big = tmp_path / "huge.bpmn"
    with big.open("wb") as out:
        out.write((DIAGRAMS / "valid_minimal.bpmn").read_bytes())
        out.write(b" " * (10 * 1024 * 1024))
    problem = only_file(big)
    assert problem.element_id == DOCUMENT and "过大" in problem.message and str(MAX_BPMN_BYTES) in problem.message


def only_file(path: Path) -> Problem:
    found = problems_of_file(path)
    assert len(found) == 1, found
    return found[0]


def test_an_oversized_text_is_refused_too() -> None:
    [problem] = problems_of((DIAGRAMS / "valid_minimal.bpmn").read_text() + " " * MAX_BPMN_BYTES)
    assert "过大" in problem.message


def test_xml_that_is_not_well_formed_is_refused_with_its_line() -> None:
    problem = only("not_well_formed.bpmn")
    assert problem.element_id == DOCUMENT and "XML 格式错误" in problem.message and "第 42 行" in problem.message


@pytest.mark.parametrize(("name", "says"), [
    ("not_xml.bpmn", "XML 格式错误"), ("empty.bpmn", "空"), ("svg_image.bpmn", "不是 BPMN 2.0 流程图")])
def test_files_that_are_not_bpmn_say_so(name: str, says: str) -> None:
    assert says in only(name).message


# -- structure ---------------------------------------------------------------------------------

def test_a_process_without_a_start_event_is_refused_naming_the_process() -> None:
    problem = only("no_start_event.bpmn")
    assert problem.element_id == "minimal" and "开始事件" in problem.message


def test_a_flow_to_a_missing_element_is_refused_naming_the_flow_and_line() -> None:
    problem = only("dangling_flow.bpmn")
    assert problem.element_id == "f_done" and "nowhere" in problem.message and "第 35 行" in problem.message


def test_a_boundary_event_on_a_missing_task_is_refused_though_spiffworkflow_would_drop_it() -> None:
    problem = only("orphan_boundary_event.bpmn")
    assert problem.element_id == "timer_check" and "check_removed" in problem.message


def test_an_unknown_element_is_refused_not_skipped() -> None:
    problem = only("unknown_element.bpmn")
    assert problem.element_id == "beam_me_up" and "teleport" in problem.message and "第 31 行" in problem.message


def test_a_user_task_outside_every_lane_is_refused() -> None:
    problem = only("user_task_outside_lanes.bpmn")
    assert problem.element_id == "check" and "泳道" in problem.message


def test_a_lane_that_names_no_role_is_refused() -> None:
    problem = only("lane_without_role.bpmn")
    assert problem.element_id == "check" and "财务科" in problem.message


def test_a_form_field_of_unknown_type_is_refused() -> None:
    problem = only("unknown_field_type.bpmn")
    assert problem.element_id == "check" and "color" in problem.message


# -- expressions and timers --------------------------------------------------------------------

def test_a_juel_condition_is_refused_with_its_translation_as_hint() -> None:
    problem = only("juel_condition.bpmn")
    assert problem.element_id == "gw" and "JUEL" in problem.message and "result == 'done'" in problem.message
    assert "f_done" in problem.message


def test_a_condition_calling_dunder_import_is_refused() -> None:
    found = problems("dunder_import.bpmn")
    assert found and all(p.element_id == "gw" for p in found)
    assert any("__import__" in p.message for p in found)


def test_a_timer_duration_that_is_not_iso_8601_is_refused() -> None:
    problem = only("bad_timer_duration.bpmn")
    assert problem.element_id == "timer_check" and "ISO 8601" in problem.message and "P3X" in problem.message


def test_an_iso_duration_without_quotes_is_accepted_as_the_literal_other_modellers_mean() -> None:
    assert problems("unquoted_timer_duration.bpmn") == []


def test_a_deadline_helper_in_a_duration_timer_is_refused_with_the_fix() -> None:
    problem = only("deadline_helper_as_duration.bpmn")
    assert "workdays()" in problem.message and "timeDate" in problem.message


@pytest.mark.parametrize("duration", ['"P3D"', '"PT72H"', '"P1DT12H"', '"PT0.5S"', '"P2W"'])
def test_valid_iso_durations_pass(duration: str) -> None:
    xml = (DIAGRAMS / "valid_minimal.bpmn").read_text().replace('"PT72H"', duration)
    assert problems_of(xml) == []


@pytest.mark.parametrize(("timer", "says"), [
    ('<bpmn:timeDate xsi:type="bpmn:tFormalExpression">workdays(2)</bpmn:timeDate>', None),
    ('<bpmn:timeDate xsi:type="bpmn:tFormalExpression">"2026-05-01T09:00:00+08:00"</bpmn:timeDate>', None),
    ('<bpmn:timeDate xsi:type="bpmn:tFormalExpression">"next friday"</bpmn:timeDate>', "ISO 8601"),
    ('<bpmn:timeDate xsi:type="bpmn:tFormalExpression">"P3D"</bpmn:timeDate>', "timeDuration"),
    ('<bpmn:timeCycle xsi:type="bpmn:tFormalExpression">"R3/PT1H"</bpmn:timeCycle>', None),
    ('<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">72</bpmn:timeDuration>', "ISO 8601"),
    ('<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">${duration}</bpmn:timeDuration>', "JUEL"),
    ('<bpmn:timeDuration xsi:type="bpmn:tFormalExpression"></bpmn:timeDuration>', "没有设置"),
])
def test_timer_values(timer: str, says: str | None) -> None:
    xml = (DIAGRAMS / "valid_minimal.bpmn").read_text().replace(
        '<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">"PT72H"</bpmn:timeDuration>', timer)
    found = problems_of(xml)
    if says is None:
        assert found == []
    else:
        assert len(found) == 1 and found[0].element_id == "timer_check" and says in found[0].message


def test_a_script_that_imports_is_refused_naming_the_script_task() -> None:
    xml = replace_once(civic_loop(), "<bpmn:script>outcome = 'refused'</bpmn:script>", "<bpmn:script>import os</bpmn:script>")
    found = problems_of(xml)
    assert [p.element_id for p in found] == ["mark_refused"]


# -- other modellers ---------------------------------------------------------------------------

def test_a_camunda_7_export_gets_a_message_for_each_habit() -> None:
    found = {(p.element_id, p.message.split("：")[0]) for p in problems("camunda7_modeler_export.bpmn")}
    messages = " ".join(p.message for p in problems("camunda7_modeler_export.bpmn"))
    # The unquoted "PT24H" on Event_0timeout is read as the literal Camunda means: no problem there.
    assert {element for element, _ in found} == {"Activity_notify", "Gateway_1approved", "Activity_review"}
    assert "服务任务" in messages and "JUEL" in messages and "camunda:assignee" in messages


def test_a_camunda_8_export_is_told_about_feel_and_zeebe_scripts() -> None:
    messages = {p.element_id: p.message for p in problems("camunda8_modeler_export.bpmn")}
    assert "FEEL" in messages["Gateway_ok"] and "zeebe:script" in messages["Task_record"]


@pytest.mark.parametrize(("name", "element"), [
    ("bpmn_io_demo_export.bpmn", "Process_1"),
    ("signavio_export.bpmn", "sid-2B9E4F61-0C3A-4D85-B7E2-6A1F9C0D3E48"),
])
def test_a_non_executable_export_is_told_to_tick_executable(name: str, element: str) -> None:
    problem = only(name)
    assert problem.element_id == element and "isExecutable" in problem.message


def test_an_untyped_task_from_signavio_is_refused_as_nobody_could_do_it() -> None:
    problem = only("signavio_export_executable.bpmn")
    assert problem.element_id == "sid-A1B2C3D4-0002" and "bpmn:task" in problem.message


# -- the command -------------------------------------------------------------------------------

LINE = re.compile(r"^(?P<file>.+?): (ok|ERROR (?P<element>[^\s:]+): (?P<message>.+))$")


def _validate(*files: str) -> tuple[int, list[str]]:
    result = CliRunner().invoke(main, ["process", "validate", *files])
    assert "Traceback" not in result.output
    return result.exit_code, result.output.splitlines()


def test_the_command_prints_ok_and_exits_0_when_every_file_is_publishable() -> None:
    seed = str(Path(__file__).resolve().parents[2] / "bpmn" / "civic_loop.bpmn")
    code, lines = _validate(seed, str(DIAGRAMS / "valid_minimal.bpmn"))
    assert code == 0 and lines == [f"{seed}: ok", f"{DIAGRAMS / 'valid_minimal.bpmn'}: ok"]


def test_the_command_prints_one_error_line_per_problem_and_exits_1(tmp_path: Path) -> None:
    camunda = str(DIAGRAMS / "camunda7_modeler_export.bpmn")
    code, lines = _validate(str(DIAGRAMS / "valid_minimal.bpmn"), camunda)
    assert code == 1
    assert lines[0].endswith("valid_minimal.bpmn: ok")
    errors = lines[1:]
    assert len(errors) == len(problems("camunda7_modeler_export.bpmn")) == 5
    assert all(line.startswith(f"{camunda}: ERROR ") for line in errors)
    assert f"{camunda}: ERROR Activity_notify: 服务任务" in errors[0]


def test_the_command_reports_paths_that_are_not_diagram_files(tmp_path: Path) -> None:
    missing, folder = str(tmp_path / "missing.bpmn"), str(tmp_path)
    code, lines = _validate(missing, folder, str(DIAGRAMS / "empty.bpmn"), str(DIAGRAMS / "not_xml.bpmn"))
    assert code == 1
    assert lines[0] == f"{missing}: ERROR document: 文件不存在"
    assert lines[1] == f"{folder}: ERROR document: 这是一个目录，不是流程图文件"
    assert lines[2].endswith("empty.bpmn: ERROR document: 文件是空的")
    assert lines[3].startswith(f"{DIAGRAMS / 'not_xml.bpmn'}: ERROR document: XML 格式错误")


def test_hundreds_of_foreign_files_in_one_call_give_one_verdict_each_and_no_traceback(tmp_path: Path) -> None:
    files = []
    fixtures = sorted(DIAGRAMS.glob("*.bpmn"))
    for n in range(300):
        source = fixtures[n % len(fixtures)]
        target = tmp_path / f"{n:03d}_{source.name}"
        shutil.copy(source, target)
        files.append(str(target))
    garbage = tmp_path / "999_random.bpmn"
    garbage.write_bytes(bytes(range(256)) * 40)
    files.append(str(garbage))
    code, lines = _validate(*files)
    assert code == 1
    assert all(LINE.match(line) for line in lines), [line for line in lines if not LINE.match(line)][:3]
    assert [f for f in files if not any(line.startswith(f"{f}: ") for line in lines)] == []
    ok = [line for line in lines if line.endswith(": ok")]
    assert len(ok) == sum(1 for f in files if f.endswith(("valid_minimal.bpmn", "unquoted_timer_duration.bpmn",
                                                          "event_subprocess.bpmn")))


@pytest.mark.parametrize(("ref", "says"), [
    ('camunda:decisionRef="no_such_table"', "决策 no_such_table 没有已发布的决策表"),
    ("", "没有指定要执行的决策（decisionRef）"),
])
def test_a_business_rule_task_without_a_published_table_is_refused_in_chinese(ref: str, says: str) -> None:
    xml = (DIAGRAMS / "valid_minimal.bpmn").read_text().replace(
        '<bpmn:sequenceFlow id="f_start" sourceRef="start" targetRef="check"/>',
        f'<bpmn:businessRuleTask id="decide" {ref}/>'
        '<bpmn:sequenceFlow id="f_start" sourceRef="start" targetRef="decide"/>'
        '<bpmn:sequenceFlow id="f_decide" sourceRef="decide" targetRef="check"/>')
    [problem] = problems_of(xml)
    assert problem.element_id == "decide" and says in problem.message
    assert "route" in problem.message  # the decisions that can be used are listed
    assert "DMN" not in problem.message and "Available" not in problem.message
