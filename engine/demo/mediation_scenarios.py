"""One function per path through dispute mediation (DESIGN.md §2.2), each returning its case.

Like :mod:`engine.demo.scenarios`: each scenario states its path in its name and leaves the case
where that path ends; the expected status and outcome are in :data:`MEDIATION_SCENARIOS`.
Mediator tasks are done by the mediator they are assigned to, grid-worker tasks by the case's grid
worker; the per-party consent and agreement forms of the workspace are used where a mediator
would use them.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import cache
from typing import Any

from sqlalchemy.orm import Session

from engine.calendar import china_date
from engine.cases.models import Case
from engine.cases.steps import StepResult
from engine.demo.driver import Driver
from engine.demo.organisation import DEMO_PASSWORD
from engine.mediation.intake import MediationIntake, PartyIntake
from engine.mediation.service import MediationService
from engine.people.actor import Actor
from engine.people.operations import ensure_user
from engine.people.passwords import hash_password
from engine.people.roles import Role

#: A second mediator, so that a conflict of interest or a supervisor can hand a case on.
#: username → (display name, role, department, grid), as :data:`engine.demo.organisation.USERS`.
MEDIATORS = {"tiaojie2": ("周调解员", "mediator", None, None)}
#: The demo's mediators in the order scenarios assign them.
FIRST, SECOND = "tiaojie", "tiaojie2"


@cache
def _password_hash() -> str:
    return hash_password(DEMO_PASSWORD)


def seed_mediators(session: Session) -> None:
    """Add the extra demo mediators (idempotent)."""
    for username, (display, role, department, grid) in MEDIATORS.items():
        ensure_user(session, username, display, role, department_code=department, grid_code=grid,
                    password_hash=_password_hash())


def mediation(d: Driver) -> MediationService:
    return MediationService(d.service.db, d.clock, d.service.hooks)


def neighbours(**extra: Any) -> MediationIntake:
    fields: dict[str, Any] = {
        "dispute_type": "邻里纠纷", "summary": "楼上住户装修漏水，楼下住户天花板受损，双方就赔偿金额争执不下",
        "parties": (PartyIntake("王建国", "applicant", "13800001111", "幸福里3号楼201"),
                    PartyIntake("李春梅", "respondent", "13900002222", "幸福里3号楼301")),
        "grid_code": "XF-01", "address": "幸福里3号楼"}
    fields.update(extra)
    return MediationIntake(**fields)


def register(d: Driver, intake: MediationIntake | None = None, source: Case | None = None) -> Case:
    """The grid worker registers the dispute."""
    intake = intake or neighbours()
    actor = d.actor_for_role(Role.GRID_WORKER.value, intake.grid_code)
    return mediation(d).open_mediation(intake, actor, source.tracking_code if source else None)


def do(d: Driver, case: Case, bpmn_id: str, **form: Any) -> StepResult:
    """Complete the open task ``bpmn_id`` as whoever it is assigned to (else a fitting demo user)."""
    item = d.item(case, bpmn_id)
    actor = Actor(item.assignee, item.role) if item.assignee else d.actor_for(case, item)
    return d.service.complete_task(item.id, form, actor)


def _mediator(d: Driver, case: Case, bpmn_id: str) -> tuple[int, Actor]:
    item = d.item(case, bpmn_id)
    assert item.assignee, f"{bpmn_id} is not assigned to a mediator"
    return item.id, Actor(item.assignee, item.role)


def _today(d: Driver, days: int = 0) -> str:
    return (china_date(d.clock.now()) + timedelta(days=days)).isoformat()


def assign_and_accept(d: Driver, case: Case, mediator: str = FIRST) -> None:
    do(d, case, "assign_mediator", mediator=mediator, assignment_note="按片区指派")
    do(d, case, "accept_case", conflict_of_interest="none")


def everyone_agrees(d: Driver, case: Case) -> None:
    """The mediator records each party's consent in the workspace."""
    item_id, actor = _mediator(d, case, "record_consent")
    parties = mediation(d).mediation_page(case.tracking_code, actor).parties
    mediation(d).record_consent(item_id, {p.id: "agreed" for p in parties}, actor, note="双方均愿意调解")


def session(d: Driver, case: Case, result: str, notes: str = "听取双方陈述，释法明理，引导双方互谅互让") -> None:
    d.later(days=2)
    do(d, case, "hold_session", session_date=_today(d), attendees="双方当事人、调解员、网格员", session_notes=notes,
       next_step="约定下次调解时间" if result == "continue" else None, session_result=result)


