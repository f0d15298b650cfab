"""Any published process is a case type: created from the blank template or imported from another modeller,
started from its start form, worked through inboxes, sent messages, replayed and verified like the shipped ones."""
from __future__ import annotations

from pathlib import Path

import pytest

from engine.clock import FixedClock
from engine.db import Database
from engine.errors import ConflictError, PermissionDenied, ValidationError
from engine.people.actor import Actor
from engine.people.roles import Role
from engine import CaseService
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
