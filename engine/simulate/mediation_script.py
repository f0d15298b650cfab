"""How one dispute mediation plays out (DESIGN.md §2.2), reacting to the tasks the engine opens.

Mediator assignment (now and then a declared conflict of interest and a second mediator),
consent (a party may refuse: referred), one to four sessions a few days apart, the agreement
and its 30-day follow-up (not always honoured: the mediation reopens), no agreement (a
third-party assessment, another session, a referral or a withdrawal), and the mediation left
idle for 30 days that the sweep escalates to the supervisor.
"""
from __future__ import annotations

from datetime import timedelta

from engine.calendar import china_date
from engine.cases.models import WorkItem
from engine.mediation.intake import MediationIntake, PartyIntake
from engine.simulate import organisation as org
from engine.simulate.driver import CaseRun, Handler, Script, play
from engine.simulate.timing import staff_after

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ("建国", "春梅", "志强", "秀英", "海燕", "国华", "丽娟", "明", "伟", "芳")
SUMMARIES = {
    "邻里纠纷": "楼上住户装修漏水，楼下住户天花板受损，双方就赔偿金额争执不下",
    "物业纠纷": "业主认为物业服务不到位拒绝缴费，物业公司多次催缴未果",
    "婚姻家庭": "兄弟二人因父母赡养费分担问题发生争执",
    "劳资": "装修工人称被拖欠工资，装修公司称工程质量不合格",
    "其他": "相邻商铺因占道经营多次发生争吵",
}


def _name(run: CaseRun) -> str:
    return run.rng.choice(SURNAMES) + run.rng.choice(GIVEN)


def intake(run: CaseRun) -> MediationIntake:
    parties = [PartyIntake(_name(run), "applicant", f"138{run.rng.randrange(10**8):08d}"),
               PartyIntake(_name(run), "respondent", f"139{run.rng.randrange(10**8):08d}")]
    if run.rng.random() < 0.2:
        parties.append(PartyIntake(_name(run), "third_party"))
    run.extra["respondent"] = parties[1].name
    return MediationIntake(dispute_type=run.plan.category, summary=SUMMARIES[run.plan.category],
                           parties=tuple(parties), grid_code=run.plan.grid_code,
                           address=f"{run.rng.randint(1, 30)}号楼")


def mediation_case(run: CaseRun) -> Script:
    run.open_dispute(intake(run))
    # The supervisor's task goes first: it may hand the session to another mediator.
    yield from play(run, HANDLERS, first="supervise")


def _today(run: CaseRun) -> str:
    return china_date(run.now).isoformat()


def assign_mediator(run: CaseRun, item: WorkItem) -> Script:
    yield staff_after(run.now, run.rng, 0.5, 8)
    mediator = org.MEDIATORS[(run.plan.index + run.memo["assignments"]) % len(org.MEDIATORS)]
    run.memo["assignments"] += 1
    run.do(item, mediator=mediator, assignment_note="按片区指派")


def accept_case(run: CaseRun, item: WorkItem) -> Script:
    yield staff_after(run.now, run.rng, 0.5, 8)
    if run.chance("conflict", run.mix.conflict_of_interest):
        run.note("mediation_conflict_of_interest")
        run.extra.setdefault("recused", set()).add(item.assignee)
        run.do(item, conflict_of_interest="related", conflict_reason="与一方当事人系亲属关系")
        return
    run.do(item, conflict_of_interest="none")


def record_consent(run: CaseRun, item: WorkItem) -> Script:
    yield staff_after(run.now, run.rng, 2, 48)
    if run.rng.random() < run.mix.consent_refused:
        run.note("mediation_consent_refused")
        run.do(item, consent="refused", refused_by=run.extra["respondent"], referral_channel="litigation",
               consent_note="被申请人表示将通过诉讼解决")
        return
    run.do(item, consent="all_agree", consent_note="各方均愿意调解")


