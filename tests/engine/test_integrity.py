"""Tampering with a case's record is detected (DESIGN.md §3 "Event log", "Replay").

Each test drives a case through the full civic loop, then changes the stored rows
directly with SQL — as someone with database access would; the application itself
never updates or deletes events — and checks that ``CaseService.verify`` names the
first bad event and that ``casegrid verify`` fails naming the case and that event.
A second, untouched case is always present and must keep verifying.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

import engine
import engine.cli
from engine.bpmn.serializer import canonical_json
from engine.cases.models import Case
from engine.cli import main
from engine.db import Database
from engine.demo.driver import Driver
from engine.demo.scenarios import SCENARIOS
from engine import CaseService
from tests.engine import helpers_tamper as tamper
from tests.fixtures.audit_cases import bystander, case  # noqa: F401  (fixtures)


def seq_of(service: CaseService, case: Case, event_type: str, bpmn_id: str | None = None) -> int:
    """The seq of the case's (only) event of this type (and task)."""
    [seq] = [e.seq for e in service.events(case.id)
             if e.type == event_type and (bpmn_id is None or json.loads(e.payload).get("bpmn_id") == bpmn_id)]
    return seq


VerifyCli = Callable[..., tuple[int, str]]


@pytest.fixture
def verify_cli(db: Database) -> VerifyCli:
    """``casegrid verify --db URL [ARGS]`` in-process → (exit code, output)."""

    def run(*args: str) -> tuple[int, str]:
        result = CliRunner().invoke(main, ["verify", "--db", db.url, *args])
        return result.exit_code, result.output

    return run


Detected = Callable[..., None]


@pytest.fixture
def detected(service: CaseService, verify_cli: VerifyCli, case: Case) -> Detected:
    """``detected(bad_seq, problem[, of=case])``: verify() fails that case alone, at ``bad_seq``, with a
    problem matching the regex ``problem``; ``casegrid verify`` exits 1 naming the case, the seq and the problem."""

    def check(bad_seq: int, problem: str, of: Case = case) -> None:
        [result] = service.verify(of.id)
        assert not result.ok
        assert (result.case_id, result.bad_seq) == (of.id, bad_seq), result
        assert re.search(problem, result.problem or ""), result.problem

        failed = [c for c in service.verify() if not c.ok]
        assert [c.case_id for c in failed] == [of.id], "only the tampered case may fail"

        code, output = verify_cli()
        assert code == 1, output
        assert f"FAILED: case {of.tracking_code} (id {of.id}) at seq {bad_seq}: {result.problem}" in output
        assert "more case" not in output

    return check


# -- the untouched record ----------------------------------------------------------


def test_untampered_cases_verify(service: CaseService, case: Case, bystander: Case) -> None:
    checks = service.verify()
    assert [c.case_id for c in checks] == [bystander.id, case.id]
    assert all(c.ok and c.bad_seq is None for c in checks), checks
    assert [c.events for c in checks] == [len(service.events(bystander.id)), len(service.events(case.id))]


def test_cli_verify_reports_cases_and_events_when_untampered(verify_cli: VerifyCli, service: CaseService, case: Case,
                                                            bystander: Case) -> None:
    events = len(service.events(case.id)) + len(service.events(bystander.id))
    code, output = verify_cli()
    assert code == 0, output
    assert f"verified 2 cases, {events} events" in output


def test_cli_verify_of_one_case_by_tracking_code(verify_cli: VerifyCli, service: CaseService, case: Case) -> None:
    code, output = verify_cli(case.tracking_code)
    assert code == 0, output
    assert f"verified 1 cases, {len(service.events(case.id))} events" in output


# -- edited events -----------------------------------------------------------------


def test_edited_payload_is_detected_at_that_event(
        db: Database, service: CaseService, case: Case, detected: Detected) -> None:
    seq = seq_of(service, case, "task_completed", "rate")
    tamper.edit_payload(db, case.id, seq, lambda p: p["data"].update(rating="dissatisfied"))
    detected(seq, "哈希不符")


def test_edited_domain_record_is_detected_at_that_event(
        db: Database, service: CaseService, case: Case, detected: Detected) -> None:
    seq = seq_of(service, case, "rating")
    tamper.edit_payload(db, case.id, seq, lambda p: p.update(value="dissatisfied"))
    detected(seq, "哈希不符")


def test_payload_rewritten_as_non_canonical_json_is_detected(
        db: Database, service: CaseService, case: Case, detected: Detected) -> None:
    """Same meaning, different bytes: the stored text is no longer the text that was hashed."""
    seq = seq_of(service, case, "task_completed", "deliberate")
    stored = next(e.payload for e in service.events(case.id) if e.seq == seq)
    tamper.set_raw_payload(db, case.id, seq, json.dumps(json.loads(stored), indent=1, ensure_ascii=False))
    detected(seq, "规范 JSON")


def test_edited_payload_with_its_hash_recomputed_breaks_the_next_link(
        db: Database, service: CaseService, case: Case, detected: Detected) -> None:
    seq = seq_of(service, case, "task_completed", "deliberate")
    tamper.edit_payload(db, case.id, seq, lambda p: p["data"].update(votes_for=9, votes_against=0), rehash=True)
    detected(seq + 1, "prev_hash")


def test_edited_payload_of_last_event_with_its_hash_recomputed_breaks_the_chain_head(
        db: Database, service: CaseService, case: Case, detected: Detected) -> None:
    seq = seq_of(service, case, "rating")
    assert seq == case.last_seq
    tamper.edit_payload(db, case.id, seq, lambda p: p.update(value="dissatisfied"), rehash=True)
    detected(seq, "链头不符")


