"""Any published process is a case type: created from the blank template or imported from another modeller,
started from its start form, worked through inboxes, sent messages, replayed and verified like the shipped ones."""
from __future__ import annotations

from pathlib import Path

import pytest

from engine.clock import FixedClock
from engine.db import Database
from engine.errors import ConflictError, PermissionDenied, SpecError, ValidationError
from engine.people.actor import Actor
from engine.people.roles import Role
from engine import CaseService
from engine.specs.decision_service import DecisionService
from engine.specs.service import ProcessService
from tests.fixtures.process_versions import versions_restored  # noqa: F401  (fixture)

FOREIGN = Path(__file__).resolve().parents[1] / "fixtures" / "foreign"
pytestmark = pytest.mark.usefixtures("versions_restored")

SUPERVISOR = Actor("dudao", "supervisor")
GRID = Actor("wangge", "grid_worker", grid_code="G01")
CIVIL = Actor("minzheng", "department", department_code="minzheng")
DEPT_OTHER = Actor("chengguan", "department", department_code="chengguan")


@pytest.fixture
def processes(db: Database, clock: FixedClock, service: CaseService) -> ProcessService:
    return ProcessService(db, clock, service.hooks)


def _dibao(processes: ProcessService) -> str:
    xml = (FOREIGN / "camunda_dibao_review.bpmn").read_text(encoding="utf-8")
    review = processes.review_import(xml)
    draft = processes.import_diagram(xml, "dibao", "低保申请审核", by="dudao",
                                     lane_roles={lane.id: lane.suggested for lane in review.lanes})
    assert processes.validate(draft.id) == []
    return processes.publish(draft.id, "导入 Camunda Modeler 画的低保审核", by="dudao").xml


def _item(service: CaseService, actor: Actor, code: str) -> int:
    [row] = [r for r in service.inbox_page(actor).rows if r.tracking_code == code]
    return row.item_id


def test_a_blank_process_publishes_as_is_and_runs_a_case_to_its_end(processes: ProcessService,
                                                                    service: CaseService) -> None:
    draft = processes.create_blank("repair_request", "公共设施报修", by="dudao")
    assert draft.status == "draft" and draft.version == 1
    processes.publish(draft.id, "新流程", by="dudao")
    case = service.start_case("repair_request", {"title": "路灯不亮", "description": "3 号楼前"}, GRID)
    assert (case.process_key, case.title, case.grid_code, case.opened_by) == ("repair_request", "路灯不亮", "G01", "wangge")
    service.complete_task(_item(service, GRID, case.tracking_code), {"result": "已修复"}, GRID)
    assert service.case(case.tracking_code).status == "closed"
    [check] = service.verify(case.tracking_code)
    assert check.ok
    assert service.replay(case.tracking_code).snapshot() == service.case(case.tracking_code).snapshot


def test_the_camunda_dibao_review_imports_with_mapped_lanes_and_translated_conditions(
        processes: ProcessService, service: CaseService) -> None:
    xml = _dibao(processes)
    assert "casegrid.role" in xml and "${" not in xml and "#{" not in xml
    case = service.start_case("dibao", {"title": "张某低保申请", "household_size": "3", "amount": "600",
                                        "responsible_department": "minzheng"}, GRID)
    service.complete_task(_item(service, GRID, case.tracking_code), {"complete": "true"}, GRID)
    # The department named at the start gets the review; another department never sees it.
    assert [r for r in service.inbox_page(DEPT_OTHER).rows if r.tracking_code == case.tracking_code] == []
    item = _item(service, CIVIL, case.tracking_code)
    assert service.task(item, CIVIL).deadline is not None  # the 5-day reminder shows as the deadline
    service.complete_task(item, {"decision": "more"}, CIVIL)
    assert service.message_names(case.tracking_code, SUPERVISOR) == ["materials_supplied"]
    service.deliver_message(case.tracking_code, "materials_supplied", {"pages": 4}, SUPERVISOR)
    service.complete_task(_item(service, CIVIL, case.tracking_code), {"decision": "adopt"}, CIVIL)
    service.complete_task(_item(service, SUPERVISOR, case.tracking_code), {"approved": "true"}, SUPERVISOR)
    done = service.case(case.tracking_code)
    assert done.status == "closed"
    assert service.verify(case.tracking_code)[0].ok
    assert service.replay(case.tracking_code).snapshot() == done.snapshot


