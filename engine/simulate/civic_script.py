"""How one civic-loop case plays out (DESIGN.md §2.1): the choices people make at each task.

The script reacts to whatever task the engine has opened, so every path comes from the diagram
and the rules, not from a fixed sequence: on-the-spot fixes, duplicates, refusals, direct dispatch
to the department the routing table suggests, whistles summoning a lead and co-departments, the
council's adopt / reject / defer for major matters, department returns back to the dispatcher,
missed deadlines the sweep escalates (triage's too), dissatisfied ratings that reopen the case,
silent residents whose rating defaults after 7 days, and the supervisor's final decision after the
third reopening.
"""
from __future__ import annotations

from collections.abc import Generator
from datetime import datetime, timedelta

from engine.calendar import china_date
from engine.cases.intake import Intake
from engine.cases.models import WorkItem
from engine.council.meetings import ItemDecision
from engine.demo.organisation import DEPARTMENTS
from engine.simulate.driver import CaseRun, Handler, Script, play
from engine.simulate.timing import next_council_sitting, resident_after, staff_after
from engine.simulate.workload import DEPARTMENT_FOR

#: What residents report, by category (a few phrasings each).
REPORTS = {
    "物业管理": ("楼道堆放杂物无人清理", "小区电梯经常停运", "楼顶漏水物业迟迟不修", "小区门禁损坏"),
    "环境卫生": ("垃圾桶满了没人清运", "绿化带杂草丛生", "小区路面污水横流", "垃圾分类投放点异味严重"),
    "公共设施": ("楼道灯坏了，晚上很黑", "小区门口路灯不亮", "公园健身器材损坏", "路面井盖松动"),
    "停车交通": ("共享单车堆放堵住人行道", "消防通道被私家车占用", "小区门口乱停车", "路口缺少减速带"),
    "噪音扰民": ("广场舞音响声音太大", "夜间施工噪音扰民", "商铺外放音乐太吵", "楼上深夜噪音不断"),
    "养老服务": ("独居老人需要上门探访", "社区食堂希望增加助餐点", "老人申请居家养老服务", "希望增设老年活动室"),
    "安全隐患": ("电动车在楼道充电", "外墙瓷砖有脱落风险", "小区消防栓无水", "树木枝干断裂悬挂"),
    "其他": ("希望增设快递柜", "建议增设电动车充电桩", "路边违章搭建", "希望开设社区读书角"),
}

#: Resolution vote of a nine-member council: for, against, abstain (7 of 9 clears the 2/3 rule).
VOTES = {"adopt": (7, 1, 1), "reject": (2, 6, 1), "defer": (4, 3, 2)}


def intake(run: CaseRun) -> Intake:
    rng, plan = run.rng, run.plan
    text = rng.choice(REPORTS[plan.category])
    return Intake(description=f"{text}（{plan.grid_code}）", category=plan.category, grid_code=plan.grid_code,
                  channel=rng.choice(("grid_visit", "grid_visit", "hotline", "web", "open311")),
                  address=f"{rng.randint(1, 30)}号楼附近")


def civic_case(run: CaseRun) -> Script:
    run.open_issue(intake(run))
    run.sim.remember(run)
    yield from play(run, HANDLERS)


def triage(run: CaseRun, item: WorkItem) -> Script:
    if item.bpmn_id == "triage" and run.chance("missed:triage", run.mix.missed_triage):
        run.note("missed_triage")
        yield run.past_deadline(item)
        return
    yield staff_after(run.now, run.rng, 0.2, 4)
    duplicate = run.sim.duplicate_for(run) if not run.memo["triaged"] else None
    if duplicate and duplicate != run.case.tracking_code and run.rng.random() < run.mix.duplicate:  # type: ignore[union-attr]
        run.note("duplicate")
        run.do(item, triage_decision="duplicate", duplicate_of=duplicate, triage_note="与已登记案件重复，合并处理")
        return
    # A case reopened after an on-the-spot fix (or returned by a department) is dispatched the second time.
    first = not run.memo["triaged"]
    run.memo["triaged"] += 1
    p = run.rng.random()
    if first and p < run.mix.on_spot:
        run.note("on_spot")
        run.do(item, triage_decision="on_spot", triage_note="网格员现场协调解决")
    elif first and p < run.mix.on_spot + run.mix.refused:
        run.note("refused")
        run.do(item, triage_decision="refuse", refuse_reason="不属于社区受理范围，已告知反映渠道")
    elif first and run.rng.random() < run.mix.to_council:
        run.note("to_council")
        run.do(item, triage_decision="negotiate", triage_note="重大事项，提交议事")
    else:
        yield from dispatch(run, item)


def dispatch(run: CaseRun, item: WorkItem) -> Script:
    """Dispatch to the routing table's department (another one after a return), or blow the whistle."""
    suggested = (run.case.suggested_department if run.case else None) or DEPARTMENT_FOR[run.plan.category]
    lead = suggested if not run.memo["returned"] else _other_department(run, suggested)
    reason = None if lead == suggested else "原部门退单，改派其他部门"
    if run.rng.random() < run.mix.whistle:
        run.note("whistle")
        co = run.rng.sample([code for code in DEPARTMENTS if code != lead], run.rng.choice((1, 2, 3)))
        run.do(item, triage_decision="whistle", department=lead, co_departments=co, dispatch_reason=reason,
               triage_note="涉及多个部门，吹哨召集")
    else:
        run.note("dispatched")
        run.do(item, triage_decision="dispatch", department=lead, dispatch_reason=reason, triage_note="按权责清单派单")
    yield from ()


