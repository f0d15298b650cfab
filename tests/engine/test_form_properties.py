"""Form properties a diagram may set on a field beyond its type: several values at once (``multiple``),
a starting value from a workflow variable (``prefill``), and shown only for some answers (``shown_when``)."""
from __future__ import annotations

import pytest

from engine.bpmn.forms import validate_form
from engine.bpmn.parser import parse_process
from engine.errors import ValidationError

DIAGRAM = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="http://casegrid.local/test">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:laneSet id="ls"><bpmn:lane id="lane_grid_worker" name="网格员">
      <bpmn:flowNodeRef>start</bpmn:flowNodeRef><bpmn:flowNodeRef>pick</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>end</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="pick" name="分拨" camunda:formKey="pick">
      <bpmn:extensionElements><camunda:formData>
        <camunda:formField id="decision" label="结果" type="enum">
          <camunda:validation><camunda:constraint name="required"/></camunda:validation>
          <camunda:value id="dispatch" name="派单"/><camunda:value id="whistle" name="吹哨"/>
        </camunda:formField>
        <camunda:formField id="department" label="部门" type="string">
          <camunda:properties>
            <camunda:property id="options" value="departments"/>
            <camunda:property id="prefill" value="suggested_department"/>
            <camunda:property id="shown_when" value="decision = dispatch, whistle"/>
          </camunda:properties>
        </camunda:formField>
        <camunda:formField id="co" label="协办部门" type="string">
          <camunda:properties>
            <camunda:property id="options" value="departments"/>
            <camunda:property id="multiple" value="true"/>
          </camunda:properties>
        </camunda:formField>
      </camunda:formData></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="pick"/>
    <bpmn:sequenceFlow id="f2" sourceRef="pick" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>
"""

DEPARTMENTS = {"departments": {"chengguan", "zhujian", "gongan"}}


@pytest.fixture(scope="module")
def form():  # type: ignore[no-untyped-def]
    return parse_process(DIAGRAM).human_tasks["pick"].form


def test_the_properties_are_read_from_the_diagram(form) -> None:  # type: ignore[no-untyped-def]
    department, co = form.field("department"), form.field("co")
    assert department.prefill == "suggested_department" and not department.multiple
    assert department.shown_when == ("decision", ("dispatch", "whistle"))
    assert co.multiple and co.prefill is None and co.shown_when is None


def test_a_multiple_field_takes_a_list_of_known_codes(form) -> None:  # type: ignore[no-untyped-def]
    data = validate_form(form, {"decision": "whistle", "department": "chengguan", "co": ["zhujian", "gongan"]},
                         DEPARTMENTS)
    assert data["co"] == ["zhujian", "gongan"]
    assert validate_form(form, {"decision": "dispatch", "co": "zhujian"}, DEPARTMENTS)["co"] == ["zhujian"]
    assert validate_form(form, {"decision": "dispatch"}, DEPARTMENTS)["co"] == []


@pytest.mark.parametrize(("value", "message"), [
    (["zhujian", "nosuch"], "协办部门中有无效的选项：nosuch"),
    (["zhujian", "zhujian"], "协办部门重复选择了 zhujian"),
    ([1, 2], "协办部门应为选项代码的列表"),
    ([{"a": 1}], "协办部门应为选项代码的列表"),
    (["a\x00b"], "协办部门应为选项代码的列表"),
])
def test_a_bad_list_is_refused_naming_the_field(form, value, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as refused:
        validate_form(form, {"decision": "whistle", "co": value}, DEPARTMENTS)
    assert refused.value.field_errors == {"co": message}


def test_a_single_value_field_still_refuses_a_list(form) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as refused:
        validate_form(form, {"decision": "dispatch", "department": ["chengguan"]}, DEPARTMENTS)
    assert set(refused.value.field_errors) == {"department"}