def sign_agreement(d: Driver, case: Case, refuse: bool = False) -> None:
    """The agreement as the workspace makes it: the draft printed, each party's signature (the last party
    refusing when ``refuse``), then in force — or the refusal confirmed and the case sent to 调解不成处置."""
    item_id, actor = _mediator(d, case, "draft_agreement")
    service = mediation(d)
    service.save_agreement_draft(
        item_id, "一、李春梅于十五日内一次性赔偿王建国维修费人民币 3000 元；\n二、双方今后互相体谅，不再因此事发生争执。",
        actor, performance_deadline=china_date(d.clock.now()) + timedelta(days=15), note="一式三份")
    parties = service.mediation_page(case.tracking_code, actor).parties
    for party in parties:
        if refuse and party.position == len(parties):
            service.record_signature(item_id, party.id, actor, signed=False, note="认为赔偿金额过高，拒绝签字")
        else:
            service.record_signature(item_id, party.id, actor, signed=True, signed_on=china_date(d.clock.now()))
    if refuse:
        service.record_no_agreement(item_id, "第三方当事人拒绝签字，协议未生效", actor)
    else:
        service.bring_agreement_into_force(item_id, actor)


def follow_up(d: Driver, case: Case, honoured: bool) -> None:
    d.later(days=31)  # the 30-day performance period passes and the sweep opens the follow-up
    do(d, case, "follow_up", performance="honoured" if honoured else "not_honoured",
       follow_up_note="已电话回访双方，赔偿款已付清" if honoured else "回访得知赔偿款未支付，双方再起争执")


# -- the paths ------------------------------------------------------------------------------------

def consent_refused_and_referred(d: Driver) -> Case:
    case = register(d, neighbours(dispute_type="物业纠纷", summary="业主认为物业费上涨不合理，拒绝缴费，物业公司催缴未果",
                                  parties=(PartyIntake("赵大伟", "applicant", "13700003333"),
                                           PartyIntake("幸福里物业公司", "respondent", "010-88886666"))))
    assign_and_accept(d, case)
    do(d, case, "record_consent", consent="refused", refused_by="幸福里物业公司", referral_channel="litigation",
       consent_note="物业公司表示将通过诉讼追缴")
    return case


def two_sessions_agreement_honoured(d: Driver) -> Case:
    case = register(d)
    assign_and_accept(d, case)
    everyone_agrees(d, case)
    session(d, case, "continue", "第一次调解：双方情绪激动，对赔偿金额分歧较大")
    session(d, case, "agreement", "第二次调解：在调解员主持下双方达成一致")
    sign_agreement(d, case)
    follow_up(d, case, honoured=True)
    return case


def agreement_broken_and_reopened(d: Driver) -> Case:
    case = register(d)
    assign_and_accept(d, case)
    everyone_agrees(d, case)
    session(d, case, "agreement")
    sign_agreement(d, case)
    follow_up(d, case, honoured=False)
    return case


def no_agreement_assessed_then_referred(d: Driver) -> Case:
    case = register(d, neighbours(dispute_type="劳资", summary="装修工人称被拖欠工资 8000 元，装修公司称工程质量不合格",
                                  parties=(PartyIntake("孙师傅", "applicant", "13600004444"),
                                           PartyIntake("安居装修公司", "respondent", "010-66668888"))))
    assign_and_accept(d, case)
    everyone_agrees(d, case)
    session(d, case, "no_agreement", "双方对工程质量各执一词")
    do(d, case, "after_failure", next_action="assessment", action_note="请第三方对工程质量进行评估")
    do(d, case, "third_party_assessment", assessor="区建筑工程质量检测站", assessment_date=_today(d),
       assessment_findings="墙面空鼓面积约 12%，属于施工质量问题，返修费用约 2000 元")
    session(d, case, "no_agreement", "评估后双方仍未就扣款金额达成一致")
    do(d, case, "after_failure", next_action="refer", referral_channel="arbitration",
       action_note="引导申请劳动争议仲裁")
    return case


