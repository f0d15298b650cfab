"""The minutes of a council sitting as evidence (issue 17): scans and photos received by the evidence service,
attached with purpose ``minutes`` to each case decided at the sitting, in the sitting's (or the later upload's)
one transaction with their chained events — and nothing written when anything is refused."""
from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine import CaseService
from engine.cases.events import CaseEvent
from engine.council.meetings import ItemDecision
from engine.council.models import CouncilMeeting
from engine.council.service import CouncilService
from engine.db import Database
from engine.demo.council_scenarios import CHAIR, MEMBERS, everyone, issue_at_council
from engine.demo.driver import Driver
from engine.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from engine.evidence.models import Attachment
from engine.evidence.service import EvidenceService
from engine.evidence.store import EvidenceStore
from engine.people.actor import Actor
from tests.fixtures import photos

DEADLINE = "2026-04-30"
GRID_WORKER = Actor("wangge", "grid_worker", grid_code="XF-01")


@pytest.fixture
def council(service: CaseService, clock) -> CouncilService:
    return CouncilService(service.db, clock, service.hooks)


@pytest.fixture
def evidence(db: Database, clock, tmp_path: Path) -> EvidenceService:
    return EvidenceService(db, EvidenceStore(tmp_path / "evidence"), clock)


def _two_issues_at_a_meeting(driver: Driver, council: CouncilService, clock):
    cases = [issue_at_council(driver, "东门乱停车"), issue_at_council(driver, "广场舞太吵")]
    meeting_id = council.schedule_meeting(title="居民议事会", scheduled_for=clock.now() + timedelta(days=1),
                                          members=MEMBERS[:5], actor=CHAIR)
    return cases, council.meeting(meeting_id, CHAIR)


def _decisions(page) -> tuple[list[int], dict[int, ItemDecision]]:
    present = [m.id for m in page.members]
    return present, {
        page.agenda[0].id: ItemDecision("adopt", everyone(present, "for"), responsible_department="chengguan",
                                        deadline=DEADLINE, resolution_text="施划禁停线"),
        page.agenda[1].id: ItemDecision("reject", everyone(present, "against"), reason="不属于社区议事范围")}


def _minutes_events(service: CaseService, code: str) -> list[dict]:
    return [json.loads(e.payload) for e in service.events(code) if e.type == "evidence_attached"]


def _count(db: Database, model) -> int:
    with db.reading() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_minutes_recorded_with_the_sitting_go_into_each_decided_case_with_the_sitting_named(
        driver: Driver, council: CouncilService, evidence: EvidenceService, service: CaseService) -> None:
    cases, page = _two_issues_at_a_meeting(driver, council, driver.clock)
    scan = evidence.receive(io.BytesIO(photos.pdf())).sha256
    photo = evidence.receive(io.BytesIO(photos.heic(gps=True))).sha256
    present, decisions = _decisions(page)
    council.record_sitting(page.id, present=present, decisions=decisions, actor=CHAIR, minutes="议定两项",
                           minutes_files=[scan, photo, scan])
    for case in cases:
        events = [e for e in service.events(case.tracking_code)]
        attached = [json.loads(e.payload) for e in events if e.type == "evidence_attached"]
        assert [(a["sha256"], a["purpose"], a["council_meeting"]) for a in attached] == [
            (scan, "minutes", page.id), (photo, "minutes", page.id)]
        assert attached[1]["media_type"] == "image/heic" and attached[1]["public_sha256"]
        assert [e.type for e in events[-2:]] == ["evidence_attached"] * 2  # after the item's own step
        assert all(check.ok for check in service.verify(case.tracking_code))
        gallery = evidence.gallery(case.tracking_code, CHAIR)
        assert [(v.sha256, v.purpose_label) for v in gallery] == [(scan, "会议记录"), (photo, "会议记录")]
        assert evidence.public_photos(case.tracking_code) == []  # a sitting's files never go public
    held = council.meeting(page.id, CHAIR)
    assert [(f.sha256, f.media_type, f.tracking_codes) for f in held.files] == [
        (scan, "application/pdf", [c.tracking_code for c in cases]),
        (photo, "image/heic", [c.tracking_code for c in cases])]
    assert held.files[0].thumb_sha256 is None and held.files[1].thumb_sha256
    assert evidence.check_files().problems == []


