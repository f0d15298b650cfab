"""State changes of mediations. Each runs inside the caller's transaction and never commits.

Opening a mediation is :func:`open_mediation` rather than :func:`engine.cases.operations.open_case`:
a mediation's category is its dispute type (物业纠纷, 婚姻家庭 … are not issue categories), and its
parties are written in the same transaction as the case. Everything else a mediation does is the
ordinary :func:`~engine.cases.operations.complete_task`, with the richer per-party forms of the
mediator's workspace recording each party's answer just before it (the agreement's own document flow —
draft, signatures, in force — is :mod:`engine.mediation.agreements`).
"""
from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.cases.chain import GENESIS
from engine.cases.access import check_may_act
from engine.cases.hooks import HookRegistry
from engine.cases.intake import new_tracking_code
from engine.cases.models import Case, WorkItem
from engine.cases.operations import complete_task
from engine.cases.queries import lock_case
from engine.cases.steps import StepResult, run_engine_event
from engine.cases.read_models import mask_name
from engine.clock import to_db
from engine.errors import ConflictError, NotFound, ValidationError
from engine.mediation.access import check_may_open
from engine.mediation.intake import (
    NEIGHBOUR_DISPUTE,
    REFERRAL_CHANNELS,
    MediationIntake,
    check_mediation_intake,
)
from engine.mediation.intake import default_title as mediation_title
from engine.mediation.models import Mediation, MediationParty
from engine.mediation.queries import parties_of, parties_text
from engine.privacy.keys import encrypt_field
from engine.mediation.records import ROUND_DAYS
from engine.people.actor import Actor
from engine.specs.queries import current_version

#: Process key of dispute mediation (``bpmn/mediation.bpmn``).
PROCESS_KEY = "mediation"
CONSENT_ANSWERS = ("agreed", "refused")


def check_source(session: Session, source: Case) -> None:
    """A civic-loop case may become a mediation if it is a neighbour dispute not already under mediation."""
    if source.category != NEIGHBOUR_DISPUTE or session.get(Mediation, source.id) is not None:
        raise ValidationError("不能转为调解", {"source": f"只有“{NEIGHBOUR_DISPUTE}”类的议题案件可以转为调解案件"})
    open_link = session.scalar(select(Mediation.case_id).where(Mediation.source_case_id == source.id,
                                                               Mediation.outcome.is_(None)).limit(1))
    if open_link is not None:
        raise ValidationError("不能转为调解", {"source": f"案件 {source.tracking_code} 已有进行中的调解"})


def open_mediation(session: Session, intake: MediationIntake, *, actor: Actor, at: datetime, hooks: HookRegistry,
                   source: Case | None = None) -> StepResult:
    """Register a dispute as a new case on the current version of the mediation process, with its parties.

    ``source`` is the civic-loop case (category 邻里纠纷) the dispute came from; the link is kept on
    the mediation and shown on both case pages.
    """
    check_may_open(actor)
    grid = check_mediation_intake(session, intake)
    if source is not None:
        check_source(session, source)
    version = current_version(session, PROCESS_KEY)
    summary = intake.summary.strip()
    case = Case(
        tracking_code=new_tracking_code(session, at), uuid=str(uuid.uuid4()), process_key=version.key,
        process_version_id=version.id, status="open", phase="collect", title=mediation_title(intake),
        category=intake.dispute_type, grid_code=intake.grid_code, community=grid.community if grid else None,
        address=(intake.address or "").strip() or None, description=summary, channel=intake.channel,
        opened_at=to_db(at), opened_by=actor.username, snapshot="", version=0, last_seq=0, head_hash=GENESIS,
    )
    session.add(case)
    session.flush()
    session.add(Mediation(case_id=case.id, dispute_type=intake.dispute_type, summary=summary,
                          source_case_id=source.id if source else None, rounds=1,
                          due_at=to_db(at + timedelta(days=ROUND_DAYS)), opened_at=to_db(at)))
    parties = [p for p in intake.parties if (p.name or "").strip()]
    for position, party in enumerate(parties, start=1):
        session.add(MediationParty(case_id=case.id, position=position,
                                   name=encrypt_field(session, case, party.name.strip()),
                                   party_role=party.party_role, phone=encrypt_field(session, case, party.phone),
                                   address=encrypt_field(session, case, party.address)))
    # The log carries what the process needs, never the parties' names or contacts.
    data = {
        "title": case.title, "category": case.category, "grid": case.grid_code, "community": case.community,
        "address": case.address, "description": case.description, "channel": case.channel,
        "dispute_type": intake.dispute_type, "party_count": len(parties),
        "source_case": source.tracking_code if source else None,
    }
    payload = {
        "case_uuid": case.uuid, "tracking_code": case.tracking_code,
        "process": {"key": version.key, "version": version.version, "sha256": version.sha256},
        "data": data,
    }
    return run_engine_event(session, case, event_type="case_opened", payload=payload, actor=actor, at=at,
                            hooks=hooks)


def mediation_item(session: Session, work_item_id: int, form_key: str, actor: Actor) -> tuple[Case, WorkItem]:
    """The open work item of ``form_key``, its case locked, if ``actor`` may do it."""
    item = session.get(WorkItem, work_item_id)
    if item is None or item.form_key != form_key:
        raise NotFound("任务不存在")
    case = lock_case(session, item.case_id)
    session.refresh(item)
    check_may_act(session, actor, item, case)
    if not item.is_open:
        raise ConflictError("该任务已办理完成或已取消")
    return case, item


def _who(session: Session, parties: list[MediationParty]) -> str | None:
    """Parties named in the log by position and masked name only (the log is kept for ever)."""
    text = parties_text(session, parties)
    return "、".join(f"第{p.position}方 {mask_name(text[p.id].name)}" for p in parties) or None


def record_consent(session: Session, work_item_id: int, answers: Mapping[int, str], *, actor: Actor, at: datetime,
                   hooks: HookRegistry, note: str | None = None, referral_channel: str | None = None,
                   expected_version: int | None = None) -> StepResult:
    """Each party's answer (agreed / refused) to mediation, then the consent task: one refusal refers the case."""
    case, _item = mediation_item(session, work_item_id, "mediation_consent", actor)
    parties = parties_of(session, case.id)
    text = parties_text(session, parties)
    errors = {f"party-{p.id}": f"请记录{text[p.id].name}是否同意调解" for p in parties
              if answers.get(p.id) not in CONSENT_ANSWERS}
    if set(answers) - {p.id for p in parties}:
        errors["parties"] = "表单中有不属于本案的当事人"
    refusers = [p for p in parties if answers.get(p.id) == "refused"]
    if refusers and referral_channel not in REFERRAL_CHANNELS:
        errors["referral_channel"] = "有当事人不同意调解时，请选择引导的解决渠道"
    if errors:
        raise ValidationError("表单填写有误", errors)
    for party in parties:
        party.consent, party.consent_at = answers[party.id], to_db(at)
    form = {"consent": "refused" if refusers else "all_agree", "refused_by": _who(session, refusers),
            "referral_channel": referral_channel if refusers else None, "consent_note": note}
    return complete_task(session, work_item_id, form, actor=actor, at=at, hooks=hooks,
                         expected_version=expected_version)
