"""Crypto-shredding (issue 19): deleting a case's data key erases its personal data everywhere, while the
case's chain, the Merkle log and its proofs, replay and exported bundles keep verifying; retention periods
end in a sweep with a dry run."""
from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from engine.audit.bundle import verify_bundle
from engine.audit.service import AuditService
from engine.audit.keystore import configured_private_key, read_ring
from engine.cases.models import Case
from engine.cli import main
from engine.clock import FixedClock
from engine.db import Database
from engine.demo.driver import Driver
from engine.errors import ConflictError, NotFound
from engine.people.actor import Actor
from engine.privacy.keys import ERASED, is_token
from engine.privacy.retention import RetentionPolicy, sweep_retention
from engine.privacy.shredding import erase_case
from engine import CaseService
from engine.sweep.cycle import run_cycle
from engine.sweep.stages import retention_stage
from tests.engine.test_merkle_log import check, ring, sign_head, trusted  # noqa: F401  (fixtures)

PHONE = "13812345678"
NAME = "王阿姨"
DUDAO = Actor("dudao", "supervisor")
JIANDU = Actor("jiandu", "auditor")
ADMIN = Actor("admin", "admin")


def closed_with_contact(driver: Driver, category: str = "环境卫生") -> Case:
    case = driver.report("垃圾桶满了没人清运", category, reporter_name=NAME,
                         reporter_phone=PHONE)
    driver.do(case, "triage", triage_decision="on_spot", triage_note="已联系保洁当场清运")
    driver.later(hours=3)
    driver.do(case, "rate", rating="satisfied", rating_comment="处理很快")
    closed = driver.service.case(case.id)
    assert closed.status == "closed"
    return closed


def raw(db: Database, sql: str, **params: object) -> list[tuple]:
    with db.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql), params)]


def erase(db: Database, case: Case, clock: FixedClock, reason: str = "admin") -> int:
    with db.transaction() as s:
        done = erase_case(s, s.get(Case, case.id), actor=ADMIN, at=clock.now(), reason=reason,  # type: ignore[arg-type]
                          detail="依申请删除（编号 2026-17）")
    return done.event_seq


def test_an_erased_case_reads_erased_everywhere_and_its_record_still_verifies(
        db: Database, driver: Driver, service: CaseService, clock: FixedClock, ring: Path,  # noqa: F811
        trusted: Path, tmp_path: Path) -> None:  # noqa: F811
    case = closed_with_contact(driver)
    bystander = closed_with_contact(driver)
    sign_head(db, clock)
    assert check(db, ring, trusted)[0] == 0
    audit = AuditService(db, clock, configured_private_key())
    before = audit.export(case.tracking_code, DUDAO, "移交区纪委核查本案办理情况").data
    [(token_before,)] = raw(db, "SELECT phone FROM reporter_contact WHERE case_id = :c", c=case.id)

    clock.advance(minutes=5)
    seq = erase(db, case, clock)

    # the key is gone; the ciphertext stays (the record may commit to it) and decrypts no more
    assert raw(db, "SELECT wrapped, shred_reason FROM case_data_key WHERE case_id = :c", c=case.id) == [(None, "admin")]
    [(token_after,)] = raw(db, "SELECT phone FROM reporter_contact WHERE case_id = :c", c=case.id)
    assert token_after == token_before and is_token(token_after)
    page = service.case_page(case.tracking_code, DUDAO)
    assert page.reporter is not None and page.reporter.erased and page.reporter.name == ERASED
    erased = next(e for e in page.timeline if e.seq == seq)
    assert erased.type == "personal_data_erased" and "管理员依规定删除" in (erased.reason or "")
    with pytest.raises(NotFound, match="已按规定删除"):
        with db.transaction() as s:
            from engine.audit.disclosure import unmask_reporter
            unmask_reporter(s, case.tracking_code, DUDAO, "contact", "上门处理前需要约好时间，联系反映人",
                            at=clock.now())
    with pytest.raises(ConflictError, match="已按规定删除"):
        erase(db, case, clock)

    # every chain, replay to the snapshot, the Merkle log under a new head, a new bundle: all verify
    assert all(c.ok for c in service.verify()), [c for c in service.verify() if not c.ok]
    assert audit.verify_all(JIANDU).ok
    replay = audit.replay(case.tracking_code, JIANDU)
    assert replay.failed_seq is None and replay.steps[-1].type == "personal_data_erased"
    sign_head(db, clock)
    code, output = check(db, ring, trusted)
    assert code == 0, output
    proof = tmp_path / "proof.json"
    made = CliRunner().invoke(main, ["audit", "prove", case.tracking_code, "--out", str(proof), "--db", db.url])
    assert made.exit_code == 0, made.output
    checked = CliRunner().invoke(main, ["audit", "verify-proof", str(proof), "--public-key", str(ring)])
    assert checked.exit_code == 0 and "verified" in checked.output, checked.output
    after = audit.export(case.tracking_code, DUDAO, "移交区纪委核查本案办理情况").data
    checked_bundle = verify_bundle(after, read_ring([ring]))
    assert checked_bundle.ok, checked_bundle.problems
    for bundle in (before, after):  # an export never carried the contact
        assert PHONE.encode() not in bundle and NAME.encode() not in bundle and NAME.encode("unicode_escape") not in bundle
        assert json.loads(bundle)["case"]["tracking_code"] == case.tracking_code
        assert token_before.encode() not in bundle
    # the bystander is untouched
    other = service.case_page(bystander.tracking_code, DUDAO)
    assert other.reporter is not None and not other.reporter.erased and other.reporter.phone == "138****5678"