def hold_session(run: CaseRun, item: WorkItem) -> Script:
    if run.chance("idle", run.mix.mediation_idle):  # the mediator lets it lie: after 30 days the sweep tells the supervisor
        run.note("mediation_overdue")
        wake = run.next_timer()
        if wake is not None:
            yield wake
            return
    yield staff_after(run.now, run.rng, 48, 144)
    run.memo["sessions"] += 1
    run.note("mediation_session")
    p = run.rng.random()
    if run.memo["sessions"] < 4 and p < run.mix.session_continue:
        result = "continue"
    elif p < run.mix.session_continue + run.mix.session_agreement:
        result = "agreement"
    else:
        result = "no_agreement"
    run.do(item, session_date=_today(run), attendees="双方当事人、调解员", session_notes="听取双方陈述，释法明理",
           next_step="约定下次调解时间" if result == "continue" else None, session_result=result)


def draft_agreement(run: CaseRun, item: WorkItem) -> Script:
    yield staff_after(run.now, run.rng, 1, 24)
    deadline = (china_date(run.now) + timedelta(days=15)).isoformat()
    terms = "一、被申请人于十五日内赔偿申请人损失；二、双方互谅互让，不再因此事发生争执。"
    if run.chance("declined", run.mix.declined_to_sign):
        run.note("mediation_declined_to_sign")
        run.do(item, agreement_terms=terms, performance_deadline=deadline, signing="declined", declined_by=run.extra["respondent"])
        return
    run.do(item, agreement_terms=terms, performance_deadline=deadline, signing="signed", agreement_note="一式三份")


def follow_up(run: CaseRun, item: WorkItem) -> Script:
    yield staff_after(run.now, run.rng, 1, 48)
    if run.chance("broken", run.mix.agreement_broken):
        run.note("mediation_agreement_broken")
        run.do(item, performance="not_honoured", follow_up_note="回访得知协议未履行")
        return
    run.do(item, performance="honoured", follow_up_note="已电话回访双方，协议已履行")


def after_failure(run: CaseRun, item: WorkItem) -> Script:
    yield staff_after(run.now, run.rng, 2, 48)
    p = run.rng.random()
    if not run.memo["assessed"] and p < 0.4:
        run.memo["assessed"] += 1
        run.note("mediation_assessment")
        run.do(item, next_action="assessment", action_note="引入第三方评估")
    elif run.memo["sessions"] < 5 and p < 0.6:
        run.do(item, next_action="another_session", action_note="再次组织调解")
    elif p < 0.9:
        run.note("mediation_referred")
        run.do(item, next_action="refer", referral_channel=run.rng.choice(("litigation", "arbitration")),
               action_note="引导当事人通过法律途径解决")
    else:
        run.note("mediation_withdrawn")
        run.do(item, next_action="withdraw", action_note="当事人撤回调解申请")


def third_party_assessment(run: CaseRun, item: WorkItem) -> Script:
    yield staff_after(run.now, run.rng, 24, 96)
    run.do(item, assessor="区第三方评估机构", assessment_date=_today(run), assessment_findings="评估意见已送达双方")


def supervise(run: CaseRun, item: WorkItem) -> Script:
    yield staff_after(run.now, run.rng, 1, 24)
    p = run.rng.random()
    # Not the mediator in charge, nor one who stepped aside for a conflict of interest.
    unavailable = {i.assignee for i in run.open_items()} | run.extra.get("recused", set())
    other = next((m for m in org.MEDIATORS if m not in unavailable), None)
    if p < 0.4 or (p < 0.8 and other is None):
        run.do(item, supervision_action="continue", supervision_note="督促调解员加快调解")
    elif p < 0.8:
        run.do(item, supervision_action="reassign", new_mediator=other, supervision_note="更换调解员")
    else:
        run.note("mediation_referred_by_supervisor")
        run.do(item, supervision_action="refer", referral_channel="administrative", supervision_note="移交行政渠道")


HANDLERS: dict[str, Handler] = {
    "assign_mediator": assign_mediator, "accept_case": accept_case, "record_consent": record_consent,
    "hold_session": hold_session, "draft_agreement": draft_agreement, "follow_up": follow_up,
    "after_failure": after_failure, "third_party_assessment": third_party_assessment, "supervise": supervise,
}
