"""Records that outlive the software (issue 18, item 7): snapshots of an older format load and verify.

``tests/fixtures/snapshots/format1_database.sql.gz`` is a database written by an earlier casegrid
(snapshot format 1, schema revision 0015; see ``make_format1_database.py`` beside it). Upgrading it
with ``casegrid init`` migrates the schema; its snapshots are migrated when loaded, so its open cases
go on, and ``verify`` still proves every case. SQLite only: the fixture is a SQLite dump.
"""
from __future__ import annotations

import gzip
import json
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from engine.bootstrap import init_database
from engine.bpmn.serializer import current_envelope, load_snapshot
from engine.bpmn.snapshot_migrations import SNAPSHOT_FORMAT, SnapshotFormatError
from engine.cases.models import Case
from engine.cli import main
from engine.clock import FixedClock, as_utc
from engine.db import Database
from engine.demo.driver import Driver
from engine import CaseService
from engine.specs.registry import process_of

FIXTURE = Path(__file__).parents[1] / "fixtures" / "snapshots" / "format1_database.sql.gz"


@pytest.fixture
def old_database(tmp_path: Path) -> str:
    """The format-1 database, restored from its dump and upgraded by ``casegrid init``."""
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        conn.executescript(gzip.decompress(FIXTURE.read_bytes()).decode("utf-8"))
    url = f"sqlite:///{path}"
    result = CliRunner().invoke(main, ["init", "--db", url])
    assert result.exit_code == 0, result.output
    return url


def _cases(db: Database) -> list[Case]:
    with db.reading() as s:
        return list(s.scalars(select(Case).order_by(Case.id)))


def _formats(db: Database) -> dict[str, int]:
    return {c.tracking_code: json.loads(c.snapshot)["format"] for c in _cases(db)}


def test_the_fixture_holds_format_1_snapshots_and_they_verify_after_the_upgrade(old_database: str) -> None:
    db, _ = init_database(old_database)
    service = CaseService(db)
    assert set(_formats(db).values()) == {1}
    checks = service.verify()
    assert len(checks) == 3 and all(c.ok for c in checks), checks
    cli = CliRunner().invoke(main, ["verify", "--db", old_database])
    assert cli.exit_code == 0 and "verified 3 cases" in cli.output, cli.output


def test_an_old_snapshot_loads_into_the_current_envelope(old_database: str) -> None:
    db, _ = init_database(old_database)
    case = next(c for c in _cases(db) if c.status == "open")
    with db.reading() as s:
        process = process_of(s, case.process_version_id)
    envelope = current_envelope(case.snapshot, process)
    assert (envelope["format"], envelope["process"]) == (SNAPSHOT_FORMAT, "civic_loop")
    workflow, issued, visited = load_snapshot(case.snapshot, process)
    assert issued == json.loads(case.snapshot)["ids_issued"] and "triage" in visited
    assert not workflow.is_completed()


def test_an_open_case_of_the_old_format_goes_on_to_the_end_in_the_current_one(old_database: str) -> None:
    db, _ = init_database(old_database)
    waiting = next(c for c in _cases(db) if c.status == "open" and c.phase == "assign")
    last_at = max(e.at for e in CaseService(db).events(waiting.id))
    clock = FixedClock(as_utc(last_at) + timedelta(hours=1))
    driver = Driver(CaseService(db, clock), clock)
    driver.do(waiting, "accept", accept_decision="accepted")
    assert json.loads(CaseService(db).case(waiting.id).snapshot)["format"] == SNAPSHOT_FORMAT
    driver.later(hours=2)
    driver.do(waiting, "on_site", on_site_note="已到现场核实")
    driver.later(hours=3)
    driver.do(waiting, "complete", completion_report="违章搭建已全部拆除", evidence="photo://done.jpg")
    driver.later(hours=1)
    driver.do(waiting, "rate", rating="satisfied")
    done = CaseService(db).case(waiting.id)
    assert (done.status, done.outcome) == ("closed", "resolved")
    assert _formats(db)[done.tracking_code] == SNAPSHOT_FORMAT and 1 in _formats(db).values()
    assert all(c.ok for c in CaseService(db).verify()), CaseService(db).verify()


def test_a_snapshot_of_an_unknown_format_is_refused_with_a_clear_message(old_database: str) -> None:
    db, _ = init_database(old_database)
    case = _cases(db)[0]
    with db.reading() as s:
        process = process_of(s, case.process_version_id)
    future = json.loads(case.snapshot)
    future["format"] = 99
    with pytest.raises(SnapshotFormatError, match="快照格式 99 无法迁移到当前格式"):
        load_snapshot(json.dumps(future), process)