def declined_to_sign_then_withdrawn(d: Driver) -> Case:
    case = register(d, neighbours(dispute_type="婚姻家庭", summary="兄弟二人因父母赡养费分担问题发生争执",
                                  parties=(PartyIntake("周大山", "applicant"), PartyIntake("周小川", "respondent"),
                                           PartyIntake("周母", "third_party"))))
    assign_and_accept(d, case)
    everyone_agrees(d, case)
    session(d, case, "agreement")
    sign_agreement(d, case, refuse=True)
    do(d, case, "after_failure", next_action="withdraw", action_note="当事人表示家庭内部自行协商，撤回调解申请")
    return case


def conflict_of_interest_then_another_mediator(d: Driver) -> Case:
    case = register(d)
    do(d, case, "assign_mediator", mediator=FIRST)
    do(d, case, "accept_case", conflict_of_interest="related", conflict_reason="被申请人是本人的表妹")
    assign_and_accept(d, case, SECOND)
    everyone_agrees(d, case)
    session(d, case, "agreement")
    sign_agreement(d, case)
    follow_up(d, case, honoured=True)
    return case


def overdue_escalated_and_mediator_replaced(d: Driver) -> Case:
    case = register(d)
    assign_and_accept(d, case)
    everyone_agrees(d, case)
    session(d, case, "continue", "第一次调解未果，约定两周后再谈")
    d.later(days=31)  # 30 days without an agreement: the supervisor is told
    do(d, case, "supervise", supervision_action="reassign", new_mediator=SECOND,
       supervision_note="原调解员病休，改由周调解员接手")
    session(d, case, "agreement", "新调解员主持调解，双方达成一致")
    sign_agreement(d, case)
    follow_up(d, case, honoured=True)
    return case


def overdue_escalated_and_referred_by_supervisor(d: Driver) -> Case:
    case = register(d, neighbours(summary="相邻两户因公共走廊堆放杂物多次争吵，甚至发生推搡"))
    assign_and_accept(d, case)
    everyone_agrees(d, case)
    session(d, case, "continue", "双方矛盾较深，需多次调解")
    d.later(days=31)
    do(d, case, "supervise", supervision_action="refer", referral_channel="administrative",
       supervision_note="涉及治安问题，移交派出所依法处理")
    return case


def neighbour_dispute_issue_mediated(d: Driver) -> Case:
    issue = d.report("楼上邻居深夜噪音不断，多次沟通无果", "邻里纠纷", address="幸福里5号楼")
    case = register(d, neighbours(summary="楼上住户深夜噪音扰民，楼下住户多次沟通无果，双方关系紧张"), source=issue)
    d.do(issue, "triage", triage_decision="on_spot", triage_note=f"已转为矛盾纠纷调解案件 {case.tracking_code}，由调解员调解")
    assign_and_accept(d, case)
    everyone_agrees(d, case)
    session(d, case, "agreement", "双方约定晚十点后不再进行产生噪音的活动")
    sign_agreement(d, case)
    follow_up(d, case, honoured=True)
    return case


def waiting_for_consent(d: Driver) -> Case:
    case = register(d, neighbours(summary="两户因共用水管维修费用分摊发生纠纷"))
    assign_and_accept(d, case)
    return case


#: name → (scenario, expected status, expected outcome)
MEDIATION_SCENARIOS: dict[str, tuple[Callable[[Driver], Case], str, str | None]] = {
    "mediation_consent_refused_and_referred": (consent_refused_and_referred, "closed", "referred"),
    "mediation_two_sessions_agreement_honoured": (two_sessions_agreement_honoured, "closed", "resolved"),
    "mediation_agreement_broken_and_reopened": (agreement_broken_and_reopened, "open", None),
    "mediation_no_agreement_assessed_then_referred": (no_agreement_assessed_then_referred, "closed", "referred"),
    "mediation_declined_to_sign_then_withdrawn": (declined_to_sign_then_withdrawn, "closed", "withdrawn"),
    "mediation_conflict_of_interest_then_another_mediator":
        (conflict_of_interest_then_another_mediator, "closed", "resolved"),
    "mediation_overdue_escalated_and_mediator_replaced": (overdue_escalated_and_mediator_replaced, "closed", "resolved"),
    "mediation_overdue_escalated_and_referred_by_supervisor":
        (overdue_escalated_and_referred_by_supervisor, "closed", "referred"),
    "mediation_neighbour_dispute_issue_mediated": (neighbour_dispute_issue_mediated, "closed", "resolved"),
    "mediation_waiting_for_consent": (waiting_for_consent, "open", None),
}
