"""Dispatch as street offices run it (issue 14): the routing table's suggestion, direct dispatch with no
council, 吹哨报到 with a lead and co-departments each with its own deadlines, returns, extensions, urging,
urgent matters in clock minutes — on the real engine and database, every case replaying to its snapshot."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.calendar import china_date
from engine.cases.models import Case, Notification
from engine.clock import FixedClock, as_utc
from engine.db import Database
from engine.demo.driver import Driver
from engine.dispatch.service import DispatchService
from engine.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from engine.people.actor import Actor
from engine.people.directory import set_department_active
from engine import CaseService

GRID = Actor("wangge", "grid_worker", None, "XF-01")
SUPERVISOR = Actor("dudao", "supervisor", None, None)
CHENGGUAN = Actor("chengguan", "department", "chengguan", None)


@pytest.fixture
def dispatch(db: Database, clock: FixedClock) -> DispatchService:
    return DispatchService(db, clock)


def _event_types(service: CaseService, case: Case) -> list[str]:
    return [e.type for e in service.events(case.id)]


def _verified(service: CaseService, case: Case) -> None:
    assert service.replay(case.id).snapshot() == service.case(case.id).snapshot
    [check] = service.verify(case.id)
    assert check.ok, check.problem


def test_a_streetlight_reaches_the_department_right_after_triage_with_no_council(driver: Driver,
                                                                                  service: CaseService) -> None:
    case = driver.report("3号楼2单元门口的路灯坏了一个多星期", "公共设施")
    stored = service.case(case.id)
    assert stored.suggested_department == "zhujian"
    opened = json.loads(service.events(case.id)[0].payload)
    assert opened["decisions"]["key"] == "routing" and opened["decisions"]["id"] == stored.decision_version_id
    driver.do(case, "triage", triage_decision="dispatch", department="zhujian")
    [item] = service.work_items(case.id)
    assert (item.bpmn_id, item.department_code) == ("accept", "zhujian")
    inbox = service.inbox(Actor("zhujian", "department", "zhujian", None))
    assert [i.case_id for i in inbox] == [case.id]
    types = _event_types(service, case)
    assert "dispatched" in types and not any("deliberate" in e.payload for e in service.events(case.id))
    _verified(service, case)


def test_dispatching_against_the_routing_table_needs_a_reason_which_is_recorded(driver: Driver,
                                                                               service: CaseService) -> None:
    case = driver.report("小区垃圾房周边堆满装修垃圾", "环境卫生")
    before = service.case(case.id).version
    with pytest.raises(ValidationError) as refused:
        driver.do(case, "triage", triage_decision="dispatch", department="wuye")
    assert "dispatch_reason" in refused.value.field_errors
    assert service.case(case.id).version == before
    driver.do(case, "triage", triage_decision="dispatch", department="wuye", dispatch_reason="装修垃圾由物业清运")
    [dispatched] = [json.loads(e.payload) for e in service.events(case.id) if e.type == "dispatched"]
    assert dispatched == {**dispatched, "lead": "wuye", "suggested": "chengguan", "overridden": True,
                          "reason": "装修垃圾由物业清运", "mode": "direct"}


def test_a_whistle_summons_three_departments_each_reporting_in_and_the_lead_completes(
        driver: Driver, service: CaseService, dispatch: DispatchService) -> None:
    case = driver.report("小区消防通道被违章搭建和车辆长期占用", "安全隐患")
    dispatch.blow_whistle(case.tracking_code, lead="chengguan", co_departments=["gongan", "zhujian"], actor=GRID,
                          reason="涉及违建和占道，需多部门联合处置")
    items = service.work_items(case.id)
    assert sorted((i.bpmn_id, i.department_code) for i in items) == [
        ("accept", "chengguan"), ("accept", "gongan"), ("accept", "zhujian")]
    assert len({i.due_at for i in items}) == 1 and all(i.due_at is not None for i in items)
    driver.later(minutes=30)
    driver.do_for(case, "accept", "gongan", accept_decision="accepted")
    board = dispatch.board(case.tracking_code, SUPERVISOR)
    parts = {d.department_code: (d.part, d.state, d.reported_in_at is not None) for d in board.departments}
    assert parts == {"chengguan": ("lead", "pending", False), "gongan": ("co", "accepted", True),
                     "zhujian": ("co", "pending", False)}
    for department in ("chengguan", "zhujian"):
        driver.do_for(case, "accept", department, accept_decision="accepted")
    for department in ("chengguan", "gongan", "zhujian"):
        driver.do_for(case, "on_site", department, on_site_note="到场")
    assert sorted(i.department_code for i in service.work_items(case.id)) == ["gongan", "zhujian"]
    driver.do_for(case, "report_part", "gongan", part_report="已清理占道车辆")
    driver.do_for(case, "report_part", "zhujian", part_report="违建已认定")
    [complete] = service.work_items(case.id)
    assert (complete.bpmn_id, complete.department_code) == ("complete", "chengguan")
    driver.do(case, "complete", completion_report="联合处置完毕，通道畅通", evidence="photo://ok.jpg")
    driver.do(case, "rate", rating="satisfied")
    types = _event_types(service, case)
    assert types.count("reported_in") == 3 and types.count("part_reported") == 2
    assert types.count("dispatch_completed") == 1 and service.case(case.id).outcome == "resolved"
    _verified(service, case)


@pytest.mark.parametrize(("lead", "co", "field"), [
    ("", ["gongan"], "lead"),
    ("nosuch", ["gongan"], "lead"),
    ("chengguan", ["nosuch"], "co_departments"),
    ("chengguan", [], "co_departments"),
    ("chengguan", ["chengguan"], "co_departments"),
    ("chengguan", ["weijian"], "co_departments"),   # disabled below
])
def test_a_bad_whistle_is_refused_next_to_its_field_and_changes_nothing(
        lead: str, co: list[str], field: str, db: Database, driver: Driver, service: CaseService,
        dispatch: DispatchService) -> None:
    with db.transaction() as s:
        set_department_active(s, "weijian", False, by="admin")
    case = driver.report("小区消防通道被占用", "安全隐患")
    before = service.case(case.id)
    with pytest.raises(ValidationError) as refused:
        dispatch.blow_whistle(case.id, lead=lead, co_departments=co, actor=GRID, reason="联合处置")
    assert field in refused.value.field_errors
    after = service.case(case.id)
    assert (after.version, after.last_seq) == (before.version, before.last_seq)


def test_only_dispatchers_blow_the_whistle_and_a_grid_worker_only_in_their_grid(
        driver: Driver, service: CaseService, dispatch: DispatchService) -> None:
    case = driver.report("小区消防通道被占用", "安全隐患")
    with pytest.raises(PermissionDenied):
        dispatch.blow_whistle(case.id, lead="chengguan", co_departments=["gongan"], actor=CHENGGUAN, reason="x")
    dispatch.blow_whistle(case.id, lead="chengguan", co_departments=["gongan"], actor=SUPERVISOR, reason="督办吹哨")
    [whistle] = [e for e in service.events(case.id) if e.type == "task_completed"]
    assert whistle.actor == "dudao"
    other_grid = Actor("wangge2", "grid_worker", None, "HP-01")
    with pytest.raises(NotFound):
        dispatch.blow_whistle(case.id, lead="chengguan", co_departments=["zhujian"], actor=other_grid, reason="再吹")


def test_a_whistle_on_a_case_already_with_a_department_summons_the_departments_afresh(
        driver: Driver, service: CaseService, dispatch: DispatchService) -> None:
    case = driver.report("小区消防通道被占用", "安全隐患")
    driver.do(case, "triage", triage_decision="dispatch", department="chengguan")
    driver.do(case, "accept", accept_decision="accepted")
    assert [i.bpmn_id for i in service.work_items(case.id)] == ["on_site"]
    dispatch.blow_whistle(case.tracking_code, lead="chengguan", co_departments=["gongan", "zhujian"], actor=GRID,
                          reason="城管到场后发现涉及违建和治安，需要联合处置")
    items = service.work_items(case.id)
    assert sorted((i.bpmn_id, i.department_code) for i in items) == [
        ("accept", "chengguan"), ("accept", "gongan"), ("accept", "zhujian")]
    board = dispatch.board(case.id, SUPERVISOR)
    assert [(d.department_code, d.part, d.round) for d in board.departments if d.state == "pending"] == [
        ("chengguan", "lead", 2), ("gongan", "co", 2), ("zhujian", "co", 2)]
    [whistle] = [json.loads(e.payload) for e in service.events(case.id)
                 if e.type == "dispatched" and json.loads(e.payload)["by"] == "case_page"]
    assert (whistle["mode"], whistle["co_departments"]) == ("whistle", ["gongan", "zhujian"])
    for department in ("chengguan", "gongan", "zhujian"):
        driver.do_for(case, "accept", department, accept_decision="accepted")
    assert service.case(case.id).next_timer_at is not None
    _verified(service, case)


def test_no_whistle_while_the_council_deliberates(driver: Driver, dispatch: DispatchService) -> None:
    case = driver.report("建议增设电动车充电桩", "公共设施")
    driver.do(case, "triage", triage_decision="negotiate")
    with pytest.raises(ConflictError):
        dispatch.blow_whistle(case.id, lead="zhujian", co_departments=["wuye"], actor=SUPERVISOR, reason="联合")


def test_a_return_goes_back_to_the_dispatcher_and_a_second_return_by_the_department_is_refused(
        driver: Driver, service: CaseService) -> None:
    case = driver.report("小区消防通道被占用", "安全隐患")
    driver.do(case, "triage", triage_decision="dispatch", department="wuye", dispatch_reason="先请物业处理")
    with pytest.raises(ValidationError) as no_reason:
        driver.do(case, "accept", accept_decision="return")
    assert "return_reason" in no_reason.value.field_errors
    driver.do(case, "accept", accept_decision="return", return_reason="消防通道执法不属于物业职责")
    assert [i.bpmn_id for i in service.work_items(case.id)] == ["triage"]
    driver.do(case, "triage", triage_decision="dispatch", department="wuye", dispatch_reason="物业仍须配合清理")
    before = service.case(case.id)
    with pytest.raises(ValidationError) as again:
        driver.do(case, "accept", accept_decision="return", return_reason="还是不归我们")
    assert "accept_decision" in again.value.field_errors
    after = service.case(case.id)
    assert (after.version, after.last_seq, after.snapshot) == (before.version, before.last_seq, before.snapshot)
    assert "dispatch_returned" in _event_types(service, case)
    _verified(service, case)


def test_a_critical_matter_counts_minutes_not_working_days(driver: Driver, service: CaseService,
                                                          clock: FixedClock) -> None:
    case = driver.report("楼道燃气味很重", "公共设施", priority="critical")
    [triage] = service.work_items(case.id)
    assert as_utc(triage.due_at) == clock.now() + timedelta(minutes=10) and triage.urgency == 2
    driver.do(case, "triage", triage_decision="dispatch", department="zhujian")
    [accept] = service.work_items(case.id)
    assert as_utc(accept.due_at) == clock.now() + timedelta(minutes=10)
    driver.do(case, "accept", accept_decision="accepted")
    [on_site] = service.work_items(case.id)
    assert as_utc(on_site.due_at) == clock.now() + timedelta(hours=1)
    driver.deadline_passes(case, "on_site")
    assert [i.bpmn_id for i in service.work_items(case.id)] == ["unit_escalation"]
    assert "escalated" in _event_types(service, case)
    _verified(service, case)


def test_urgent_work_comes_first_in_the_inbox(driver: Driver, service: CaseService) -> None:
    ordinary = driver.report("路灯坏了", "公共设施")
    urgent = driver.report("电梯困人", "公共设施", priority="urgent")
    rows = service.inbox_page(GRID).rows
    assert [r.tracking_code for r in rows][:2] == [urgent.tracking_code, ordinary.tracking_code]
    assert rows[0].priority == "urgent" and rows[0].deadline.urgent


def test_a_missed_triage_deadline_escalates_and_the_supervisor_triages(driver: Driver, service: CaseService) -> None:
    case = driver.report("晚上广场舞太吵", "噪音扰民")
    driver.deadline_passes(case, "triage")
    assert [i.bpmn_id for i in service.work_items(case.id)] == ["triage_overdue"]
    escalated = [json.loads(e.payload) for e in service.events(case.id) if e.type == "escalated"]
    assert escalated[0]["work_item"] == "triage"
    driver.do(case, "triage_overdue", triage_decision="refuse", refuse_reason="已由派出所现场处置完毕")
    assert service.case(case.id).outcome == "refused"
    _verified(service, case)


def test_an_extension_moves_the_deadline_once_the_supervisor_approves(
        db: Database, driver: Driver, service: CaseService, dispatch: DispatchService, clock: FixedClock) -> None:
    case = driver.report("小区路灯不亮", "公共设施")
    driver.do(case, "triage", triage_decision="dispatch", department="zhujian")
    driver.do(case, "accept", accept_decision="accepted")
    [on_site] = service.work_items(case.id)
    zhujian = Actor("zhujian", "department", "zhujian", None)
    today = china_date(clock.now())
    for bad in (today - timedelta(days=1), today, today + timedelta(days=60)):
        with pytest.raises(ValidationError) as refused:
            dispatch.request_extension(on_site.id, new_due=bad, reason="需采购灯具", actor=zhujian)
        assert "new_due" in refused.value.field_errors
    wanted = today + timedelta(days=10)
    with pytest.raises(PermissionDenied):
        dispatch.request_extension(on_site.id, new_due=wanted, reason="x", actor=SUPERVISOR)
    request_id = dispatch.request_extension(on_site.id, new_due=wanted, reason="需采购灯具", actor=zhujian)
    assert [p.id for p in dispatch.pending_extensions(SUPERVISOR)] == [request_id]
    with pytest.raises(ValidationError):
        dispatch.decide_extension(request_id, approve=False, note="", actor=SUPERVISOR)
    dispatch.decide_extension(request_id, approve=True, note="同意", actor=SUPERVISOR)
    [moved] = service.work_items(case.id)
    assert china_date(as_utc(moved.due_at)) == wanted
    driver.later(days=5)  # past the old deadline: no escalation now
    assert [i.bpmn_id for i in service.work_items(case.id)] == ["on_site"]
    driver.deadline_passes(case, "on_site")
    assert [i.bpmn_id for i in service.work_items(case.id)] == ["unit_escalation"]
    assert {"extension_requested", "extension_decided", "deadline_moved"} <= set(_event_types(service, case))
    _verified(service, case)


def test_urging_is_recorded_and_notifies_the_department(db: Database, driver: Driver, service: CaseService,
                                                        dispatch: DispatchService) -> None:
    case = driver.report("小区路灯不亮", "公共设施")
    driver.do(case, "triage", triage_decision="dispatch", department="zhujian")
    [accept] = service.work_items(case.id)
    with pytest.raises(PermissionDenied):
        dispatch.urge(accept.id, message="快点", actor=GRID)
    with pytest.raises(ValidationError):
        dispatch.urge(accept.id, message=" ", actor=SUPERVISOR)
    dispatch.urge(accept.id, message="请今天内签收", actor=SUPERVISOR)
    assert "urged" in _event_types(service, case)
    with db.reading() as s:
        [note] = s.scalars(select(Notification).where(Notification.case_id == case.id,
                                                      Notification.kind == "urged")).all()
    assert note.recipient == "department:zhujian" and "请今天内签收" in note.message
    assert dispatch.board(case.id, SUPERVISOR).departments[0].urges == 1
    _verified(service, case)


@pytest.mark.parametrize("whistle", [False, True])
def test_a_reassigned_lead_department_completes_the_whole_and_its_round_is_kept(
        whistle: bool, driver: Driver, service: CaseService, dispatch: DispatchService) -> None:
    """改派: the department the supervisor moves the (lead) part to is the one that completes, never the one it
    was taken from; its assignment keeps the dispatch's round."""
    case = driver.report("井盖缺失有安全隐患", "安全隐患")
    if whistle:
        dispatch.blow_whistle(case.tracking_code, lead="wuye", co_departments=["gongan"], actor=GRID,
                              reason="需物业和派出所联合处置")
        driver.do_for(case, "accept", "gongan", accept_decision="accepted")
        driver.do_for(case, "on_site", "gongan", on_site_note="到场")
        driver.do_for(case, "report_part", "gongan", part_report="已设置警示")
    else:
        driver.do(case, "triage", triage_decision="dispatch", department="wuye", dispatch_reason="物业负责井盖")
    driver.do_for(case, "accept", "wuye", accept_decision="accepted")
    driver.deadline_passes(case, "on_site")
    driver.do(case, "unit_escalation", escalation_action="reassign", new_department="zhujian",
              escalation_reason="物业未按时到场，改派住建办")
    driver.do_for(case, "accept", "zhujian", accept_decision="accepted")
    driver.do_for(case, "on_site", "zhujian", on_site_note="到场")
    [complete] = service.work_items(case.id)
    assert (complete.bpmn_id, complete.department_code) == ("complete", "zhujian")
    driver.do(case, "complete", completion_report="井盖已补装", evidence="photo://cover.jpg")
    board = {(d.department_code, d.state): d.round for d in dispatch.board(case.tracking_code, SUPERVISOR).departments}
    assert board[("wuye", "reassigned")] == board[("zhujian", "completed")] == 1
    assert service.case(case.id).department_code == "zhujian"
    _verified(service, case)


