"""Witnesses outside the operator's control: RFC 3161 time-stamps from a real ``openssl ts`` authority and
auditors' cosignatures, made and checked through ``casegrid audit timestamp / cosign / check``."""
from __future__ import annotations

import base64
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select, update

from engine.audit.heads import TreeHead, TreeHeadWitness, head_dict
from engine.audit.keystore import keygen
from engine.cases.leaves import MerkleLeaf
from engine.audit.witness import head_digest
from engine.cli import main
from engine.clock import FixedClock
from engine.db import Database
from engine.demo.driver import Driver
from tests.fixtures.tsa import Tsa, tsa  # noqa: F401  (fixture)
from tests.engine import helpers_tamper as tamper

WITNESSES = TreeHeadWitness.__table__


@pytest.fixture
def signed(db: Database, clock: FixedClock, driver: Driver, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A case and one signed head; returns the operator's public key ring."""
    made = keygen(tmp_path / "instance", profile="ed25519-sha256", out=tmp_path / "operator" / "key.json",
                  ring=tmp_path / "auditor" / "operator.json", at=clock.now())
    monkeypatch.setenv("CASEGRID_AUDIT_SIGNING_KEY", str(made.private_path))
    driver.report("小区门口路灯不亮", "公共设施")
    assert run(["audit", "head", "--db", db.url]).exit_code == 0
    return made.ring_path


def run(args: list[str]) -> Result:
    return CliRunner().invoke(main, args)


def test_a_head_time_stamped_by_the_authority_checks_and_openssl_agrees(
        db: Database, signed: Path, tsa: Tsa, tmp_path: Path) -> None:  # noqa: F811
    stamped = run(["audit", "timestamp", "--tsa", tsa.url, "--db", db.url])
    assert stamped.exit_code == 0, stamped.output
    checked = run(["audit", "check", "--trusted", str(tmp_path / "t.json"), "--public-key", str(signed),
                   "--tsa-cert", str(tsa.cert), "--db", db.url])
    assert checked.exit_code == 0, checked.output
    assert "ok: 树头 #1 的 RFC 3161 时间戳有效" in checked.output
    # OpenSSL itself accepts the stored token for the head's digest, against the throwaway CA
    with db.reading() as s:
        token = s.scalar(select(TreeHeadWitness.value))
        head = head_dict(s.scalar(select(TreeHead)))
    (tmp_path / "token.tst").write_bytes(base64.b64decode(token or ""))
    verified = subprocess.run(["openssl", "ts", "-verify", "-digest", head_digest(head).hex(), "-in",
                               str(tmp_path / "token.tst"), "-token_in", "-CAfile", str(tsa.ca),
                               "-untrusted", str(tsa.cert)], capture_output=True, text=True)
    assert verified.returncode == 0 and "Verification: OK" in verified.stdout, verified.stderr


def test_a_time_stamp_moved_to_another_head_is_refused(
        db: Database, signed: Path, tsa: Tsa, driver: Driver, tmp_path: Path) -> None:  # noqa: F811
    assert run(["audit", "timestamp", "--tsa", tsa.url, "--db", db.url]).exit_code == 0
    driver.report("第二个树头之前", "环境卫生")
    assert run(["audit", "head", "--db", db.url]).exit_code == 0
    with tamper.as_owner(db) as conn:
        conn.execute(update(WITNESSES).values(head_id=2))
    checked = run(["audit", "check", "--trusted", str(tmp_path / "t.json"), "--public-key", str(signed),
                   "--tsa-cert", str(tsa.cert), "--db", db.url])
    assert checked.exit_code == 1
    assert "FAILED: 树头 #2 的时间戳无效：时间戳所盖的不是这个树头" in checked.output


def test_an_unreachable_authority_is_a_message_not_a_traceback(db: Database, signed: Path) -> None:
    result = run(["audit", "timestamp", "--tsa", "http://127.0.0.1:18399/none", "--db", db.url])
    assert result.exit_code == 1 and "无法连接时间戳服务" in result.output and "Traceback" not in result.output


def test_an_auditors_cosignature_checks_and_a_forged_one_is_named(
        db: Database, clock: FixedClock, signed: Path, tmp_path: Path) -> None:
    auditor = keygen(tmp_path / "instance", profile="ed25519-sha256", out=tmp_path / "auditor" / "own.json",
                     ring=tmp_path / "auditor" / "own_public.json", at=clock.now())
    cosigned = run(["audit", "cosign", "--key", str(auditor.private_path), "--public-key", str(signed),
                    "--db", db.url])
    assert cosigned.exit_code == 0, cosigned.output
    again = run(["audit", "cosign", "--key", str(auditor.private_path), "--public-key", str(signed),
                 "--db", db.url])
    assert again.exit_code == 1 and "已联署过" in again.output
    args = ["audit", "check", "--trusted", str(tmp_path / "t.json"), "--public-key", str(signed),
            "--cosigner-key", str(auditor.ring_path), "--db", db.url]
    checked = run(args)
    assert checked.exit_code == 0 and f"由审计方密钥 {auditor.key.key_id} 联署，签名有效" in checked.output
    with tamper.as_owner(db) as conn:  # the operator makes up a cosignature
        value = conn.execute(select(WITNESSES.c.value)).scalar_one()
        conn.execute(update(WITNESSES).values(value=value[:-4] + "0000"))
    forged = run(args)
    assert forged.exit_code == 1 and f"联署签名（{auditor.key.key_id}）无效" in forged.output


def test_cosigning_refuses_a_head_the_log_no_longer_matches(
        db: Database, clock: FixedClock, signed: Path, tmp_path: Path) -> None:
    auditor = keygen(tmp_path / "instance", profile="ed25519-sha256", out=tmp_path / "auditor" / "own.json",
                     ring=tmp_path / "auditor" / "own_public.json", at=clock.now())
    with tamper.as_owner(db) as conn:
        conn.execute(update(MerkleLeaf.__table__).where(MerkleLeaf.__table__.c.id == 1).values(entry_hash="e" * 64))
    result = run(["audit", "cosign", "--key", str(auditor.private_path), "--public-key", str(signed), "--db", db.url])
    assert result.exit_code == 1 and "与日志现状不符：不予联署" in result.output
