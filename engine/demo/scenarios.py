"""One function per path through the civic loop (DESIGN.md §2.1), each returning its case.

Each scenario states the path in its name and leaves the case where that path
ends; the expected outcome is in :data:`SCENARIOS`.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from engine.calendar import china_date
from engine.cases.models import Case
from engine.council.meetings import ItemDecision
from engine.council.service import CouncilService
from engine.demo.council_scenarios import CHAIR, MEMBERS, everyone
from engine.demo.driver import Driver
from engine.dispatch.service import DispatchService
from engine.people.roles import Role


def _deadline(d: Driver, days: int = 10) -> str:
    return (china_date(d.clock.now()) + timedelta(days=days)).isoformat()


def _adopt(d: Driver, case: Case, department: str = "chengguan", **extra: object) -> None:
    d.do(case, "triage", triage_decision="negotiate", triage_note="需协调相关部门")
    form = dict(decision="adopt", responsible_department=department, deadline=_deadline(d),
                votes_for=7, votes_against=1, votes_abstain=1, resolution_text="同意交办处理")
    form.update(extra)
    d.do(case, "deliberate", **form)


def _dispatch(d: Driver, case: Case, department: str | None = None, **extra: object) -> None:
    """Triage as the routing table suggests (or to ``department``, with a reason)."""
    form: dict[str, object] = dict(triage_decision="dispatch", triage_note="按权责清单派单")
    if department is not None:
        form.update(department=department, dispatch_reason="网格员现场核实后改派")
    else:
        form["department"] = d.service.case(case.id).suggested_department
    form.update(extra)
    d.do(case, "triage", **form)


def _work_done(d: Driver, case: Case) -> None:
    d.later(hours=2)
    d.do(case, "accept", accept_decision="accepted")
    d.later(hours=20)
    d.do(case, "on_site", on_site_note="已到现场核实，情况属实")
    d.later(days=1)
    d.do(case, "complete", completion_report="已维修完毕，恢复正常使用", evidence="photo://after-repair.jpg")


def resolved_on_the_spot(d: Driver) -> Case:
    case = d.report("垃圾桶满了没人清运", "环境卫生")
    d.do(case, "triage", triage_decision="on_spot", triage_note="已联系保洁当场清运")
    d.later(hours=3)
    d.do(case, "rate", rating="satisfied", rating_comment="处理很快")
    return case


def dispatched_directly_and_satisfied(d: Driver) -> Case:
    """The everyday path: the routing table names the department, the grid worker dispatches, no council."""
    case = d.report("3号楼2单元门口的路灯坏了一个多星期", "公共设施", address="幸福里3号楼")
    _dispatch(d, case)
    _work_done(d, case)
    d.do(case, "rate", rating="satisfied")
    return case


def dispatched_against_the_table_with_reason(d: Driver) -> Case:
    case = d.report("小区垃圾房周边堆满装修垃圾", "环境卫生")
    _dispatch(d, case, department="wuye")
    _work_done(d, case)
    d.do(case, "rate", rating="basically")
    return case


def whistle_three_departments_lead_completes(d: Driver) -> Case:
    """吹哨报到: a lead and two co-departments, each reports in and goes on site, the co-departments report
    their part, the lead reports completion of the whole."""
    case = d.report("小区消防通道被违章搭建和车辆长期占用", "安全隐患", address="和平苑5号楼北侧")
    d.do(case, "triage", triage_decision="whistle", department="chengguan", co_departments=["gongan", "zhujian"],
         triage_note="涉及违建、停车和消防，吹哨召集相关部门")
    d.later(minutes=40)
    for department in ("chengguan", "gongan", "zhujian"):
        d.do_for(case, "accept", department, accept_decision="accepted")
        d.later(minutes=25)
    d.later(hours=5)
    for department in ("gongan", "zhujian", "chengguan"):
        d.do_for(case, "on_site", department, on_site_note="已到现场联合核查")
    d.later(hours=20)
    d.do_for(case, "report_part", "gongan", part_report="已清理占道车辆并张贴告知书")
    d.later(hours=3)
    d.do_for(case, "report_part", "zhujian", part_report="违章搭建已认定，责令限期拆除")
    d.later(days=1)
    d.do(case, "complete", completion_report="违建已拆除，消防通道恢复畅通，联合巡查机制已建立",
         evidence="photo://fire-lane-clear.jpg")
    d.do(case, "rate", rating="satisfied")
    return case


def urgent_matter_handled_within_hours(d: Driver) -> Case:
    """特急: report in within 10 minutes, on site within an hour (clock minutes, not working days)."""
    case = d.report("楼道里燃气味很重，疑似燃气泄漏", "公共设施", priority="critical", address="幸福里7号楼")
    d.later(minutes=5)
    _dispatch(d, case)
    d.later(minutes=6)
    d.do(case, "accept", accept_decision="accepted")
    d.later(minutes=35)
    d.do(case, "on_site", on_site_note="已关闭总阀，通风排查")
    d.later(hours=5)
    d.do(case, "complete", completion_report="已更换老化燃气软管，检测无泄漏", evidence="photo://gas-ok.jpg")
    d.do(case, "rate", rating="satisfied")
    return case


def urgent_matter_waiting_in_minutes(d: Driver) -> Case:
    case = d.report("电梯困人，老人被困电梯里", "公共设施", priority="critical", address="和平苑2号楼")
    _dispatch(d, case, triage_priority="critical")
    return case


def _dispatcher(d: Driver) -> DispatchService:
    return DispatchService(d.service.db, d.clock, d.service.hooks)


def whistle_from_the_case_page(d: Driver) -> Case:
    """The grid worker blows the whistle from the case's page: 住建办 leads, 物业 helps."""
    case = d.report("2号楼电梯经常停运，维保单位推诿", "公共设施", address="和平苑2号楼")
    _dispatcher(d).blow_whistle(case.tracking_code, lead="zhujian", co_departments=["wuye"],
                                actor=d.actor_for_role(Role.GRID_WORKER.value, case.grid_code),
                                reason="电梯维保涉及住建监管和物业管理，吹哨召集")
    d.later(hours=3)
    d.do_for(case, "accept", "zhujian", accept_decision="accepted")
    d.do_for(case, "accept", "wuye", accept_decision="accepted")
    return case


