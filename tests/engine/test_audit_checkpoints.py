"""Checkpoints are signed tree heads: the audit workspace's button and review, where the keys live, key rotation.

(The tamper classes against the Merkle log are in test_merkle_log.py.)
"""
from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import update

from engine.audit.heads import TreeHead
from engine.audit.keys import AuditKeyError, environment_key
from engine.audit.keystore import keygen, read_ring
from engine.audit.service import AuditService
from engine.audit.signing import ED25519, SM2, KeyRing, generate
from engine.cases.models import Case
from engine.cli import main
from engine.clock import FixedClock
from engine.db import Database
from engine.demo.driver import Driver
from engine.people.actor import Actor
from tests.engine import helpers_tamper as tamper
from tests.fixtures.audit_cases import bystander, case  # noqa: F401  (fixtures)

KEY = generate(ED25519)
JIANDU = Actor("jiandu", "auditor")


@pytest.fixture
def audit(db: Database, clock: FixedClock) -> AuditService:
    return AuditService(db, clock, KEY, KeyRing.of([KEY.public_key]))


def test_signing_again_with_nothing_new_adds_no_head(audit: AuditService, case: Case) -> None:  # noqa: F811
    first = audit.checkpoint(by="test")
    assert first.created and first.checkpoint.events == first.checkpoint.changed > case.last_seq
    again = audit.checkpoint(by="test")
    assert not again.created and again.checkpoint.id == first.checkpoint.id
    assert audit.latest_checkpoint() == first.checkpoint


def test_the_review_names_a_signed_event_rewritten_with_its_chain(
        db: Database, audit: AuditService, case: Case) -> None:  # noqa: F811
    audit.checkpoint(by="test")
    tamper.edit_payload(db, case.id, 2, lambda p: p["data"].update(triage_note="已当场处理"))
    tamper.rechain(db, case.id)
    review = audit.review_checkpoints()
    assert any(f"案件 {case.tracking_code} 第 2 个事件已被改写" in p for p in review.problems)
    report = audit.verify_all(JIANDU)
    assert not report.ok


def test_a_head_edited_to_match_a_rewrite_fails_its_signature(
        db: Database, audit: AuditService, case: Case) -> None:  # noqa: F811
    audit.checkpoint(by="test")
    with tamper.as_owner(db) as conn:
        conn.execute(update(TreeHead.__table__).values(root="0" * 64))
    problems = audit.review_checkpoints().problems
    assert any("签名无效（树头被改写）" in p for p in problems)


def test_heads_of_an_sm2_key_verify_with_its_public_key(db: Database, clock: FixedClock, case: Case) -> None:  # noqa: F811
    key = generate(SM2)
    audit = AuditService(db, clock, key, KeyRing.of([key.public_key]))
    info = audit.checkpoint(by="test").checkpoint
    assert info.algorithm == "sm2-sm3" and info.key_id == key.key_id
    assert audit.review_checkpoints().problems == ()


def test_a_rotated_key_keeps_the_old_heads_verifiable(db: Database, clock: FixedClock, driver: Driver,
                                                      tmp_path: Path, case: Case) -> None:  # noqa: F811
    instance = tmp_path / "instance"
    ring = tmp_path / "public.json"
    old = keygen(instance, profile=ED25519, out=tmp_path / "k1.json", ring=ring, at=clock.now())
    AuditService(db, clock, old.key).checkpoint(by="test")
    new = keygen(instance, profile=ED25519, out=tmp_path / "k2.json", ring=ring, at=clock.now())
    assert new.ring == (old.key.key_id, new.key.key_id)
    driver.report("轮换密钥之后的报事", "环境卫生")
    AuditService(db, clock, new.key).checkpoint(by="test")
    review = AuditService(db, clock, None, read_ring([ring])).review_checkpoints()
    assert review.problems == () and review.notes == () and review.checkpoints == 2
    only_new = AuditService(db, clock, None, KeyRing.of([new.key.public_key])).review_checkpoints()
    assert only_new.problems == () and any(old.key.key_id in n for n in only_new.notes)


def test_keygen_writes_the_private_key_outside_the_instance_readable_by_the_owner_only(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASEGRID_INSTANCE", str(tmp_path / "instance"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    result = CliRunner().invoke(main, ["audit", "keygen"])
    assert result.exit_code == 0, result.output
    path = tmp_path / "config" / "casegrid" / "audit-signing-key.json"
    assert f"written to {path}" in result.output and "NOT in the database nor in the instance folder" in result.output
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    ring = json.loads((tmp_path / "instance" / "audit_public_keys.json").read_text())
    assert [k["profile"] for k in ring["keys"]] == ["ed25519-sha256"] and "private" not in json.dumps(ring)
    assert environment_key().key_id == ring["keys"][0]["key_id"]  # the default path is where it is looked for


def test_keygen_refuses_the_instance_folder_and_an_existing_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASEGRID_INSTANCE", str(tmp_path / "instance"))
    inside = CliRunner().invoke(main, ["audit", "keygen", "--out", str(tmp_path / "instance" / "key.json")])
    assert inside.exit_code == 1 and "私钥不能放在实例目录" in inside.output
    assert CliRunner().invoke(main, ["audit", "keygen", "--out", str(tmp_path / "k.json")]).exit_code == 0
    again = CliRunner().invoke(main, ["audit", "keygen", "--out", str(tmp_path / "k.json")])
    assert again.exit_code == 1 and "不会覆盖现有私钥" in again.output


def test_signing_without_a_configured_key_says_how_to_make_one(db: Database) -> None:
    with pytest.raises(AuditKeyError, match="casegrid audit keygen"):
        environment_key()
    result = CliRunner().invoke(main, ["audit", "head", "--db", db.url])
    assert result.exit_code == 1 and "casegrid audit keygen" in result.output
