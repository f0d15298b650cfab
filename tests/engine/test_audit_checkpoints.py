"""Signed checkpoints catch what the hash chain alone cannot: a case's whole log rewritten consistently.

The tamperer here edits an event, recomputes every hash and the case's head, and replaces the
snapshot by the replay of the edited log — every check of ``casegrid verify`` then passes, unless
a checkpoint signed the case's head before the rewrite.
"""
from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, update

from engine.audit.checkpoints import AuditCheckpoint, CheckpointHead
from engine.audit.keys import AuditKeyError, SigningKey, configured_key, key_file
from engine.audit.service import AuditService
from engine.cases.models import Case
from engine.cli import main
from engine.clock import FixedClock
from engine.db import Database
from engine.demo.driver import Driver
from engine.demo.scenarios import SCENARIOS
from engine.people.actor import Actor
from engine.service import CaseService
from tests.engine import helpers_tamper as tamper

KEY = SigningKey(b"checkpoint-test-key-0001")
JIANDU = Actor("jiandu", "auditor")


@pytest.fixture
def audit(db: Database, clock: FixedClock) -> AuditService:
    return AuditService(db, clock, KEY)


@pytest.fixture
def bystander(driver: Driver) -> Case:
    return SCENARIOS["resolved_on_the_spot"][0](driver)


@pytest.fixture
def case(driver: Driver, service: CaseService, bystander: Case) -> Case:
    return service.case(SCENARIOS["adopted_assigned_and_satisfied"][0](driver).id)


def rating_seq(service: CaseService, case: Case) -> int:
    return next(e.seq for e in service.events(case.id)
                if e.type == "task_completed" and json.loads(e.payload)["bpmn_id"] == "rate")


def rewrite_whole_chain(db: Database, service: CaseService, case: Case, seq: int) -> None:
    """Edit event ``seq``, re-hash the chain from the start and store the replay of the edited log as snapshot."""
    tamper.edit_payload(db, case.id, seq, lambda p: p["data"].update(rating="basically"))
    tamper.rechain(db, case.id)
    forged = service.replay(case.id).snapshot()
    assert forged is not None
    tamper.edit_snapshot(db, case.id, lambda _old: forged)


def verify_cli(db: Database) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["verify", "--db", db.url])
    return result.exit_code, result.output


def test_a_consistently_rewritten_chain_passes_verification_without_a_checkpoint(
        db: Database, service: CaseService, case: Case) -> None:
    """Why checkpoints exist: chain, head and replay all agree with the forged log."""
    rewrite_whole_chain(db, service, case, rating_seq(service, case))
    assert all(c.ok for c in service.verify())


def test_a_chain_rewritten_after_a_checkpoint_is_caught_at_the_signed_head(
        db: Database, service: CaseService, audit: AuditService, case: Case, bystander: Case) -> None:
    audit.checkpoint(by="test")
    rewrite_whole_chain(db, service, case, rating_seq(service, case))

    failed = [c for c in service.verify() if not c.ok]
    assert [(c.case_id, c.bad_seq) for c in failed] == [(case.id, case.last_seq)]
    assert "签名检查点 #1" in (failed[0].problem or "") and "整体改写" in (failed[0].problem or "")

    report = audit.verify_all(JIANDU)
    assert not report.ok and report.failed == 1 and report.first_failure == failed[0]

    code, output = verify_cli(db)
    assert code == 1
    assert f"FAILED: case {case.tracking_code} (id {case.id}) at seq {case.last_seq}: 与签名检查点 #1" in output


def test_the_earliest_signed_head_that_no_longer_matches_is_named(
        db: Database, driver: Driver, service: CaseService, audit: AuditService) -> None:
    """Checkpoints after each step pin a rewrite down to the first signed head it changed."""
    case = driver.report("小区门口路灯不亮已一周", "公共设施")
    audit.checkpoint(by="test")
    driver.do(case, "triage", triage_decision="negotiate", triage_note="需协调")
    audit.checkpoint(by="test")
    driver.do(case, "deliberate", decision="reject", votes_for=1, votes_against=7, votes_abstain=1, reason="不具备条件")
    audit.checkpoint(by="test")
    tamper.edit_payload(db, case.id, 2, lambda p: p["data"].update(triage_note="已当场处理"))
    tamper.rechain(db, case.id)
    [check] = service.verify(case.id)
    assert (check.bad_seq, check.ok) == (2, False)
    assert "签名检查点 #2" in (check.problem or "")


def test_a_log_cut_short_with_its_head_moved_back_is_caught(
        db: Database, service: CaseService, audit: AuditService, case: Case) -> None:
    audit.checkpoint(by="test")
    last = case.last_seq
    tamper.delete_event(db, case.id, last)
    with db.engine.begin() as conn:
        head = conn.execute(tamper.EVENTS.select().where(tamper.EVENTS.c.case_id == case.id,
                                                         tamper.EVENTS.c.seq == last - 1)).one().hash
        conn.execute(update(tamper.CASES).where(tamper.CASES.c.id == case.id).values(last_seq=last - 1, head_hash=head))
    [check] = service.verify(case.id)
    assert check.bad_seq == last and "事件被删除" in (check.problem or "")


def test_signing_again_with_nothing_new_adds_no_checkpoint(audit: AuditService, case: Case) -> None:
    first = audit.checkpoint(by="test")
    again = audit.checkpoint(by="test")
    assert first.created and not again.created
    assert again.checkpoint.id == first.checkpoint.id
    assert (first.checkpoint.cases, first.checkpoint.changed) == (2, 2)