def extension_requested_urged_and_approved(d: Driver) -> Case:
    """申请延期 and 催办: the department asks for more time, the supervisor urges it, then approves."""
    case = d.report("小区围墙倒塌一段需要重建", "公共设施", address="幸福里东门")
    _dispatch(d, case)
    d.later(hours=1)
    d.do(case, "accept", accept_decision="accepted")
    d.do(case, "on_site", on_site_note="围墙倒塌约8米，已设置围挡")
    item = d.item(case, "complete")
    dispatcher = _dispatcher(d)
    supervisor = d.actor_for_role(Role.SUPERVISOR.value)
    dispatcher.urge(item.id, message="围墙存在安全隐患，请加快施工", actor=supervisor)
    request = dispatcher.request_extension(
        item.id, new_due=china_date(d.clock.now()) + timedelta(days=10), reason="需重新砌筑，材料和养护需要时间",
        actor=d.actor_for(case, item))
    d.later(hours=2)
    dispatcher.decide_extension(request, approve=True, note="同意延期，注意施工安全", actor=supervisor)
    d.later(days=6)
    d.do(case, "complete", completion_report="围墙已重建完成并验收", evidence="photo://wall.jpg")
    d.do(case, "rate", rating="satisfied")
    return case


def returned_once_and_redispatched(d: Driver) -> Case:
    """退单: the department returns it with a reason, back to the dispatcher, who dispatches again."""
    case = d.report("小区消防通道被占用", "安全隐患")
    _dispatch(d, case, department="wuye")
    d.do(case, "accept", accept_decision="return", return_reason="消防通道执法不属于物业职责")
    _dispatch(d, case)
    _work_done(d, case)
    d.do(case, "rate", rating="satisfied")
    return case


def refused_with_published_reason(d: Driver) -> Case:
    case = d.report("要求社区赔偿我家股票损失", "其他")
    d.do(case, "triage", triage_decision="refuse", refuse_reason="不属于社区治理受理范围，建议通过司法途径解决")
    return case


