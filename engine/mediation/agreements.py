"""The mediation agreement as a document: draft → printed draft → each party's signature → in force.

The mediator writes the terms (:func:`save_draft`), prints the draft marked 草稿 for the parties to read
and sign, and records each party's signature or refusal as it comes in (:func:`record_signature`), with
the signed scan attached as evidence. Only when every party has signed does the agreement take effect
(:func:`bring_into_force`, which completes the 制作调解协议书 task). A party who does not sign never sends
the case anywhere by itself: the mediator waits, or says in so many words that the agreement failed
(:func:`record_no_agreement`), and the case goes to 调解不成处置.

Each function runs in the caller's transaction, writes its event in the case's chain and bumps the
case's version, so a second mediator's tab holding an older page gets a conflict, not a silent overwrite.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.cases.chain import append_event
from engine.calendar import china_date
from engine.cases.hooks import HookRegistry
from engine.cases.models import Case, WorkItem
from engine.cases.operations import complete_task
from engine.cases.steps import StepResult
from engine.cases.read_models import mask_name
from engine.clock import to_db
from engine.errors import ConflictError, NotFound, ValidationError
from engine.evidence.operations import attach
from engine.mediation.models import AgreementConfirmation, MediationAgreement, MediationParty
from engine.mediation.operations import mediation_item
from engine.mediation.queries import parties_of, party_text
from engine.people.actor import Actor

FORM_KEY = "mediation_agreement"
MIN_TERMS, MAX_TERMS, MAX_NOTE = 5, 4000, 1000
#: A refusal, or why the mediator gives up on the agreement, must say something.
MIN_REASON = 4


@dataclass(frozen=True)
class Signing:
    """Where the signing of the current draft stands."""

    draft: MediationAgreement
    signed: tuple[MediationParty, ...]
    refused: tuple[MediationParty, ...]
    waiting: tuple[MediationParty, ...]

    @property
    def complete(self) -> bool:
        return not self.refused and not self.waiting


def _party_words(session: Session, party: MediationParty) -> str:
    """A party as the log names it: position and masked name (the log is kept for ever)."""
    return f"第{party.position}方 {mask_name(party_text(session, party).name)}"


def current_draft(session: Session, case_id: int) -> MediationAgreement | None:
    """The agreement being signed now (status ``draft``), if the mediator has written one."""
    return session.scalar(select(MediationAgreement).where(
        MediationAgreement.case_id == case_id, MediationAgreement.status == "draft")
        .order_by(MediationAgreement.number.desc()).limit(1))


def signing_of(session: Session, draft: MediationAgreement) -> Signing:
    answers = {r.party_id: r for r in session.scalars(
        select(AgreementConfirmation).where(AgreementConfirmation.agreement_id == draft.id))}
    parties = parties_of(session, draft.case_id)
    return Signing(draft, tuple(p for p in parties if p.id in answers and answers[p.id].confirmed),
                   tuple(p for p in parties if p.id in answers and not answers[p.id].confirmed),
                   tuple(p for p in parties if p.id not in answers))


def _item(session: Session, work_item_id: int, actor: Actor, expected_version: int | None) -> tuple[Case, WorkItem]:
    case, item = mediation_item(session, work_item_id, FORM_KEY, actor)
    if expected_version is not None and case.version != expected_version:
        raise ConflictError("案件已被他人更新，请刷新后重试")
    return case, item


def _changed(session: Session, case: Case, item: WorkItem, event_type: str, payload: dict[str, object],
             actor: Actor, at: datetime) -> None:
    case.version += 1
    append_event(session, case, type=event_type, actor=actor.username, role=actor.role, at=at,
                 payload={"work_item": item.bpmn_id, **payload})


def _check_terms(terms: str, performance_deadline: date | None, note: str | None, at: datetime) -> None:
    errors = {}
    if not MIN_TERMS <= len(terms) <= MAX_TERMS:
        errors["agreement_terms"] = f"协议内容应为 {MIN_TERMS} 到 {MAX_TERMS} 个字"
    if performance_deadline is not None and performance_deadline < china_date(at):
        errors["performance_deadline"] = "履行期限不能早于今天"
    if note is not None and len(note) > MAX_NOTE:
        errors["agreement_note"] = f"备注最多 {MAX_NOTE} 字"
    if errors:
        raise ValidationError("表单填写有误", errors)


def save_draft(session: Session, work_item_id: int, *, terms: str, actor: Actor, at: datetime,
               performance_deadline: date | None = None, note: str | None = None,
               expected_version: int | None = None) -> MediationAgreement:
    """Write or rewrite the draft's terms. Once a party has signed, the terms they signed stay as they are."""
    case, item = _item(session, work_item_id, actor, expected_version)
    terms, note = terms.strip(), (note or "").strip() or None
    _check_terms(terms, performance_deadline, note, at)
    draft = current_draft(session, case.id)
    if draft is not None and signing_of(session, draft).signed:
        raise ValidationError("协议已有当事人签字", {
            "agreement_terms": "已有当事人在这份协议上签字，内容不能再改；如需改动，请记录调解不成后重新调解"})
    if draft is not None and signing_of(session, draft).refused:
        # Refusals answered the old wording, not the new one: the old draft is kept, superseded, with its
        # refusals (nothing in the record is deleted), and the new wording is a draft of its own.
        draft.status = "superseded"
        draft = None
    if draft is None:
        count = session.scalar(select(func.count(MediationAgreement.id))
                               .where(MediationAgreement.case_id == case.id)) or 0
        draft = MediationAgreement(case_id=case.id, number=count + 1, status="draft", event_seq=case.last_seq + 1,
                                   drafted_at=to_db(at), drafted_by=actor.username, terms=terms)
        session.add(draft)
    draft.terms, draft.performance_deadline, draft.note = terms, performance_deadline, note
    draft.drafted_at, draft.drafted_by, draft.event_seq = to_db(at), actor.username, case.last_seq + 1
    session.flush()
    _changed(session, case, item, "agreement_drafted", {
        "number": draft.number, "agreement_terms": terms, "agreement_note": note,
        "performance_deadline": performance_deadline.isoformat() if performance_deadline else None}, actor, at)
    return draft