def test_a_refused_sitting_attaches_no_minutes(driver: Driver, council: CouncilService, evidence: EvidenceService,
                                               db: Database) -> None:
    cases, page = _two_issues_at_a_meeting(driver, council, driver.clock)
    scan = evidence.receive(io.BytesIO(photos.pdf())).sha256
    present, decisions = _decisions(page)
    decisions[page.agenda[1].id] = ItemDecision("adopt", everyone(present, "for"))  # no department, no deadline
    events = _count(db, CaseEvent)
    with pytest.raises(ValidationError):
        council.record_sitting(page.id, present=present, decisions=decisions, actor=CHAIR, minutes_files=[scan])
    assert (_count(db, CaseEvent), _count(db, Attachment)) == (events, 0)
    assert council.meeting(page.id, CHAIR).status == "scheduled"


def test_a_file_never_received_or_over_the_case_limit_refuses_the_whole_sitting(
        driver: Driver, service: CaseService, evidence: EvidenceService, db: Database, clock) -> None:
    council = CouncilService(service.db, clock, service.hooks, max_files_per_case=1)
    cases, page = _two_issues_at_a_meeting(driver, council, clock)
    present, decisions = _decisions(page)
    events = _count(db, CaseEvent)
    with pytest.raises(ValidationError) as refused:
        council.record_sitting(page.id, present=present, decisions=decisions, actor=CHAIR,
                               minutes_files=["ab" * 32])
    assert "minutes_files" in refused.value.field_errors
    two = [evidence.receive(io.BytesIO(photos.photo(colour=c))).sha256 for c in ("red", "blue")]
    with pytest.raises(ValidationError, match="最多 1 个") as refused:
        council.record_sitting(page.id, present=present, decisions=decisions, actor=CHAIR, minutes_files=two)
    assert "minutes_files" in refused.value.field_errors
    assert (_count(db, CaseEvent), _count(db, Attachment)) == (events, 0)
    with db.reading() as s:
        assert s.get(CouncilMeeting, page.id).status == "scheduled"


def test_minutes_signed_after_the_sitting_are_added_once_by_the_council_only(
        driver: Driver, council: CouncilService, evidence: EvidenceService, service: CaseService, db: Database) -> None:
    cases, page = _two_issues_at_a_meeting(driver, council, driver.clock)
    scan = evidence.receive(io.BytesIO(photos.pdf())).sha256
    with pytest.raises(ConflictError):  # before the sitting: the files go with its record
        council.add_minutes(page.id, [scan], CHAIR)
    present, decisions = _decisions(page)
    council.record_sitting(page.id, present=present, decisions=decisions, actor=CHAIR)
    with pytest.raises(PermissionDenied):
        council.add_minutes(page.id, [scan], GRID_WORKER)
    with pytest.raises(NotFound):
        council.add_minutes(999_999, [scan], CHAIR)
    with pytest.raises(ValidationError) as refused:
        council.add_minutes(page.id, [], CHAIR)
    assert "minutes_files" in refused.value.field_errors
    assert _count(db, Attachment) == 0
    assert council.add_minutes(page.id, [scan], CHAIR) == 2
    with pytest.raises(ValidationError, match="已在本次会议"):
        council.add_minutes(page.id, [scan], CHAIR)
    photo = evidence.receive(io.BytesIO(photos.photo())).sha256
    assert council.add_minutes(page.id, [scan, photo], CHAIR) == 2  # only the new file is attached
    for case in cases:
        assert [(a["sha256"], a["council_meeting"]) for a in _minutes_events(service, case.tracking_code)] == [
            (scan, page.id), (photo, page.id)]
    assert [f.sha256 for f in council.meeting(page.id, CHAIR).files] == [scan, photo]


def test_an_issue_resolved_before_the_sitting_gets_no_minutes(driver: Driver, council: CouncilService,
                                                              evidence: EvidenceService, service: CaseService) -> None:
    cases, page = _two_issues_at_a_meeting(driver, council, driver.clock)
    driver.do(cases[1], "deliberate", decision="reject", votes_for=0, votes_against=5, votes_abstain=0,
              reason="居民撤回")
    present, decisions = _decisions(page)
    scan = evidence.receive(io.BytesIO(photos.pdf())).sha256
    council.record_sitting(page.id, present=present, decisions=decisions, actor=CHAIR, minutes_files=[scan])
    assert [a["sha256"] for a in _minutes_events(service, cases[0].tracking_code)] == [scan]
    assert _minutes_events(service, cases[1].tracking_code) == []