def triage_deadline_missed_supervisor_dispatches(d: Driver) -> Case:
    case = d.report("小区健身器材螺丝松动", "公共设施")
    d.deadline_passes(case, "triage")
    d.do(case, "triage_overdue", triage_decision="dispatch", department="zhujian", triage_note="网格员未及时分拨，督办代为派单")
    _work_done(d, case)
    d.do(case, "rate", rating="basically")
    return case


def adopted_assigned_and_satisfied(d: Driver) -> Case:
    case = d.report("建议在小区中心花园增设儿童游乐设施", "公共设施")
    _adopt(d, case)
    _work_done(d, case)
    d.do(case, "rate", rating="satisfied")
    return case


def rejected_with_reason(d: Driver) -> Case:
    case = d.report("希望在小区里建游泳池", "其他")
    d.do(case, "triage", triage_decision="negotiate")
    d.do(case, "deliberate", decision="reject", votes_for=1, votes_against=7, votes_abstain=1,
         reason="场地和资金条件不具备，建议使用街道文体中心泳池")
    return case


def major_matter_deferred_then_adopted(d: Driver) -> Case:
    case = d.report("老楼加装电梯，多数住户有意愿", "公共设施", address="幸福里3号楼")
    d.do(case, "triage", triage_decision="negotiate")
    d.do(case, "deliberate", decision="defer", major_matter=True, votes_for=5, votes_against=3,
         votes_abstain=1, reason="需先征求全体住户意见")
    d.later(days=7)
    # A major matter is adopted only at a sitting: roster, attendance, each member's vote (「2/3以上成员同意」).
    council = CouncilService(d.service.db, d.clock, d.service.hooks)
    meeting = council.schedule_meeting(title="幸福里社区居民议事会（加装电梯专题）", scheduled_for=d.clock.now(),
                                       members=MEMBERS, location="社区党群服务中心", actor=CHAIR, case_ids=[case.id])
    page = council.meeting(meeting, CHAIR)
    present = [m.id for m in page.members][:8]
    council.record_sitting(meeting, present=present, minutes="应到9人，实到8人。", actor=CHAIR, decisions={
        a.id: ItemDecision("adopt", everyone(present, "for", against=1), major_matter=True,
                           responsible_department="zhujian", deadline=_deadline(d, 30),
                           resolution_text="同意推进加装电梯") for a in page.agenda if a.case_id == case.id})
    _work_done(d, case)
    d.do(case, "rate", rating="basically")
    return case


def merged_as_duplicate(d: Driver) -> Case:
    original = d.report("广场舞音响声音太大", "噪音扰民")
    case = d.report("晚上广场舞太吵", "噪音扰民")
    d.do(case, "triage", triage_decision="duplicate", duplicate_of=original.tracking_code)
    return case


def accept_deadline_missed_and_extended(d: Driver) -> Case:
    case = d.report("共享单车堆放堵住人行道", "停车交通")
    _dispatch(d, case)
    d.deadline_passes(case, "accept")
    d.do(case, "unit_escalation", escalation_action="extend", extend_days=1, escalation_reason="部门人手紧张，延期一天")
    _work_done(d, case)
    d.do(case, "rate", rating="satisfied")
    return case


def on_site_deadline_missed_and_reassigned(d: Driver) -> Case:
    case = d.report("井盖缺失有安全隐患", "安全隐患")
    _dispatch(d, case, department="wuye")
    d.do(case, "accept", accept_decision="accepted")
    d.deadline_passes(case, "on_site")
    d.do(case, "unit_escalation", escalation_action="reassign", new_department="zhujian",
         escalation_reason="物业未按时到场，改派住建办")
    _work_done(d, case)
    d.do(case, "rate", rating="satisfied")
    return case


def completion_missed_escalated_and_rated_by_default(d: Driver) -> Case:
    case = d.report("公园健身器材损坏", "公共设施")
    _dispatch(d, case)
    d.do(case, "accept", accept_decision="accepted")
    d.do(case, "on_site", on_site_note="器材需更换零件")
    d.deadline_passes(case, "complete")
    d.do(case, "handle_escalation", escalation_action="escalate", extend_days=5,
         escalation_reason="需区级协调采购零件")
    d.do(case, "complete", completion_report="零件已更换，器材可正常使用", evidence="photo://fixed.jpg")
    d.deadline_passes(case, "rate")
    return case