def test_the_start_form_is_validated_like_a_task_form_and_nothing_is_written_on_error(
        processes: ProcessService, service: CaseService) -> None:
    _dibao(processes)
    before = service.search_cases(SUPERVISOR).total
    with pytest.raises(ValidationError) as refused:
        service.start_case("dibao", {"title": "", "household_size": "zero", "amount": "1",
                                     "responsible_department": "nope", "extra": "x"}, GRID)
    assert set(refused.value.field_errors) == {"title", "household_size", "responsible_department", "extra"}
    assert service.search_cases(SUPERVISOR).total == before


def test_who_may_start_follows_the_start_lane_and_domains_keep_their_own_intake(
        processes: ProcessService, service: CaseService) -> None:
    _dibao(processes)
    with pytest.raises(PermissionDenied):
        service.start_case("dibao", {"title": "x", "household_size": 1, "amount": 1,
                                     "responsible_department": "minzheng"}, CIVIL)
    with pytest.raises(PermissionDenied):
        service.start_case("dibao", {}, Actor("jiandu", "auditor"))
    with pytest.raises(ConflictError):
        service.start_case("civic_loop", {}, GRID)
    startable = {s.key: s for s in service.startable(GRID)}
    assert startable["dibao"].own_intake is None and startable["civic_loop"].own_intake == "report"
    assert "dibao" not in {s.key for s in service.startable(CIVIL)}


def test_a_message_is_refused_when_unknown_unexpected_or_from_the_wrong_role(
        processes: ProcessService, service: CaseService) -> None:
    _dibao(processes)
    case = service.start_case("dibao", {"title": "李某", "household_size": 2, "amount": 500,
                                        "responsible_department": "minzheng"}, GRID)
    with pytest.raises(ValidationError):
        service.deliver_message(case.tracking_code, "whatever", {}, SUPERVISOR)
    with pytest.raises(ConflictError):  # nobody waits for it yet: the case stays as it was
        service.deliver_message(case.tracking_code, "materials_supplied", {}, SUPERVISOR)
    with pytest.raises(PermissionDenied):
        service.deliver_message(case.tracking_code, "materials_supplied", {}, GRID)
    for bad in ([1, 2], {"__class__": 1}, {"a": {"nested": 1}}, {"a": "x\x00"}, {"a": "y" * 20_000}):
        with pytest.raises(ValidationError):
            service.deliver_message(case.tracking_code, "materials_supplied", bad, SUPERVISOR)  # type: ignore[arg-type]
    assert service.verify(case.tracking_code)[0].ok and service.case(case.tracking_code).version == 1


def test_a_supervisors_process_reusing_a_civic_form_key_gets_none_of_the_civic_hooks(
        processes: ProcessService, service: CaseService) -> None:
    draft = processes.create_blank("borrowed_keys", "借用表单标识", by="dudao")
    processes.save_draft(draft.id, processes.version(draft.id).xml.replace('camunda:formKey="handle"',
                                                                           'camunda:formKey="resolution"'), by="dudao")
    processes.publish(draft.id, "x", by="dudao")
    case = service.start_case("borrowed_keys", {"title": "t"}, GRID)
    # The civic loop's resolution rules (department and deadline mandatory) would refuse this.
    service.complete_task(_item(service, GRID, case.tracking_code), {"result": "ok"}, GRID)
    assert service.case(case.tracking_code).status == "closed"


@pytest.mark.parametrize("key", ["", "1abc", "a", "has space", "x" * 61, "中文", "start", "civic_loop"])
def test_a_bad_or_taken_process_key_is_refused(processes: ProcessService, key: str) -> None:
    with pytest.raises(ValidationError):
        processes.create_blank(key, "名称", by="dudao")


def test_role_enum_round_trips_in_the_mapping() -> None:
    assert Role("department") is Role.DEPARTMENT


def _reply_process(processes: ProcessService) -> None:
    xml = (FOREIGN / "event_gateway_reply.bpmn").read_text(encoding="utf-8")
    processes.publish(processes.import_diagram(xml, "written_reply", "书面答复", by="dudao").id, "导入", by="dudao")


def test_behind_an_event_based_gateway_the_timer_fires_from_the_sweep_when_no_message_came(
        processes: ProcessService, service: CaseService, clock: FixedClock) -> None:
    _reply_process(processes)
    case = service.start_case("written_reply", {}, GRID)
    service.complete_task(_item(service, GRID, case.tracking_code), {"note": "请于 3 日内答复"}, GRID)
    assert service.case(case.tracking_code).next_timer_at is not None  # the unquoted P3D is waited for
    clock.advance(days=2)
    assert service.tick() == []
    clock.advance(days=1, minutes=1)
    assert [r.case.tracking_code for r in service.tick()] == [case.tracking_code]
    service.complete_task(_item(service, GRID, case.tracking_code), {}, GRID)  # 上门催告
    assert service.case(case.tracking_code).status == "closed"
    assert service.verify(case.tracking_code)[0].ok


