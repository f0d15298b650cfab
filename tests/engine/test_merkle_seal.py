"""An installation without a signing key still builds a complete Merkle log (issue 18, item 3).

On PostgreSQL a step that rolls back burns the leaf id it took from the sequence; until something fills
that hole, a deleted leaf looks the same as a rolled-back one and the review can only note it. The
background sweep's log stage fills the holes and marks how far the log is final — with a signed head
when there is a key, with a ``seal`` leaf when there is none (the demo has none) — so that below that
mark a hole is a deletion on either backend, and the first head signed once a key exists covers it all.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, select

from engine.audit.heads import review_log
from engine.audit.keystore import keygen
from engine.cases.leaves import MerkleLeaf, add_access_leaf
from engine.cli import main
from engine.clock import FixedClock
from engine.db import Database
from engine.demo.driver import Driver
from engine.sweep.cycle import CycleReport, run_cycle
from engine.sweep.stages import heads_stage
from tests.engine import helpers_tamper as tamper

LEAVES = MerkleLeaf.__table__


def burn_a_leaf_id(db: Database) -> None:
    """A step that fails after writing its leaf (on PostgreSQL its id stays taken)."""
    with pytest.raises(RuntimeError), db.transaction() as s:
        add_access_leaf(s, 999_999, "0" * 64)
        s.flush()
        raise RuntimeError("the step failed after writing its leaf")


def sweep(db: Database, clock: FixedClock, minutes: int = 11) -> CycleReport:
    clock.advance(minutes=minutes)
    report = run_cycle(db, clock, [heads_stage()], holder="test")
    assert report is not None and report.errors == {}, report
    return report


def leaves(db: Database) -> list[tuple[int, str]]:
    with db.reading() as s:
        return [(i, kind) for i, kind in s.execute(select(MerkleLeaf.id, MerkleLeaf.kind).order_by(MerkleLeaf.id))]


def verify(db: Database) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["verify", "--db", db.url])
    return result.exit_code, result.output


def pg(db: Database) -> bool:
    return db.engine.dialect.name == "postgresql"


def test_without_a_key_the_sweep_fills_the_holes_and_seals_the_log(
        db: Database, clock: FixedClock, driver: Driver) -> None:
    driver.report("楼道灯坏了", "公共设施")
    burn_a_leaf_id(db)
    driver.report("垃圾桶满了", "环境卫生")
    before = leaves(db)
    report = sweep(db, clock)
    after = leaves(db)
    assert report.stages["heads"] == {"signed": 0, "no_key": 1, "sealed": 1, "size": len(after),
                                      "gaps": 1 if pg(db) else 0}
    # every id up to the seal holds a leaf: the burned one a gap leaf, the last the seal itself
    assert [i for i, _ in after] == list(range(1, len(after) + 1))
    assert after[-1][1] == "seal"
    assert [kind for _, kind in after if kind == "gap"] == (["gap"] if pg(db) else [])
    assert len(after) == len(before) + 1 + (1 if pg(db) else 0)
    with db.reading() as s:
        review = review_log(s, None)
    assert review.ok and review.notes == [], review
    code, output = verify(db)
    assert code == 0, output


def test_a_sealed_log_is_not_sealed_again_until_it_grows(db: Database, clock: FixedClock, driver: Driver) -> None:
    driver.report("楼道灯坏了", "公共设施")
    assert sweep(db, clock).count("heads", "sealed") == 1
    driver.report("垃圾桶满了", "环境卫生")
    assert sweep(db, clock, minutes=3).stages["heads"] == {"signed": 0}  # not due yet: ten minutes apart
    assert sweep(db, clock, minutes=8).count("heads", "sealed") == 1
    sealed = leaves(db)
    assert sweep(db, clock).stages["heads"] == {"signed": 0}  # due, but nothing was appended since
    assert leaves(db) == sealed


def test_a_leaf_deleted_below_the_seal_is_a_deletion_even_without_a_key(
        db: Database, clock: FixedClock, driver: Driver) -> None:
    driver.report("楼道灯坏了", "公共设施")
    burn_a_leaf_id(db)
    driver.report("垃圾桶满了", "环境卫生")
    sweep(db, clock)
    with db.reading() as s:
        victim = s.scalar(select(MerkleLeaf.id).where(MerkleLeaf.kind == "event").order_by(MerkleLeaf.id).limit(1))
    with tamper.as_owner(db) as conn:
        conn.execute(delete(LEAVES).where(LEAVES.c.id == victim))
    code, output = verify(db)
    assert code == 1, output
    assert f"Merkle 日志第 {victim} 号叶子已被删除" in output


def test_a_hole_left_above_the_seal_is_a_note_until_the_next_seal_fills_it(
        db: Database, clock: FixedClock, driver: Driver) -> None:
    driver.report("楼道灯坏了", "公共设施")
    sweep(db, clock)
    driver.report("垃圾桶满了", "环境卫生")
    burn_a_leaf_id(db)
    driver.report("井盖松动", "安全隐患")
    with db.reading() as s:
        review = review_log(s, None)
    assert review.ok, review.problems  # SQLite: the rolled-back id is reused, no hole at all
    assert any("未使用" in note for note in review.notes) == pg(db)
    sweep(db, clock)
    with db.reading() as s:
        review = review_log(s, None)
    assert review.ok and review.notes == [], review


def test_a_key_configured_later_signs_every_sealed_leaf(
        db: Database, clock: FixedClock, driver: Driver, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    driver.report("楼道灯坏了", "公共设施")
    burn_a_leaf_id(db)
    sweep(db, clock)
    sealed = len(leaves(db))
    made = keygen(tmp_path / "instance", profile="ed25519-sha256", out=tmp_path / "operator" / "key.json",
                  ring=tmp_path / "auditor" / "public.json", at=clock.now())
    monkeypatch.setenv("CASEGRID_AUDIT_SIGNING_KEY", str(made.private_path))
    report = sweep(db, clock)  # the log did not grow since it was sealed: it still gets its first head
    assert report.stages["heads"] == {"signed": 1, "size": sealed, "gaps": 0}
    trusted = tmp_path / "auditor" / "trusted.json"
    result = CliRunner().invoke(main, ["audit", "check", "--trusted", str(trusted), "--public-key",
                                       str(made.ring_path), "--db", db.url])
    assert result.exit_code == 0, result.output
    assert json.loads(trusted.read_text())["head"]["size"] == sealed