def test_a_new_checkpoint_signs_only_the_heads_that_moved(
        audit: AuditService, driver: Driver, case: Case, bystander: Case) -> None:
    audit.checkpoint(by="test")
    driver.report("楼道灯坏了")
    second = audit.checkpoint(by="test")
    assert second.created and second.checkpoint.changed == 1 and second.checkpoint.cases == 3


def test_signing_never_launders_a_rewritten_head(
        db: Database, service: CaseService, audit: AuditService, case: Case) -> None:
    audit.checkpoint(by="test")
    rewrite_whole_chain(db, service, case, rating_seq(service, case))
    assert not audit.checkpoint(by="test").created
    assert not service.verify(case.id)[0].ok


def test_a_signed_head_edited_to_match_the_rewrite_fails_its_signature(
        db: Database, service: CaseService, audit: AuditService, case: Case) -> None:
    audit.checkpoint(by="test")
    rewrite_whole_chain(db, service, case, rating_seq(service, case))
    forged = service.case(case.id).head_hash
    with db.engine.begin() as conn:
        conn.execute(update(CheckpointHead.__table__).where(CheckpointHead.__table__.c.case_uuid == case.uuid)
                     .values(hash=forged))
    assert service.verify(case.id)[0].ok  # the chain now agrees with the (forged) signed head …
    report = audit.verify_all(JIANDU)
    assert not report.ok  # … but not with the signatures
    assert any("链头签名无效" in p for p in report.checkpoints.problems)
    assert any("摘要不符" in p for p in report.checkpoints.problems)
    assert not audit.verify_case(case.tracking_code, JIANDU).ok


def test_a_checkpoint_removed_from_the_middle_breaks_the_checkpoint_chain(
        db: Database, driver: Driver, audit: AuditService, case: Case) -> None:
    audit.checkpoint(by="test")
    driver.report("楼道灯坏了")
    audit.checkpoint(by="test")
    driver.report("井盖缺失")
    audit.checkpoint(by="test")
    assert audit.review_checkpoints().problems == ()
    with db.engine.begin() as conn:
        conn.execute(delete(CheckpointHead.__table__).where(CheckpointHead.__table__.c.checkpoint_id == 2))
        conn.execute(delete(AuditCheckpoint.__table__).where(AuditCheckpoint.__table__.c.id == 2))
    problems = audit.review_checkpoints().problems
    assert any("检查点 #3" in p and "接不上" in p for p in problems), problems


def test_a_signed_case_deleted_from_the_database_is_reported(
        db: Database, audit: AuditService, driver: Driver) -> None:
    case = driver.report("楼道灯坏了")
    audit.checkpoint(by="test")
    with db.engine.begin() as conn:
        for table in ("work_item", "reporter_contact", "case_event"):
            conn.execute(delete(Case.metadata.tables[table]).where(Case.metadata.tables[table].c.case_id == case.id))
        conn.execute(delete(tamper.CASES).where(tamper.CASES.c.id == case.id))
    assert any("已不在数据库中" in p for p in audit.review_checkpoints().problems)


def test_checkpoints_signed_with_another_key_are_noted_not_failed(
        db: Database, clock: FixedClock, audit: AuditService, case: Case) -> None:
    audit.checkpoint(by="test")
    other = AuditService(db, clock, SigningKey(b"another-key-000000000"))
    review = other.review_checkpoints()
    assert review.problems == ()
    assert any("另一把密钥" in n for n in review.notes)


def test_casegrid_checkpoint_signs_and_verifies(db: Database, case: Case, tmp_path: Path) -> None:
    key = tmp_path / "audit_key"
    key.write_text("a-key-for-the-command-line")
    signed = CliRunner().invoke(main, ["checkpoint", "--db", db.url, "--key-file", str(key)])
    assert signed.exit_code == 0, signed.output
    assert "checkpoint #1: signed 2 head(s); 2 cases" in signed.output
    again = CliRunner().invoke(main, ["checkpoint", "--db", db.url, "--key-file", str(key)])
    assert "nothing new since checkpoint #1" in again.output
    checked = CliRunner().invoke(main, ["checkpoint", "--verify", "--db", db.url, "--key-file", str(key)])
    assert checked.exit_code == 0, checked.output
    assert "checkpoints verified: 1 checkpoints, 2 signed heads" in checked.output


def test_casegrid_checkpoint_verify_fails_on_a_forged_signature(db: Database, case: Case, tmp_path: Path) -> None:
    key = tmp_path / "audit_key"
    key.write_text("a-key-for-the-command-line")
    CliRunner().invoke(main, ["checkpoint", "--db", db.url, "--key-file", str(key)])
    with db.engine.begin() as conn:
        conn.execute(update(AuditCheckpoint.__table__).values(events=999))
    checked = CliRunner().invoke(main, ["checkpoint", "--verify", "--db", db.url, "--key-file", str(key)])
    assert checked.exit_code == 1
    assert "FAILED: 检查点 #1" in checked.output and "签名无效" in checked.output


# -- the key -------------------------------------------------------------------------------------


def test_the_key_file_is_created_on_first_use_readable_by_the_owner_only(tmp_path: Path) -> None:
    first = key_file(tmp_path / "instance")
    path = tmp_path / "instance" / "audit_key"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert key_file(tmp_path / "instance") == first
    assert len(first.key_id) == 16


def test_a_configured_key_wins_over_the_key_file(tmp_path: Path) -> None:
    key = configured_key("configured-secret-0123", tmp_path)
    assert key == SigningKey(b"configured-secret-0123")
    assert not (tmp_path / "audit_key").exists()


def test_a_key_that_is_too_short_is_refused(tmp_path: Path) -> None:
    with pytest.raises(AuditKeyError):
        configured_key("short", tmp_path)