def test_consistently_rechained_edit_is_caught_by_replay(
        db: Database, service: CaseService, case: Case, detected: Detected) -> None:
    """The attacker rewrites every hash and the case's head: the chain holds, but the workflow
    replayed from the edited log (rated dissatisfied → back to work) is not the stored one."""
    seq = seq_of(service, case, "task_completed", "rate")
    tamper.edit_payload(db, case.id, seq, lambda p: p["data"].update(rating="dissatisfied", rating_comment="没修好"))
    tamper.rechain(db, case.id)
    detected(seq, "与 Merkle 日志不符")  # the leaves written with the events still hold the old hashes
    tamper.releaf(db, case.id)  # … and once they are rewritten too (no head signed yet), replay still sees it
    detected(case.last_seq, "重放")


def test_changed_actor_is_detected_at_that_event(
        db: Database, service: CaseService, case: Case, detected: Detected) -> None:
    seq = seq_of(service, case, "task_completed", "complete")
    tamper.set_event_columns(db, case.id, seq, actor="zhujian")
    detected(seq, "哈希不符")


def test_changed_role_is_detected_at_that_event(
        db: Database, service: CaseService, case: Case, detected: Detected) -> None:
    seq = seq_of(service, case, "task_completed", "deliberate")
    tamper.set_event_columns(db, case.id, seq, role="supervisor")
    detected(seq, "哈希不符")


def test_backdated_event_is_detected_at_that_event(
        db: Database, service: CaseService, case: Case, detected: Detected) -> None:
    seq = seq_of(service, case, "task_completed", "complete")
    at = next(e.at for e in service.events(case.id) if e.seq == seq)
    tamper.set_event_columns(db, case.id, seq, at=at - timedelta(days=1))
    detected(seq, "哈希不符")


def test_payload_that_is_not_json_is_reported_not_crashed(
        db: Database, service: CaseService, case: Case, detected: Detected) -> None:
    seq = seq_of(service, case, "task_completed", "accept")
    tamper.set_raw_payload(db, case.id, seq, '{"bpmn_id":"accept",')
    detected(seq, "JSON")


def test_rechained_payload_that_cannot_be_replayed_is_reported_not_crashed(
        db: Database, service: CaseService, case: Case, detected: Detected) -> None:
    seq = seq_of(service, case, "task_completed", "accept")
    tamper.edit_payload(db, case.id, seq, lambda p: p.pop("task_id"))
    tamper.rechain(db, case.id)
    tamper.releaf(db, case.id)
    detected(seq, "重放失败")


# -- removed, reordered and added events ---------------------------------------------


def test_event_deleted_from_the_middle_is_detected_at_the_gap(
        db: Database, service: CaseService, case: Case, detected: Detected) -> None:
    seq = seq_of(service, case, "task_completed", "on_site")
    tamper.delete_event(db, case.id, seq)
    detected(seq, "序号不连续")


def test_last_event_deleted_is_detected_by_the_chain_head(
        db: Database, service: CaseService, case: Case, detected: Detected) -> None:
    tamper.delete_event(db, case.id, case.last_seq)
    detected(case.last_seq, "链头不符")


def test_two_events_with_swapped_seq_are_detected_at_the_first(
        db: Database, service: CaseService, case: Case, detected: Detected) -> None:
    first = seq_of(service, case, "task_completed", "accept")
    tamper.swap_seqs(db, case.id, first, first + 1)
    detected(first, "prev_hash")


def test_event_appended_behind_the_cases_back_is_detected_by_the_chain_head(
        db: Database, service: CaseService, case: Case, detected: Detected) -> None:
    """A forged extra event, correctly chained and hashed: the case row still says the log ended earlier."""
    last = service.events(case.id)[-1]
    tamper.append_event(db, case.id, type="rating", actor="system", role="system", at=last.at,
                        payload={"default": False, "value": "satisfied"})
    detected(last.seq + 1, "链头不符")


# -- the snapshot --------------------------------------------------------------------


def test_edited_snapshot_is_caught_by_replay(
        db: Database, service: CaseService, case: Case, detected: Detected) -> None:
    tamper.edit_snapshot(db, case.id, lambda s: s.replace('"rating":"satisfied"', '"rating":"dissatisfied"'))
    detected(case.last_seq, "快照")


def test_snapshot_of_an_open_case_edited_is_caught_by_replay(
        db: Database, driver: Driver, service: CaseService, detected: Detected) -> None:
    """Open cases too: the stored workflow data claims the council already adopted the matter."""
    waiting = service.case(SCENARIOS["waiting_for_council"][0](driver).id)

    def council_adopted(snapshot: str) -> str:
        doc = json.loads(snapshot)
        doc["workflow"]["data"]["decision"] = "adopt"
        return canonical_json(doc)

    tamper.edit_snapshot(db, waiting.id, council_adopted)
    detected(waiting.last_seq, "快照", of=waiting)


# -- the code itself -----------------------------------------------------------------


_EVENT_WRITES = [
    re.compile(r"\bupdate\(\s*CaseEvent\b"),
    re.compile(r"\bdelete\(\s*CaseEvent\b"),
    re.compile(r"\bsession\.delete\("),
    re.compile(r"\bquery\(\s*CaseEvent\b[^\n]*\.(update|delete)\("),
    re.compile(r"\b(UPDATE|DELETE\s+FROM|TRUNCATE)\s+\W?case_event\b", re.IGNORECASE),
]


def test_no_engine_code_updates_or_deletes_events() -> None:
    root = Path(engine.__file__).parent
    sources = sorted(root.rglob("*.py"))
    assert len(sources) > 20, "engine sources not found"
    offending = [f"{path.relative_to(root.parent)}:{n}: {line.strip()}"
                 for path in sources
                 for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
                 if any(p.search(line) for p in _EVENT_WRITES)]
    assert offending == []