def test_behind_an_event_based_gateway_a_message_wins_and_the_timer_is_gone(
        processes: ProcessService, service: CaseService, clock: FixedClock) -> None:
    _reply_process(processes)
    case = service.start_case("written_reply", {}, GRID)
    service.complete_task(_item(service, GRID, case.tracking_code), {"note": "请答复"}, GRID)
    service.deliver_message(case.tracking_code, "reply", {"text": "同意"}, SUPERVISOR)
    done = service.case(case.tracking_code)
    assert done.status == "closed" and done.next_timer_at is None
    clock.advance(days=5)
    assert service.tick() == []
    assert service.replay(case.tracking_code).snapshot() == done.snapshot


# -- a supervisor's own decision table ----------------------------------------------------------------

def _grant_table(big: str, small: str) -> str:
    """A decision document of the supervisor's own (not the routing table): household size → grant level."""
    return f'''<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="grants" name="补助等级"
    namespace="https://casegrid.example/dmn/grants">
  <decision id="grant_level" name="补助等级">
    <decisionTable id="grant_table" hitPolicy="FIRST">
      <input id="in_size" label="家庭人口">
        <inputExpression id="in_size_expr" typeRef="number"><text>household_size</text></inputExpression>
      </input>
      <output id="out_level" label="等级" name="level" typeRef="string"/>
      <rule id="grant_r1">
        <inputEntry id="grant_r1_i1"><text>&gt;= 3</text></inputEntry>
        <outputEntry id="grant_r1_o1"><text>"{big}"</text></outputEntry>
      </rule>
      <rule id="grant_r2">
        <inputEntry id="grant_r2_i1"><text>-</text></inputEntry>
        <outputEntry id="grant_r2_o1"><text>"{small}"</text></outputEntry>
      </rule>
    </decisionTable>
  </decision>
</definitions>
'''


def _graded_process(decision: str) -> str:
    """start → business rule task (``decision``) → high level: a grid worker's visit; otherwise the end."""
    return f'''<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="definitions_graded" targetNamespace="https://casegrid.example/bpmn">
  <bpmn:process id="graded_grant" name="分级补助" isExecutable="true">
    <bpmn:laneSet id="lanes">
      <bpmn:lane id="lane_grid" name="网格员">
        <bpmn:flowNodeRef>start</bpmn:flowNodeRef><bpmn:flowNodeRef>grade</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>which</bpmn:flowNodeRef><bpmn:flowNodeRef>visit</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>end</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start" name="登记">
      <bpmn:extensionElements><camunda:formData>
        <camunda:formField id="title" label="标题" type="string">
          <camunda:validation><camunda:constraint name="required"/></camunda:validation>
        </camunda:formField>
        <camunda:formField id="household_size" label="家庭人口" type="long">
          <camunda:validation><camunda:constraint name="required"/></camunda:validation>
        </camunda:formField>
      </camunda:formData></bpmn:extensionElements>
    </bpmn:startEvent>
    <bpmn:businessRuleTask id="grade" name="定补助等级" camunda:decisionRef="{decision}"/>
    <bpmn:exclusiveGateway id="which" default="to_end"/>
    <bpmn:userTask id="visit" name="上门核实">
      <bpmn:extensionElements><camunda:formData>
        <camunda:formField id="result" label="核实结果" type="string">
          <camunda:validation><camunda:constraint name="required"/></camunda:validation>
        </camunda:formField>
      </camunda:formData></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:endEvent id="end" name="办结"/>
    <bpmn:sequenceFlow id="to_grade" sourceRef="start" targetRef="grade"/>
    <bpmn:sequenceFlow id="to_which" sourceRef="grade" targetRef="which"/>
    <bpmn:sequenceFlow id="to_visit" sourceRef="which" targetRef="visit">
      <bpmn:conditionExpression>level == "high"</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="to_end" sourceRef="which" targetRef="end"/>
    <bpmn:sequenceFlow id="visit_end" sourceRef="visit" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>
'''


@pytest.fixture
def tables(db: Database, clock: FixedClock) -> DecisionService:
    return DecisionService(db, clock)


def _publish_table(tables: DecisionService, xml: str) -> int:
    draft = tables.save_draft(xml, by="dudao")
    assert tables.problems(xml) == []
    return tables.publish(draft.id, by="dudao", note="补助等级").id


