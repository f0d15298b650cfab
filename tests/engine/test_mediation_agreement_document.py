"""The mediation agreement as a document: draft, signatures party by party (with the signed scan kept as
evidence), then in force — or, only when the mediator says so, no agreement."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import select

from engine.cases.events import CaseEvent
from engine.audit.verify import verify_case
from engine.calendar import china_date
from engine.cases.models import Case
from engine.db import Database
from engine.demo import mediation_scenarios as ms
from engine.demo.driver import Driver
from engine.demo.mediation_scenarios import seed_mediators
from engine.errors import ConflictError, ValidationError
from engine.evidence.models import Attachment
from engine.evidence.service import EvidenceService
from engine.evidence.store import EvidenceStore
from engine.mediation.models import AgreementConfirmation, MediationAgreement
from engine.mediation.service import MediationService
from engine.people.actor import Actor

TIAOJIE = Actor("tiaojie", "mediator")
TERMS = "一、李春梅于十五日内赔偿王建国维修费人民币 2000 元；二、双方不再因此事争执。"


@pytest.fixture(autouse=True)
def mediators(db: Database) -> None:
    with db.transaction() as s:
        seed_mediators(s)


def _ready(driver: Driver) -> tuple[Case, int, MediationService, list[int]]:
    case = ms.register(driver)
    ms.assign_and_accept(driver, case)
    ms.everyone_agrees(driver, case)
    ms.session(driver, case, "agreement")
    service = ms.mediation(driver)
    parties = [p.id for p in service.mediation_page(case.tracking_code, TIAOJIE).parties]
    return case, driver.item(case, "draft_agreement").id, service, parties


def _today(driver: Driver):  # type: ignore[no-untyped-def]
    return china_date(driver.clock.now())


def test_a_draft_waits_for_every_signature_before_it_takes_effect(driver: Driver, db: Database) -> None:
    case, item, service, parties = _ready(driver)
    number = service.save_agreement_draft(item, TERMS, TIAOJIE, performance_deadline=_today(driver) + timedelta(days=15))
    assert number == 1 and driver.open_ids(case) == ["draft_agreement"]
    service.record_signature(item, parties[0], TIAOJIE, signed=True, signed_on=_today(driver))
    with pytest.raises(ValidationError) as error:
        service.bring_agreement_into_force(item, TIAOJIE)
    assert "尚未签字" in error.value.field_errors["parties"]
    assert driver.open_ids(case) == ["draft_agreement"]  # nothing moved: the case still waits
    service.record_signature(item, parties[1], TIAOJIE, signed=True, signed_on=_today(driver))
    service.bring_agreement_into_force(item, TIAOJIE)
    assert driver.open_ids(case) == []  # in force: the follow-up timer runs
    with db.reading() as s:
        agreement = s.scalars(select(MediationAgreement).where(MediationAgreement.case_id == case.id)).one()
        assert agreement.status == "signed" and agreement.in_force_at is not None and agreement.terms == TERMS
        types = list(s.scalars(select(CaseEvent.type).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)))
        assert verify_case(s, s.get(Case, case.id)).ok
    assert types[-4:] == ["agreement_drafted", "agreement_signature", "agreement_signature", "task_completed"]


def test_a_refusal_does_not_end_the_agreement_until_the_mediator_confirms(driver: Driver, db: Database) -> None:
    case, item, service, parties = _ready(driver)
    service.save_agreement_draft(item, TERMS, TIAOJIE)
    service.record_signature(item, parties[0], TIAOJIE, signed=True, signed_on=_today(driver))
    service.record_signature(item, parties[1], TIAOJIE, signed=False, note="认为金额太高，不愿签字")
    assert driver.open_ids(case) == ["draft_agreement"]  # waiting is a choice too
    service.record_no_agreement(item, "李春梅坚持不签字，协议未生效", TIAOJIE)
    assert driver.open_ids(case) == ["after_failure"]
    with db.reading() as s:
        agreement = s.scalars(select(MediationAgreement).where(MediationAgreement.case_id == case.id)).one()
        rows = {r.party_id: r for r in s.scalars(select(AgreementConfirmation))}
    assert agreement.status == "declined" and agreement.in_force_at is None
    assert rows[parties[0]].confirmed and not rows[parties[1]].confirmed
    assert rows[parties[1]].note == "认为金额太高，不愿签字"


def test_a_party_who_refused_may_still_sign(driver: Driver) -> None:
    case, item, service, parties = _ready(driver)
    service.save_agreement_draft(item, TERMS, TIAOJIE)
    service.record_signature(item, parties[1], TIAOJIE, signed=False, note="要回去和家人商量")
    for party in parties:
        service.record_signature(item, party, TIAOJIE, signed=True, signed_on=_today(driver))
    service.bring_agreement_into_force(item, TIAOJIE)
    assert driver.open_ids(case) == []


def test_rewording_a_refused_draft_keeps_the_refusal_on_the_old_draft_and_asks_again(driver: Driver,
                                                                                     db: Database) -> None:
    case, item, service, parties = _ready(driver)
    service.save_agreement_draft(item, TERMS, TIAOJIE)
    service.record_signature(item, parties[1], TIAOJIE, signed=False, note="认为金额太高，不愿签字")
    number = service.save_agreement_draft(item, TERMS.replace("2000", "1500"), TIAOJIE)
    assert number == 2
    with db.reading() as s:
        drafts = {a.number: a for a in s.scalars(select(MediationAgreement).where(MediationAgreement.case_id == case.id))}
        refusals = list(s.scalars(select(AgreementConfirmation)))
        assert verify_case(s, s.get(Case, case.id)).ok
    assert (drafts[1].status, drafts[2].status) == ("superseded", "draft") and "1500" in drafts[2].terms
    assert [(r.agreement_id, r.confirmed) for r in refusals] == [(drafts[1].id, False)]  # kept, not deleted
    for party in parties:
        service.record_signature(item, party, TIAOJIE, signed=True, signed_on=_today(driver))
    service.bring_agreement_into_force(item, TIAOJIE)
    assert driver.open_ids(case) == []


def test_signed_terms_cannot_be_rewritten_and_a_signature_is_recorded_once(driver: Driver) -> None:
    _case, item, service, parties = _ready(driver)
    service.save_agreement_draft(item, TERMS, TIAOJIE)
    service.save_agreement_draft(item, TERMS + "三、费用各自承担。", TIAOJIE)  # before anyone signs: fine
    service.record_signature(item, parties[0], TIAOJIE, signed=True, signed_on=_today(driver))
    with pytest.raises(ValidationError) as error:
        service.save_agreement_draft(item, "改过的内容，已签字的一方没有看过", TIAOJIE)
    assert "内容不能再改" in error.value.field_errors["agreement_terms"]
    with pytest.raises(ValidationError) as error:
        service.record_signature(item, parties[0], TIAOJIE, signed=False, note="反悔了不想签")
    assert "已经记录" in error.value.field_errors["party"]


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"signed": True}, "signed_on"),
    ({"signed": True, "days": 1}, "signed_on"),
    ({"signed": True, "days": -10}, "signed_on"),
    ({"signed": False}, "note"),
    ({"signed": False, "note": "不签"}, "note"),
])
def test_a_signature_needs_its_day_and_a_refusal_its_reason(driver: Driver, kwargs: dict, field: str) -> None:
    case, item, service, parties = _ready(driver)
    service.save_agreement_draft(item, TERMS, TIAOJIE)
    days = kwargs.pop("days", None)
    signed_on = _today(driver) + timedelta(days=days) if days is not None else None
    version = driver.refresh(case).version
    with pytest.raises(ValidationError) as error:
        service.record_signature(item, parties[0], TIAOJIE, signed_on=signed_on, **kwargs)
    assert field in error.value.field_errors
    assert driver.refresh(case).version == version  # nothing written


def test_no_signature_before_a_draft_and_no_refusal_when_all_signed(driver: Driver) -> None:
    _case, item, service, parties = _ready(driver)
    with pytest.raises(ValidationError):
        service.record_signature(item, parties[0], TIAOJIE, signed=True, signed_on=_today(driver))
    service.save_agreement_draft(item, TERMS, TIAOJIE)
    for party in parties:
        service.record_signature(item, party, TIAOJIE, signed=True, signed_on=_today(driver))
    with pytest.raises(ValidationError) as error:
        service.record_no_agreement(item, "不想要这个协议了", TIAOJIE)
    assert "均已签字" in error.value.field_errors["reason"]


def test_an_older_page_is_a_conflict(driver: Driver) -> None:
    case, item, service, parties = _ready(driver)
    version = driver.refresh(case).version
    service.save_agreement_draft(item, TERMS, TIAOJIE, expected_version=version)
    with pytest.raises(ConflictError):
        service.record_signature(item, parties[0], TIAOJIE, signed=True, signed_on=_today(driver),
                                 expected_version=version)


def test_the_signed_scan_is_attached_as_evidence_in_the_chain(driver: Driver, db: Database, tmp_path) -> None:  # type: ignore[no-untyped-def]
    case, item, service, parties = _ready(driver)
    evidence = EvidenceService(db, EvidenceStore(tmp_path), driver.clock)
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "white").save(buffer, "JPEG")
    buffer.seek(0)
    stored = evidence.receive(buffer)
    service.save_agreement_draft(item, TERMS, TIAOJIE)
    service.record_signature(item, parties[0], TIAOJIE, signed=True, signed_on=_today(driver),
                             scan_sha256=stored.sha256)
    with db.reading() as s:
        attachment = s.scalars(select(Attachment).where(Attachment.case_id == case.id)).one()
        row = s.scalars(select(AgreementConfirmation)).one()
        assert verify_case(s, s.get(Case, case.id)).ok
    assert attachment.purpose == "agreement" and row.scan_sha256 == stored.sha256
    assert [v.purpose for v in evidence.gallery(case.tracking_code, TIAOJIE)] == ["agreement"]