def deliberate(run: CaseRun, item: WorkItem) -> Script:
    yield next_council_sitting(run.now, run.rng)
    p = run.rng.random()
    if not run.memo["deferred"] and p < run.mix.council_defer:
        run.memo["deferred"] += 1
        run.note("council_defer")
        run.do(item, decision="defer", votes_for=4, votes_against=3, votes_abstain=2, reason="需进一步征求居民意见")
        return
    if p < run.mix.council_defer + run.mix.council_reject:
        run.note("council_reject")
        run.do(item, decision="reject", votes_for=2, votes_against=6, votes_abstain=1,
               reason="超出社区议事范围，已告知反映人可通过其他渠道反映")
        return
    major = run.rng.random() < run.mix.major_matter
    run.note("council_adopt_major" if major else "council_adopt")
    deadline = china_date(run.now) + timedelta(days=run.rng.choice((10, 14, 20, 30)))
    if major:  # only a sitting adopts a major matter (roster, attendance, each member's vote)
        run.decide_at_sitting(item, ItemDecision("adopt", major_matter=True, deadline=deadline.isoformat(),
                                                 responsible_department=DEPARTMENT_FOR[run.plan.category],
                                                 resolution_text="同意交办相关部门限期处理"))
        return
    run.do(item, decision="adopt", responsible_department=DEPARTMENT_FOR[run.plan.category],
           deadline=deadline.isoformat(), votes_for=7, votes_against=1, votes_abstain=1,
           resolution_text="同意交办相关部门限期处理")


def _other_department(run: CaseRun, current: str | None) -> str:
    return run.rng.choice([code for code in DEPARTMENTS if code != current])


def _in_time(run: CaseRun, item: WorkItem, p_miss: float, hours: tuple[float, float]) -> Generator[datetime, None, bool]:
    """The department gets to ``item`` within ``hours`` office hours, or (once a case, with ``p_miss``) lets its
    deadline pass: then the sweep escalates it and the supervisor's task comes next."""
    if run.chance(f"missed:{item.bpmn_id}", p_miss):
        run.note(f"missed_{item.bpmn_id}")
        yield run.past_deadline(item)
        return False
    yield staff_after(run.now, run.rng, *hours)
    return True


def accept(run: CaseRun, item: WorkItem) -> Script:
    if not (yield from _in_time(run, item, run.mix.missed_accept, (0.3, 5))):
        return
    if run.chance("returned", run.mix.department_return):
        run.note("department_return")
        run.do(item, accept_decision="return", return_reason="该事项不属于本部门职责")
        return
    run.do(item, accept_decision="accepted")


def on_site(run: CaseRun, item: WorkItem) -> Script:
    if (yield from _in_time(run, item, run.mix.missed_on_site, (2, 30))):
        run.do(item, on_site_note="已到现场核实，情况属实")


def report_part(run: CaseRun, item: WorkItem) -> Script:
    if (yield from _in_time(run, item, run.mix.missed_complete, (4, 48))):
        run.do(item, part_report="本部门负责的部分已办理完毕")


def complete(run: CaseRun, item: WorkItem) -> Script:
    if (yield from _in_time(run, item, run.mix.missed_complete, (6, 72))):
        run.do(item, completion_report="已处理完毕，恢复正常", evidence="photo://after.jpg")


def handle_escalation(run: CaseRun, item: WorkItem) -> Script:
    yield staff_after(run.now, run.rng, 0.5, 6)
    action = run.rng.choice(("extend", "reassign", "escalate"))
    run.note(f"escalation_{action}")
    if action == "reassign":
        run.do(item, escalation_action="reassign", new_department=_other_department(run, item.department_code),
               escalation_reason="原部门未按时办理，改派")
    else:
        run.do(item, escalation_action=action, extend_days=run.rng.choice((1, 2, 3)),
               escalation_reason="部门人手紧张，延期办理" if action == "extend" else "需区级协调")


def review_return(run: CaseRun, item: WorkItem) -> Script:
    yield staff_after(run.now, run.rng, 0.5, 8)
    if run.rng.random() < 0.7:
        run.do(item, review_action="reassign", new_department=_other_department(run, item.department_code),
               review_note="改派职责部门")
    else:
        run.do(item, review_action="keep", review_note="属原部门职责，维持交办")


def rate(run: CaseRun, item: WorkItem) -> Script:
    if run.chance("silent", run.mix.silent_resident):
        run.note("default_rating")
        yield run.past_deadline(item)
        return
    yield resident_after(run.now, run.rng, 1, 72)
    unhappy = run.rng.random() < (run.mix.dissatisfied_again if run.memo["dissatisfied"] else run.mix.dissatisfied)
    if unhappy:
        run.memo["dissatisfied"] += 1
        run.note("dissatisfied")
        run.do(item, rating="dissatisfied", rating_comment="问题没有解决")
    else:
        run.do(item, rating=run.rng.choice(("satisfied", "satisfied", "satisfied", "basically")))


def final_decision(run: CaseRun, item: WorkItem) -> Script:
    yield staff_after(run.now, run.rng, 1, 24)
    if run.rng.random() < run.mix.final_close:
        run.note("final_close")
        run.do(item, final_action="close", final_note="经复核已按程序处理，予以结案")
    else:
        run.note("final_reassign")
        run.do(item, final_action="reassign", new_department=_other_department(run, run.case.department_code),  # type: ignore[union-attr]
               final_note="重新交办，限期整改")


HANDLERS: dict[str, Handler] = {
    "triage": triage, "triage_overdue": triage, "deliberate": deliberate, "accept": accept, "on_site": on_site,
    "report_part": report_part, "complete": complete, "handle_escalation": handle_escalation,
    "unit_escalation": handle_escalation, "review_return": review_return, "rate": rate,
    "final_decision": final_decision,
}
