"""An exported case verifies from the file alone, on a machine without the database, and not after any change."""
from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from engine import CaseService
from engine.audit.access_log import AccessLogEntry
from engine.audit.bundle import FORMAT, verify_bundle
from engine.audit.keystore import read_ring
from engine.audit.signing import ED25519, KeyRing, generate, private_key_text, ring_text
from engine.audit.service import AuditService
from engine.calendar.store import enter_days
from engine.cases.models import Case
from engine.cli import main
from engine.clock import FixedClock
from engine.db import Database
from engine.demo.driver import Driver
from engine.demo.scenarios import SCENARIOS
from engine.people.actor import Actor
from engine.specs.service import ProcessService
from tests.fixtures.process_versions import civic_loop, versions_restored, with_accept_timer  # noqa: F401

#: The operator's signing key, and what an outsider is given: its public half only.
KEY = generate(ED25519)
RING = KeyRing.of([KEY.public_key])
JIANDU = Actor("jiandu", "auditor")


@pytest.fixture
def audit(db: Database, clock: FixedClock) -> AuditService:
    return AuditService(db, clock, KEY)


@pytest.fixture
def case(driver: Driver) -> Case:
    """Deadline missed, escalated, extended, done and rated: timers, records and deadlines in the log."""
    return driver.refresh(SCENARIOS["accept_deadline_missed_and_extended"][0](driver))


@pytest.fixture
def key_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clock: FixedClock) -> Path:
    """The operator's key (for casegrid export) and the public key file an outsider is given (returned)."""
    (tmp_path / "operator").mkdir()
    (tmp_path / "operator" / "key.json").write_text(private_key_text(KEY))
    monkeypatch.setenv("CASEGRID_AUDIT_SIGNING_KEY", str(tmp_path / "operator" / "key.json"))
    (tmp_path / "outsider").mkdir()
    (tmp_path / "outsider" / "public.json").write_text(ring_text([KEY.public_key]))
    return tmp_path / "outsider" / "public.json"


def exported(audit: AuditService, case: Case) -> bytes:
    return audit.export(case.tracking_code, JIANDU, "外部审计抽查").data


def changed(data: bytes, old: str, new: str) -> bytes:
    """``data`` with the first ``old`` replaced by ``new`` (same length: one byte or a few changed)."""
    text = data.decode("utf-8")
    assert old in text, old
    return text.replace(old, new, 1).encode("utf-8")


def test_the_bundle_holds_the_diagram_events_head_snapshot_checkpoint_and_signature(
        audit: AuditService, case: Case) -> None:
    audit.checkpoint(by="test")
    bundle = json.loads(exported(audit, case))
    assert bundle["format"] == FORMAT
    assert bundle["case"]["tracking_code"] == case.tracking_code
    assert [s["key"] for s in bundle["specs"]] == ["civic_loop"] and "<bpmn:definitions" in bundle["specs"][0]["xml"]
    assert [e["seq"] for e in bundle["events"]] == list(range(1, len(bundle["events"]) + 1))
    assert set(bundle["events"][0]) == {"id", "seq", "type", "actor", "role", "at", "payload", "prev_hash", "hash"}
    assert bundle["chain_head"] == {"seq": len(bundle["events"]), "hash": bundle["events"][-1]["hash"]}
    proved = [leaf["seq"] for leaf in bundle["log"]["leaves"] if leaf["kind"] == "event"]
    assert proved == [e["seq"] for e in bundle["events"]] and bundle["log"]["head"]["signature"]
    assert all(leaf["proof"] for leaf in bundle["log"]["leaves"])
    assert bundle["signature"]["key_id"] == KEY.key_id and bundle["signature"]["algorithm"] == "ed25519-sha256"


def test_a_bundle_verifies_with_nothing_but_the_file_and_the_key(audit: AuditService, case: Case) -> None:
    audit.checkpoint(by="test")
    check = verify_bundle(exported(audit, case), RING)
    assert check.ok, check.problems
    assert check.tracking_code == case.tracking_code
    assert any("重放" in p and "快照一致" in p for p in check.passed)
    assert any("导出签名有效" in p for p in check.passed)
    assert any("经包含证明在树头 #1" in p and "树头签名有效" in p for p in check.passed)