def test_a_supervisor_reassigning_a_departments_open_task_moves_its_assignment_and_the_completion(
        driver: Driver, service: CaseService, dispatch: DispatchService) -> None:
    """改派 of an open 签收 task from the case (no missed deadline): the new department reports in, goes on site
    and completes; the board shows the old one as 已改派 in the same round."""
    case = driver.report("井盖缺失有安全隐患", "安全隐患")
    driver.do(case, "triage", triage_decision="dispatch", department="wuye", dispatch_reason="物业负责井盖")
    service.reassign(driver.item(case, "accept").id, SUPERVISOR, "井盖属市政设施", department="zhujian")
    driver.do_for(case, "accept", "zhujian", accept_decision="accepted")
    driver.do_for(case, "on_site", "zhujian", on_site_note="到场")
    [complete] = service.work_items(case.id)
    assert (complete.bpmn_id, complete.department_code) == ("complete", "zhujian")
    driver.do(case, "complete", completion_report="井盖已补装", evidence="photo://cover.jpg")
    board = {(d.department_code, d.state): d.round for d in dispatch.board(case.tracking_code, SUPERVISOR).departments}
    assert board == {("wuye", "reassigned"): 1, ("zhujian", "completed"): 1}
    _verified(service, case)


def test_reassigning_a_co_departments_task_leaves_the_case_with_its_lead(
        driver: Driver, service: CaseService, dispatch: DispatchService) -> None:
    case = driver.report("小区消防通道被违章搭建", "安全隐患")
    dispatch.blow_whistle(case.tracking_code, lead="chengguan", co_departments=["wuye"], actor=GRID, reason="联合处置")
    service.reassign(driver.item(case, "accept", "wuye").id, SUPERVISOR, "停车管理归派出所", department="gongan")
    assert service.case(case.id).department_code == "chengguan"
    for department in ("chengguan", "gongan"):
        driver.do_for(case, "accept", department, accept_decision="accepted")
        driver.do_for(case, "on_site", department, on_site_note="到场")
    driver.do_for(case, "report_part", "gongan", part_report="已清理占道车辆")
    [complete] = service.work_items(case.id)
    assert (complete.bpmn_id, complete.department_code) == ("complete", "chengguan")
    board = {(d.department_code, d.part, d.state) for d in dispatch.board(case.tracking_code, SUPERVISOR).departments}
    assert board == {("chengguan", "lead", "on_site"), ("wuye", "co", "reassigned"), ("gongan", "co", "completed")}
    _verified(service, case)