def test_retention_dry_run_lists_and_the_run_erases_only_expired_cases(
        db: Database, driver: Driver, service: CaseService, clock: FixedClock) -> None:
    ordinary = closed_with_contact(driver)
    dispute = closed_with_contact(driver, "邻里纠纷")
    still_open = driver.report("路灯不亮", "公共设施", reporter_name="李先生", reporter_phone="13900000000")
    policy = RetentionPolicy.of({"default": 3, "category": {"邻里纠纷": 5}})

    assert sweep_retention(db, clock.now() + timedelta(days=365 * 3 - 2), policy=policy).due == []
    later = clock.now() + timedelta(days=365 * 3 + 2)
    dry = sweep_retention(db, later, policy=policy, dry_run=True)
    assert [d.tracking_code for d in dry.due] == [ordinary.tracking_code] and dry.erased == []
    assert dry.due[0].rule == "默认：结案后 3 年"
    assert raw(db, "SELECT wrapped IS NULL FROM case_data_key WHERE case_id = :c", c=ordinary.id) == [(False,)]

    run = sweep_retention(db, later, policy=policy)
    assert run.erased == [ordinary.tracking_code] and run.failed == {}
    assert sweep_retention(db, later, policy=policy).due == []  # erased once
    much_later = clock.now() + timedelta(days=365 * 5 + 3)
    assert [d.tracking_code for d in sweep_retention(db, much_later, policy=policy).due] == [dispute.tracking_code]
    with db.reading() as s:
        assert not any(c.tracking_code == still_open.tracking_code
                       for c in [s.get(Case, still_open.id)] if c is not None and c.status == "closed")
    assert all(c.ok for c in service.verify())


def test_the_sweep_stage_runs_the_retention_once_a_day(db: Database, driver: Driver, clock: FixedClock) -> None:
    case = closed_with_contact(driver)
    clock.advance(days=365 * 3 + 2)
    report = run_cycle(db, clock, [retention_stage()], holder="test")
    assert report is not None and report.errors == {} and report.count("retention", "erased") == 1, report
    assert raw(db, "SELECT shred_reason FROM case_data_key WHERE case_id = :c", c=case.id) == [("retention",)]
    closed_with_contact(driver)  # (closed now: not due for years)
    clock.advance(hours=1)
    report = run_cycle(db, clock, [retention_stage()], holder="test")
    assert report is not None and report.count("retention", "erased") == 0


def test_the_cli_dry_run_and_a_bad_configuration_is_a_message(db: Database, driver: Driver,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    case = closed_with_contact(driver)
    runner = CliRunner()
    result = runner.invoke(main, ["privacy", "retention", "--dry-run", "--db", db.url, "--clock-offset", "0d"])
    assert result.exit_code == 0 and case.tracking_code not in result.output, result.output
    monkeypatch.setenv("CASEGRID_RETENTION", '{"default": 1}')
    result = runner.invoke(main, ["privacy", "retention", "--dry-run", "--db", db.url, "--clock-offset", "800d"])
    assert result.exit_code == 0 and case.tracking_code in result.output and "默认：结案后 1 年" in result.output
    assert raw(db, "SELECT wrapped IS NULL FROM case_data_key WHERE case_id = :c", c=case.id) == [(False,)]
    monkeypatch.setenv("CASEGRID_RETENTION", '{"default": 0}')
    result = runner.invoke(main, ["privacy", "retention", "--db", db.url])
    assert result.exit_code != 0 and "保存期限" in result.output and "Traceback" not in result.output
    monkeypatch.delenv("CASEGRID_RETENTION")
    result = runner.invoke(main, ["privacy", "erase", case.tracking_code, "--detail", "本人来电申请删除", "--db", db.url])
    assert result.exit_code == 0 and "已按规定删除" in result.output, result.output
    result = runner.invoke(main, ["privacy", "erase", case.tracking_code, "--detail", "再来一次", "--db", db.url])
    assert result.exit_code != 0 and "已按规定删除" in result.output