def test_casegrid_verify_bundle_checks_the_file_on_a_clean_database(
        db: Database, audit: AuditService, case: Case, key_file: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Another machine: a fresh, empty database configured, the case's database nowhere to be seen."""
    path = tmp_path / "bundle.json"
    path.write_bytes(exported(audit, case))
    db.dispose()
    elsewhere = tmp_path / "elsewhere"
    monkeypatch.setenv("CASEGRID_DATABASE_URL", f"sqlite:///{elsewhere / 'casegrid.db'}")
    monkeypatch.setenv("CASEGRID_INSTANCE", str(elsewhere))
    monkeypatch.delenv("CASEGRID_AUDIT_SIGNING_KEY", raising=False)
    result = CliRunner().invoke(main, ["verify-bundle", str(path), "--public-key", str(key_file)])
    assert result.exit_code == 0, result.output
    assert f"bundle verified: case {case.tracking_code}, {case.last_seq} events" in result.output
    assert not elsewhere.exists(), "verify-bundle must not touch any database or create a key"
    # … and without the public key it will not say "verified", however intact the file is
    result = CliRunner().invoke(main, ["verify-bundle", str(path)])
    assert result.exit_code == 1
    assert "bundle verified" not in result.output and "NOT VERIFIED" in result.output
    assert "FAILED: 未提供公钥" in result.output


@pytest.mark.parametrize(("old", "new", "problem"), [
    ('\\"rating\\":\\"satisfied\\"', '\\"rating\\":\\"satisfiex\\"', "哈希不符"),
    ('\\"accept_decision\\":\\"accepted\\"', '\\"accept_decision\\":\\"acceptee\\"', "哈希不符"),
    ('\\"value\\":\\"satisfied\\"', '\\"value\\":\\"satisfiex\\"', "哈希不符"),
    ('"actor": "chengguan"', '"actor": "chengguam"', "哈希不符"),
    ('name=\\"签收交办\\"', 'name=\\"签收交理\\"', "sha256 不符"),
    ('\\"escalation_level\\":0', '\\"escalation_level\\":1', "快照不一致"),
])
def test_a_bundle_with_one_byte_changed_fails(audit: AuditService, case: Case, key_file: Path, tmp_path: Path,
                                              old: str, new: str, problem: str) -> None:
    path = tmp_path / "bundle.json"
    path.write_bytes(changed(exported(audit, case), old, new))
    result = CliRunner().invoke(main, ["verify-bundle", str(path), "--public-key", str(key_file)])
    assert result.exit_code == 1, result.output
    assert "FAILED: 导出签名不符：文件在导出后被改动" in result.output
    assert "FAILED: " in result.output and problem in result.output


def test_without_the_key_a_changed_event_still_fails_on_its_hash(audit: AuditService, case: Case) -> None:
    data = changed(exported(audit, case), '\\"rating\\":\\"satisfied\\"', '\\"rating\\":\\"satisfiex\\"')
    check = verify_bundle(data, None)
    assert not check.ok
    rate = next(e["seq"] for e in json.loads(data)["events"] if '"rating":"satisfiex"' in e["payload"])
    assert check.problems[0].startswith("未提供公钥")
    assert check.problems[1:] == [f"第 {rate} 个事件：哈希不符：事件内容被修改"]


def test_a_bundle_signed_by_another_key_is_not_verified(audit: AuditService, case: Case) -> None:
    other = KeyRing.of([generate(ED25519).public_key])
    check = verify_bundle(exported(audit, case), other)
    assert not check.ok and "不在给定的公钥中" in check.problems[0]


def test_an_event_removed_from_the_bundle_is_caught(audit: AuditService, case: Case) -> None:
    bundle = json.loads(exported(audit, case))
    del bundle["events"][3]
    check = verify_bundle(json.dumps(bundle).encode(), RING)
    assert check.problems[0].startswith("导出签名不符") and check.problems[1].startswith("第 4 个事件：序号不连续")


def test_a_file_that_is_not_a_bundle_is_refused_without_a_traceback(tmp_path: Path) -> None:
    for content in (b"\xff\xfe not json", b"[1, 2]", b'{"format": "casegrid-case-bundle/1", "case": {}}'):
        path = tmp_path / "x.json"
        path.write_bytes(content)
        result = CliRunner().invoke(main, ["verify-bundle", str(path)])
        assert result.exit_code == 1, result.output
        assert "FAILED:" in result.output and "Traceback" not in result.output


def test_the_calendar_the_deadlines_used_travels_with_the_bundle(
        db: Database, clock: FixedClock, driver: Driver, audit: AuditService) -> None:
    """A day declared a holiday moves the acceptance deadline; replay from the bundle needs that row."""
    with db.transaction() as s:
        enter_days(s, [(date(2026, 3, 3), False, "临时调休")], by="admin",
                   at=datetime(2026, 3, 1, tzinfo=UTC))
    case = SCENARIOS["waiting_for_department"][0](driver)
    bundle = json.loads(exported(audit, case))
    assert [d["day"] for d in bundle["calendar_days"]] == ["2026-03-03"]
    assert verify_bundle(json.dumps(bundle).encode(), RING).ok
    bundle["calendar_days"] = []
    check = verify_bundle(json.dumps(bundle).encode(), RING)
    # Each step commits to a digest of the calendar days it used: replay names the calendar, not just the snapshot.
    assert not check.ok and "工作日历与日历表不符" in check.problems[-1]


def test_every_export_is_written_to_the_access_log(db: Database, audit: AuditService, case: Case) -> None:
    exported(audit, case)
    with db.reading() as s:
        [entry] = s.query(AccessLogEntry).all()
    assert (entry.username, entry.role, entry.kind, entry.case_id, entry.what, entry.reason) == \
        ("jiandu", "auditor", "export", case.id, "bundle", "外部审计抽查")


def test_casegrid_export_writes_a_bundle_that_verifies_and_logs_the_operator(
        db: Database, case: Case, key_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "case.json"
    result = CliRunner().invoke(main, ["export", case.tracking_code, "--out", str(out), "--db", db.url,
                                       "--reason", "移交区级审计"])
    assert result.exit_code == 0, result.output
    assert f"exported {case.tracking_code} to {out}" in result.output
    assert verify_bundle(out.read_bytes(), read_ring([key_file])).ok
    with db.reading() as s:
        [entry] = s.query(AccessLogEntry).all()
    assert entry.username.startswith("cli:") and entry.reason == "移交区级审计"


def test_casegrid_export_of_an_unknown_case_says_so(db: Database, tmp_path: Path, key_file: Path) -> None:
    result = CliRunner().invoke(main, ["export", "000000-XXXXXX", "--out", str(tmp_path / "x.json"), "--db", db.url])
    assert result.exit_code == 1
    assert "不存在" in result.output


def test_a_migrated_cases_bundle_carries_both_versions_and_verifies(
        db: Database, clock: FixedClock, driver: Driver, audit: AuditService, versions_restored: None) -> None:
    """A case moved to version 2 mid-way replays from version 1 and switches at ``spec_migrated``."""
    case = driver.report("路边违章搭建", "其他")  # at triage: a case in the departments' sub-process stays put
    processes = ProcessService(db, clock)
    [loop] = [p for p in processes.processes() if p.key == "civic_loop"]
    assert loop.current_id is not None
    draft = processes.save_draft(loop.current_id, with_accept_timer(civic_loop(), "workdays(2)"), by="dudao")
    v2 = processes.publish(draft.id, "签收时限改为两个工作日", by="dudao").id
    processes.migrate(loop.current_id, v2, Actor("dudao", "supervisor"))
    driver.do(case, "triage", triage_decision="dispatch", department="chengguan")
    driver.do(case, "accept", accept_decision="accepted")
    bundle = json.loads(exported(audit, case))
    assert [s["version"] for s in bundle["specs"]] == [1, 2]
    check = verify_bundle(json.dumps(bundle).encode(), RING)
    assert check.ok, check.problems


def test_a_case_on_a_supervisors_own_decision_table_verifies_from_the_file_with_the_version_it_was_pinned_to(
        audit: AuditService, db: Database, clock: FixedClock, service: CaseService) -> None:
    from engine.specs.decision_service import DecisionService
    from tests.engine.test_case_types import _grant_table, _graded_process

    tables = DecisionService(db, clock)
    first = tables.save_draft(_grant_table("high", "low"), by="dudao")
    tables.publish(first.id, by="dudao", note="补助等级")
    processes = ProcessService(db, clock, service.hooks)
    draft = processes.import_diagram(_graded_process("grant_level"), "graded_grant", "分级补助", by="dudao")
    processes.publish(draft.id, "分级", by="dudao")
    opened = service.start_case("graded_grant", {"title": "李某", "household_size": "4"},
                                Actor("wangge", "grid_worker", grid_code="G01"))
    # A later version of the table says otherwise: the file must carry, and replay with, the one the case used.
    second = tables.save_draft(_grant_table("low", "low"), by="dudao")
    tables.publish(second.id, by="dudao", note="改了")
    bundle = json.loads(audit.export(opened.tracking_code, JIANDU, "外部审计抽查").data)
    assert bundle["decisions"]["id"] == first.id and "grant_level" in bundle["decisions"]["xml"]
    check = verify_bundle(audit.export(opened.tracking_code, JIANDU, "外部审计抽查").data, RING)
    assert check.ok, check.problems
    assert any("快照一致" in p for p in check.passed)
    altered = changed(audit.export(opened.tracking_code, JIANDU, "外部审计抽查").data, '\\"high\\"', '\\"hig_\\"')
    assert not verify_bundle(altered, RING).ok
