"""One function per path through the civic loop (DESIGN.md §2.1), each returning its case.

Each scenario states the path in its name and leaves the case where that path
ends; the expected outcome is in :data:`SCENARIOS`.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from engine.calendar import china_date
from engine.cases.models import Case
from engine.demo.driver import Driver


def _deadline(d: Driver, days: int = 10) -> str:
    return (china_date(d.clock.now()) + timedelta(days=days)).isoformat()


def _adopt(d: Driver, case: Case, department: str = "chengguan", **extra: object) -> None:
    d.do(case, "triage", triage_decision="negotiate", triage_note="需协调相关部门")
    form = dict(decision="adopt", responsible_department=department, deadline=_deadline(d),
                votes_for=7, votes_against=1, votes_abstain=1, resolution_text="同意交办处理")
    form.update(extra)
    d.do(case, "deliberate", **form)


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


def adopted_assigned_and_satisfied(d: Driver) -> Case:
    case = d.report("小区门口路灯不亮已一周", "公共设施")
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
    d.do(case, "deliberate", decision="adopt", major_matter=True, responsible_department="zhujian",
         deadline=_deadline(d, 30), votes_for=7, votes_against=1, votes_abstain=1, resolution_text="同意推进加装电梯")
    _work_done(d, case)
    d.do(case, "rate", rating="basically")
    return case


def merged_as_duplicate(d: Driver) -> Case:
    original = d.report("广场舞音响声音太大", "噪音扰民")
    case = d.report("晚上广场舞太吵", "噪音扰民")
    d.do(case, "triage", triage_decision="duplicate", duplicate_of=original.tracking_code)
    return case


def returned_once_then_reassigned(d: Driver) -> Case:
    case = d.report("小区消防通道被占用", "安全隐患")
    _adopt(d, case, department="wuye")
    d.do(case, "accept", accept_decision="return", return_reason="消防通道执法不属于物业职责")
    d.do(case, "review_return", review_action="reassign", new_department="chengguan",
         review_note="改派城管执法中队")
    _work_done(d, case)
    d.do(case, "rate", rating="satisfied")
    return case


def accept_deadline_missed_and_extended(d: Driver) -> Case:
    case = d.report("共享单车堆放堵住人行道", "停车交通")
    _adopt(d, case)
    d.deadline_passes(case, "accept")
    d.do(case, "handle_escalation", escalation_action="extend", extend_days=1, escalation_reason="部门人手紧张，延期一天")
    _work_done(d, case)
    d.do(case, "rate", rating="satisfied")
    return case


def on_site_deadline_missed_and_reassigned(d: Driver) -> Case:
    case = d.report("井盖缺失有安全隐患", "安全隐患")
    _adopt(d, case, department="wuye")
    d.do(case, "accept", accept_decision="accepted")
    d.deadline_passes(case, "on_site")
    d.do(case, "handle_escalation", escalation_action="reassign", new_department="zhujian",
         escalation_reason="物业未按时到场，改派住建办")
    _work_done(d, case)
    d.do(case, "rate", rating="satisfied")
    return case


def completion_missed_escalated_and_rated_by_default(d: Driver) -> Case:
    case = d.report("公园健身器材损坏", "公共设施")
    _adopt(d, case)
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
    _adopt(d, case, department="wuye")
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
    _adopt(d, case, department="wuye")
    _work_done(d, case)
    d.do(case, "rate", rating="satisfied")
    return case


def waiting_for_council(d: Driver) -> Case:
    case = d.report("建议增设电动车充电桩", "公共设施")
    d.do(case, "triage", triage_decision="negotiate")
    return case


def waiting_for_department(d: Driver) -> Case:
    case = d.report("路边违章搭建", "其他")
    _adopt(d, case)
    return case


#: name → (scenario, expected status, expected outcome)
SCENARIOS: dict[str, tuple[Callable[[Driver], Case], str, str | None]] = {
    "resolved_on_the_spot": (resolved_on_the_spot, "closed", "resolved"),
    "adopted_assigned_and_satisfied": (adopted_assigned_and_satisfied, "closed", "resolved"),
    "rejected_with_reason": (rejected_with_reason, "closed", "rejected"),
    "major_matter_deferred_then_adopted": (major_matter_deferred_then_adopted, "closed", "resolved"),
    "merged_as_duplicate": (merged_as_duplicate, "closed", "merged"),
    "returned_once_then_reassigned": (returned_once_then_reassigned, "closed", "resolved"),
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