def test_a_process_runs_on_the_supervisors_own_decision_table_and_its_cases_keep_their_version(
        processes: ProcessService, service: CaseService, tables: DecisionService, db: Database) -> None:
    first = _publish_table(tables, _grant_table("high", "low"))
    draft = processes.import_diagram(_graded_process("grant_level"), "graded_grant", "分级补助", by="dudao")
    assert processes.validate(draft.id) == []
    processes.publish(draft.id, "用自己的决策表分级", by="dudao")

    big = service.start_case("graded_grant", {"title": "李某", "household_size": "4"}, GRID)
    assert _pinned(db, big.tracking_code) == first
    assert service.case(big.tracking_code).status == "open"  # level "high": a visit is due

    # A new version of the table: the open case keeps the one it was pinned to, replay included.
    second = _publish_table(tables, _grant_table("low", "low"))
    assert second != first
    later = service.start_case("graded_grant", {"title": "王某", "household_size": "4"}, GRID)
    assert _pinned(db, later.tracking_code) == second
    assert service.case(later.tracking_code).status == "closed"  # level "low" under the new table
    service.complete_task(_item(service, GRID, big.tracking_code), {"result": "属实"}, GRID)
    for code in (big.tracking_code, later.tracking_code):
        done = service.case(code)
        assert done.status == "closed"
        assert all(check.ok for check in service.verify(code))
        assert service.replay(code).snapshot() == done.snapshot


def _pinned(db: Database, code: str) -> int | None:
    from sqlalchemy import select

    from engine.cases.models import Case
    with db.reading() as s:
        return s.scalar(select(Case.decision_version_id).where(Case.tracking_code == code))


def test_a_decision_no_table_publishes_is_refused_in_chinese_naming_it(processes: ProcessService) -> None:
    draft = processes.import_diagram(_graded_process("no_such_table"), "graded_grant", "分级补助", by="dudao")
    [problem] = processes.validate(draft.id)
    assert problem.element_id == "grade"
    assert "决策 no_such_table 没有已发布的决策表" in problem.message
    assert "DMN" not in problem.message and "Available" not in problem.message
    with pytest.raises(SpecError) as refused:
        processes.publish(draft.id, "试发布", by="dudao")
    assert any("no_such_table" in p and "没有已发布的决策表" in p for p in refused.value.problems)


def test_the_cli_publishes_a_diagram_using_a_published_table_of_the_supervisors_own(
        tables: DecisionService, db: Database, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from engine.cli import main
    path = tmp_path / "graded.bpmn"
    path.write_text(_graded_process("grant_level"), encoding="utf-8")
    refused = CliRunner().invoke(main, ["process", "publish", "--db", db.url, str(path), "--note", "分级"])
    assert refused.exit_code == 1 and "决策 grant_level 没有已发布的决策表" in refused.output
    _publish_table(tables, _grant_table("high", "low"))
    published = CliRunner().invoke(main, ["process", "publish", "--db", db.url, str(path), "--note", "分级"])
    assert published.exit_code == 0, published.output
    assert "published graded_grant v1" in published.output


def test_a_process_using_decisions_of_two_documents_is_refused_as_a_case_pins_one(
        processes: ProcessService, tables: DecisionService) -> None:
    _publish_table(tables, _grant_table("high", "low"))
    other = _grant_table("high", "low").replace('id="grants"', 'id="visits"').replace(
        'id="grant_level"', 'id="visit_level"').replace("grant_", "visit_")
    _publish_table(tables, other)
    xml = _graded_process("grant_level").replace(
        '<bpmn:exclusiveGateway id="which"',
        '<bpmn:businessRuleTask id="grade_visit" name="定走访等级" camunda:decisionRef="visit_level"/>'
        '<bpmn:exclusiveGateway id="which"').replace(
        '<bpmn:sequenceFlow id="to_which" sourceRef="grade" targetRef="which"/>',
        '<bpmn:sequenceFlow id="to_visit_grade" sourceRef="grade" targetRef="grade_visit"/>'
        '<bpmn:sequenceFlow id="to_which" sourceRef="grade_visit" targetRef="which"/>').replace(
        "<bpmn:flowNodeRef>which</bpmn:flowNodeRef>",
        "<bpmn:flowNodeRef>which</bpmn:flowNodeRef><bpmn:flowNodeRef>grade_visit</bpmn:flowNodeRef>")
    draft = processes.import_diagram(xml, "graded_grant", "分级补助", by="dudao")
    [problem] = processes.validate(draft.id)
    assert problem.element_id == "graded_grant"
    assert "grant_level" in problem.message and "visit_level" in problem.message
    assert "同一份已发布的决策表" in problem.message
    with pytest.raises(SpecError):
        processes.publish(draft.id, "两份决策表", by="dudao")