def record_signature(session: Session, work_item_id: int, party_id: int, *, signed: bool, actor: Actor,
                     at: datetime, signed_on: date | None = None, note: str | None = None,
                     scan_sha256: str | None = None, expected_version: int | None = None) -> AgreementConfirmation:
    """One party signed the printed draft (on ``signed_on``, the scan attached as evidence) or refused (why)."""
    case, item = _item(session, work_item_id, actor, expected_version)
    draft = current_draft(session, case.id)
    if draft is None:
        raise ValidationError("还没有协议草稿", {"party": "请先保存协议草稿并打印给当事人签字"})
    party = session.get(MediationParty, party_id)
    if party is None or party.case_id != case.id:
        raise NotFound("本案没有这一方当事人")
    row = session.scalar(select(AgreementConfirmation).where(AgreementConfirmation.agreement_id == draft.id,
                                                             AgreementConfirmation.party_id == party.id))
    if row is not None and row.confirmed:
        raise ValidationError("已记录签字", {"party": f"{_party_words(session, party)} 的签字已经记录"})
    note = (note or "").strip() or None
    if signed:
        if signed_on is None:
            raise ValidationError("表单填写有误", {"signed_on": "请填写签字日期"})
        if signed_on > china_date(at) or signed_on < china_date(draft.drafted_at):
            raise ValidationError("表单填写有误", {"signed_on": "签字日期应在协议起草之日到今天之间"})
    elif len(note or "") < MIN_REASON:
        raise ValidationError("表单填写有误", {"note": f"请写明当事人不签字的原因（至少 {MIN_REASON} 个字）"})
    if note is not None and len(note) > MAX_NOTE:
        raise ValidationError("表单填写有误", {"note": f"最多 {MAX_NOTE} 字"})
    if scan_sha256:
        attach(session, case, [scan_sha256], purpose="agreement", actor=actor, at=at)
    if row is None:
        row = AgreementConfirmation(agreement_id=draft.id, party_id=party.id, confirmed=signed, recorded_at=to_db(at))
        session.add(row)
    row.confirmed, row.recorded_at, row.recorded_by = signed, to_db(at), actor.username
    row.signed_on, row.note = (signed_on if signed else None), note
    row.scan_sha256 = scan_sha256 or row.scan_sha256
    session.flush()
    _changed(session, case, item, "agreement_signature", {
        "number": draft.number, "party": _party_words(session, party), "signed": signed,
        "signed_on": signed_on.isoformat() if signed and signed_on else None, "reason": note,
        "scan_sha256": scan_sha256 or None}, actor, at)
    return row


def bring_into_force(session: Session, work_item_id: int, *, actor: Actor, at: datetime, hooks: HookRegistry,
                     expected_version: int | None = None) -> StepResult:
    """Every party has signed: the agreement takes effect and the case goes on to the follow-up."""
    case, _item_row = _item(session, work_item_id, actor, expected_version)
    draft = current_draft(session, case.id)
    if draft is None:
        raise ValidationError("还没有协议草稿", {"agreement_terms": "请先保存协议草稿并打印给当事人签字"})
    signing = signing_of(session, draft)
    if not signing.complete:
        who = "、".join(_party_words(session, p) for p in signing.waiting + signing.refused)
        raise ValidationError("尚有当事人未签字", {"parties": f"{who} 尚未签字，协议不能生效"})
    form = {"agreement_terms": draft.terms, "signing": "signed", "declined_by": None, "agreement_note": draft.note,
            "performance_deadline": draft.performance_deadline.isoformat() if draft.performance_deadline else None}
    return complete_task(session, work_item_id, form, actor=actor, at=at, hooks=hooks,
                         expected_version=case.version)


def record_no_agreement(session: Session, work_item_id: int, *, reason: str, actor: Actor, at: datetime,
                        hooks: HookRegistry, expected_version: int | None = None) -> StepResult:
    """The mediator confirms that the parties who have not signed will not: the draft never takes effect
    (未生效) and the case goes to 调解不成处置."""
    case, _item_row = _item(session, work_item_id, actor, expected_version)
    draft = current_draft(session, case.id)
    if draft is None:
        raise ValidationError("还没有协议草稿", {"reason": "还没有协议草稿，无需记录拒签"})
    signing = signing_of(session, draft)
    if signing.complete:
        raise ValidationError("各方均已签字", {"reason": "各方当事人均已签字，请确认协议生效"})
    reason = " ".join(reason.split())
    if not MIN_REASON <= len(reason) <= MAX_NOTE:
        raise ValidationError("表单填写有误", {"reason": f"请说明协议为何不能生效（{MIN_REASON} 到 {MAX_NOTE} 个字）"})
    form = {"agreement_terms": draft.terms, "signing": "declined", "agreement_note": reason,
            "declined_by": "、".join(_party_words(session, p) for p in signing.refused + signing.waiting),
            "performance_deadline": draft.performance_deadline.isoformat() if draft.performance_deadline else None}
    return complete_task(session, work_item_id, form, actor=actor, at=at, hooks=hooks,
                         expected_version=case.version)