def dissatisfied_twice_then_supervisor_closes(d: Driver) -> Case:
    case = d.report("楼上漏水影响我家", "物业管理")
    _dispatch(d, case)
    for _ in range(2):
        _work_done(d, case)
        d.do(case, "rate", rating="dissatisfied", rating_comment="还在漏")
    _work_done(d, case)
    d.do(case, "rate", rating="dissatisfied", rating_comment="问题依旧")
    d.do(case, "final_decision", final_action="close", final_note="经现场复核已修复，反映人诉求超出合理范围")
    return case


def on_spot_dissatisfied_reopened_to_triage(d: Driver) -> Case:
    case = d.report("小区绿化带杂草丛生", "环境卫生")
    d.do(case, "triage", triage_decision="on_spot")
    d.do(case, "rate", rating="dissatisfied", rating_comment="只清理了一半")
    _dispatch(d, case, department="wuye")
    _work_done(d, case)
    d.do(case, "rate", rating="satisfied")
    return case


def waiting_for_council(d: Driver) -> Case:
    case = d.report("建议增设电动车充电桩", "公共设施")
    d.do(case, "triage", triage_decision="negotiate")
    return case


def waiting_for_department(d: Driver) -> Case:
    case = d.report("路边违章搭建", "其他")
    _dispatch(d, case)
    return case


#: name → (scenario, expected status, expected outcome)
SCENARIOS: dict[str, tuple[Callable[[Driver], Case], str, str | None]] = {
    "resolved_on_the_spot": (resolved_on_the_spot, "closed", "resolved"),
    "dispatched_directly_and_satisfied": (dispatched_directly_and_satisfied, "closed", "resolved"),
    "dispatched_against_the_table_with_reason": (dispatched_against_the_table_with_reason, "closed", "resolved"),
    "whistle_three_departments_lead_completes": (whistle_three_departments_lead_completes, "closed", "resolved"),
    "urgent_matter_handled_within_hours": (urgent_matter_handled_within_hours, "closed", "resolved"),
    "urgent_matter_waiting_in_minutes": (urgent_matter_waiting_in_minutes, "open", None),
    "returned_once_and_redispatched": (returned_once_and_redispatched, "closed", "resolved"),
    "whistle_from_the_case_page": (whistle_from_the_case_page, "open", None),
    "extension_requested_urged_and_approved": (extension_requested_urged_and_approved, "closed", "resolved"),
    "refused_with_published_reason": (refused_with_published_reason, "closed", "refused"),
    "triage_deadline_missed_supervisor_dispatches":
        (triage_deadline_missed_supervisor_dispatches, "closed", "resolved"),
    "adopted_assigned_and_satisfied": (adopted_assigned_and_satisfied, "closed", "resolved"),
    "rejected_with_reason": (rejected_with_reason, "closed", "rejected"),
    "major_matter_deferred_then_adopted": (major_matter_deferred_then_adopted, "closed", "resolved"),
    "merged_as_duplicate": (merged_as_duplicate, "closed", "merged"),
    "accept_deadline_missed_and_extended": (accept_deadline_missed_and_extended, "closed", "resolved"),
    "on_site_deadline_missed_and_reassigned": (on_site_deadline_missed_and_reassigned, "closed", "resolved"),
    "completion_missed_escalated_and_rated_by_default":
        (completion_missed_escalated_and_rated_by_default, "closed", "resolved"),
    "dissatisfied_twice_then_supervisor_closes":
        (dissatisfied_twice_then_supervisor_closes, "closed", "closed_by_supervisor"),
    "on_spot_dissatisfied_reopened_to_triage": (on_spot_dissatisfied_reopened_to_triage, "closed", "resolved"),
    "waiting_for_council": (waiting_for_council, "open", None),
    "waiting_for_department": (waiting_for_department, "open", None),
}
