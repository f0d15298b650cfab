"""Files at the steps after the report: the diagram's ``file``/``photo`` fields (camunda:formData, with a
purpose and a min/max count) are checked by the engine, attached in the step's transaction with chained
events just before the step's own, and refused — with nothing attached — when they do not fit the field.

Runs with the local folder and the S3-compatible server, on SQLite and PostgreSQL."""
from __future__ import annotations

import io
import json

import pytest

from engine.bpmn.forms import FormField, FormSpec, validate_form
from engine.db import Database
from engine.demo.driver import Driver
from engine.errors import SpecError, ValidationError
from engine.evidence.service import EvidenceService
from engine.evidence.store import Store
from engine.specs.operations import publish
from engine.specs.registry import parsed_xml
from tests.conftest import START
from tests.fixtures import photos
from tests.fixtures.evidence_steps import at_completion, attachments
from tests.fixtures.process_versions import civic_loop, replace_once, versions_restored  # noqa: F401
from tests.fixtures.stores import evidence_store, s3_endpoint  # noqa: F401 (fixtures)


@pytest.fixture
def evidence(db: Database, clock, evidence_store: Store) -> EvidenceService:
    return EvidenceService(db, evidence_store, clock)


def test_the_department_completes_with_before_and_after_photos_and_a_pdf(driver: Driver, evidence: EvidenceService,
                                                                        db: Database) -> None:
    case = at_completion(driver)
    before = evidence.receive(io.BytesIO(photos.photo(colour="red", gps=True))).sha256
    after = evidence.receive(io.BytesIO(photos.photo(colour="green", gps=True))).sha256
    document = evidence.receive(io.BytesIO(photos.pdf())).sha256
    driver.do(case, "complete", completion_report="已更换灯泡，恢复照明", before_photos=[before],
              after_photos=[{"sha256": after, "purpose": "after"}], documents=[document])
    events = driver.service.events(case.id)
    attached = [e for e in events if e.type == "evidence_attached"]
    assert [(json.loads(e.payload)["purpose"], json.loads(e.payload)["sha256"]) for e in attached] == [
        ("before", before), ("after", after), ("document", document)]
    completed = next(e for e in events if e.type == "task_completed" and json.loads(e.payload)["bpmn_id"] == "complete")
    assert attached[-1].seq + 1 == completed.seq  # the files, then the step that brought them
    assert json.loads(completed.payload)["data"]["after_photos"] == [after]
    assert all(check.ok for check in driver.service.verify(case.id))
    assert evidence.check_files().problems == []
    public = [p.purpose_label for p in evidence.public_photos(case.tracking_code)]
    assert public == ["处置前", "处置后"]  # the PDF has no public copy; the tracking page shows the photos


@pytest.mark.parametrize("wrong", ["pdf in a photo field", "wrong purpose", "never received", "too many",
                                   "not a hash"])
def test_a_file_that_does_not_fit_the_field_is_refused_and_nothing_is_attached(
        driver: Driver, evidence: EvidenceService, db: Database, wrong: str) -> None:
    case = at_completion(driver)
    photo = evidence.receive(io.BytesIO(photos.photo())).sha256
    pdf = evidence.receive(io.BytesIO(photos.pdf())).sha256
    value, message = {
        "pdf in a photo field": ([pdf], "只能上传照片"),
        "wrong purpose": ([{"sha256": photo, "purpose": "agreement"}], "只能上传用途为“处置后”的文件"),
        "never received": (["ab" * 32], "未上传成功"),
        "too many": ([evidence.receive(io.BytesIO(photos.photo(colour=c))).sha256
                      for c in ("red", "blue", "green", "white", "black", "gray", "pink")], "最多 6 个文件"),
        "not a hash": (["../../etc/passwd"], "SHA-256"),
    }[wrong]
    version = driver.service.case(case.id).version
    with pytest.raises(ValidationError) as refused:
        driver.do(case, "complete", completion_report="已处理完毕", after_photos=value)
    assert message in refused.value.field_errors["after_photos"]
    assert attachments(db) == 0 and driver.service.case(case.id).version == version
    assert "complete" in driver.open_ids(case)


def test_a_diagram_can_require_an_after_photo(driver: Driver, evidence: EvidenceService, db: Database,
                                              versions_restored: None) -> None:  # noqa: F811
    required = replace_once(civic_loop(), '''<camunda:property id="purpose" value="after"/>
            </camunda:properties>
            <camunda:validation>
              <camunda:constraint name="max" config="6"/>''', '''<camunda:property id="purpose" value="after"/>
            </camunda:properties>
            <camunda:validation>
              <camunda:constraint name="min" config="1"/>
              <camunda:constraint name="max" config="2"/>''')
    with db.transaction() as s:
        publish(s, required, by="dudao", at=START, note="办结须附处置后照片")
    case = at_completion(driver)
    with pytest.raises(ValidationError) as refused:
        driver.do(case, "complete", completion_report="已处理完毕", evidence="见现场")
    assert refused.value.field_errors == {"after_photos": "请上传处置后照片（至少 1 个文件）"}
    after = evidence.receive(io.BytesIO(photos.photo())).sha256
    driver.do(case, "complete", completion_report="已处理完毕", after_photos=[after])
    assert attachments(db) == 1


def test_a_file_field_must_name_a_known_purpose_and_a_sane_count() -> None:
    bad = civic_loop().replace('<camunda:property id="purpose" value="minutes"/>', '<camunda:property id="purpose" value="selfie"/>')
    with pytest.raises(SpecError) as refused:
        parsed_xml(bad)
    assert any("deliberate: 表单字段 minutes 须用 camunda:property purpose 说明文件用途" in p
               for p in refused.value.problems)
    form = FormSpec("t", (FormField("f", "照片", "photo", purpose="after", minimum=2, maximum=3),))
    with pytest.raises(ValidationError, match="表单填写有误") as short:
        validate_form(form, {"f": ["ab" * 32]})
    assert short.value.field_errors == {"f": "照片至少需要 2 个文件"}


def test_mediation_session_files_and_the_signed_agreement_scan(driver: Driver, db: Database,
                                                               evidence: EvidenceService) -> None:
    from engine.calendar.workdays import china_date
    from engine.demo import mediation_scenarios as ms

    with db.transaction() as s:
        ms.seed_mediators(s)
    case = ms.register(driver)
    ms.assign_and_accept(driver, case)
    ms.everyone_agrees(driver, case)
    notes = evidence.receive(io.BytesIO(photos.photo(colour="white"))).sha256
    ms.do(driver, case, "hold_session", session_date=ms._today(driver), attendees="双方当事人、调解员",
          session_notes="双方同意按维修费赔偿", session_result="agreement", session_files=[notes])
    scan = evidence.receive(io.BytesIO(photos.pdf())).sha256
    item_id, actor = ms._mediator(driver, case, "draft_agreement")
    service = ms.mediation(driver)
    service.save_agreement_draft(item_id, "赔偿维修费 3000 元", actor)
    first = service.mediation_page(case.tracking_code, actor).parties[0]
    service.record_signature(item_id, first.id, actor, signed=True, signed_on=china_date(driver.clock.now()),
                             scan_sha256=scan)
    gallery = evidence.gallery(case.tracking_code, actor)
    assert [(v.purpose, v.sha256) for v in gallery] == [("session", notes), ("agreement", scan)]
    assert evidence.public_photos(case.tracking_code) == []  # a mediation's files never reach a public page
    assert all(check.ok for check in driver.service.verify(case.id))
