"""Joint meetings (联席会议) in the record: a sitting whose resolutions link to cases is committed by those cases'
chains (row format 4); every sitting, linked or not, is a leaf of the global Merkle log each time it changes.
Each tamper edits rows with raw SQL, as an insider with database access would, and verify names it."""
from __future__ import annotations

import json
import re
from datetime import date

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from engine import CaseService
from engine.audit.log_records import record_problems
from engine.cli import main
from engine.clock import FixedClock
from engine.db import Database
from engine.demo.driver import Driver
from engine.joint.service import JointService
from tests.engine import helpers_tamper as tamper
from tests.engine.test_joint_meetings import CHAIR, _sitting, committee, joint  # noqa: F401  (fixtures)

Committee = tuple[int, dict[str, int]]


def _problems(db: Database) -> list[str]:
    with db.reading() as s:
        return record_problems(s)


def _linked(joint: JointService, clock: FixedClock, committee: Committee,  # noqa: F811
            driver: Driver) -> tuple[int, int]:
    committee_id, units = committee
    case = driver.report("小区东门停车乱象", "停车交通")
    meeting_id = _sitting(joint, clock, committee_id, clock.now(), [units["城管中队"], units["幸福里物业"]],
                          resolutions=f"东门划定临时停车位 | 幸福里物业 | 2026-03-31 | {case.tracking_code}",
                          minutes="钱经理汇报东门停车情况。")
    return case.id, meeting_id


def _committing_seq(service: CaseService, case_id: int, key: str) -> int:
    return max(e.seq for e in service.events(case_id) if f'"{key}"' in e.payload)


def _first(db: Database, table: str, meeting_id: int) -> int:
    with db.engine.connect() as conn:
        return conn.execute(text(f"SELECT min(id) FROM {table} WHERE meeting_id = :m"), {"m": meeting_id}).scalar_one()


def test_a_linked_sitting_is_committed_by_its_case_and_logged(
        db: Database, joint: JointService, clock: FixedClock, committee: Committee,  # noqa: F811
        driver: Driver, service: CaseService) -> None:
    case_id, meeting_id = _linked(joint, clock, committee, driver)
    joint.approve_minutes(meeting_id, CHAIR)
    rows: dict[str, object] = {}
    for event in service.events(case_id):
        rows.update(json.loads(event.payload).get("_rows", {}))
    assert f"joint_meeting/{meeting_id}" in rows
    assert sum(k.startswith("joint_attendance/") for k in rows) == 4
    assert sum(k.startswith("joint_resolution/") for k in rows) == 1
    assert "王队长" not in json.dumps(rows, ensure_ascii=False), "who attended is committed as a digest"
    assert all(c.ok for c in service.verify())
    assert _problems(db) == []


@pytest.mark.parametrize(("table", "column", "forged"), [
    ("joint_meeting", "minutes", "（已篡改）会议未达成一致"),
    ("joint_resolution", "text", "（已篡改）暂不处理"),
    ("joint_attendance", "present", False),
    ("joint_attendance", "attendee", "李某"),
])
def test_a_linked_sitting_edited_is_named_by_its_case_and_by_the_log(
        db: Database, joint: JointService, clock: FixedClock, committee: Committee,  # noqa: F811
        driver: Driver, service: CaseService, table: str, column: str, forged: object) -> None:
    case_id, meeting_id = _linked(joint, clock, committee, driver)
    row_id = meeting_id if table == "joint_meeting" else _first(db, table, meeting_id)
    if column == "attendee":
        with db.engine.connect() as conn:
            row_id = conn.execute(text("SELECT min(id) FROM joint_attendance WHERE meeting_id = :m AND present"),
                                  {"m": meeting_id}).scalar_one()
    seq = _committing_seq(service, case_id, f"{table}/{row_id}")
    tamper.set_row(db, table, row_id, **{column: forged})
    [result] = service.verify(case_id)
    assert not result.ok and result.bad_seq == seq, result
    assert re.search(rf"（{table} #{row_id}）的 {column} 与事件记录不符", result.problem or ""), result.problem
    assert any(f"联席会议 #{meeting_id}" in p and "已被改写" in p for p in _problems(db))


def test_a_sitting_of_no_case_is_covered_by_the_log(
        db: Database, joint: JointService, clock: FixedClock, committee: Committee,  # noqa: F811
        service: CaseService) -> None:
    committee_id, units = committee
    meeting_id = _sitting(joint, clock, committee_id, clock.now(), [units["城管中队"]],
                          resolutions="每周联合巡查一次｜城管中队｜2026-04-30", minutes="王队长同意联合巡查。")
    assert _problems(db) == []
    resolution = _first(db, "joint_resolution", meeting_id)
    tamper.set_row(db, "joint_resolution", resolution, deadline=date(2027, 4, 30))
    assert [p for p in _problems(db) if "联席会议" in p] == [
        f"联席会议 #{meeting_id}（联席会议）的会议、出席或决议记录已被改写"
        f"（与 Merkle 日志第 {_last_leaf(db, meeting_id)} 号叶子不符）"]
    cli = CliRunner().invoke(main, ["verify", "--db", db.url])
    assert cli.exit_code == 1 and f"联席会议 #{meeting_id}" in cli.output, cli.output
    tamper.set_row(db, "joint_resolution", resolution, deadline=date(2026, 4, 30))
    assert _problems(db) == [], "put back as it was, it verifies again"


def _last_leaf(db: Database, meeting_id: int) -> int:
    with db.engine.connect() as conn:
        return conn.execute(text("SELECT max(id) FROM merkle_leaf WHERE kind = 'joint' AND ref = :r"),
                            {"r": str(meeting_id)}).scalar_one()


def test_a_sitting_deleted_or_inserted_by_hand_is_named(
        db: Database, joint: JointService, clock: FixedClock, committee: Committee) -> None:  # noqa: F811
    committee_id, units = committee
    meeting_id = _sitting(joint, clock, committee_id, clock.now(), [units["城管中队"]], minutes="王队长出席。")
    _sitting(joint, clock, committee_id, clock.now(), [units["城管中队"]])  # so no id is reused below
    with db.engine.begin() as conn:
        for table in ("joint_resolution", "joint_attendance"):
            conn.execute(text(f"DELETE FROM {table} WHERE meeting_id = :m"), {"m": meeting_id})
        conn.execute(text("DELETE FROM joint_meeting WHERE id = :m"), {"m": meeting_id})
        conn.execute(text("INSERT INTO joint_meeting (committee_id, title, scheduled_for, status, created_at, "
                          "created_by) VALUES (:c, '补录的会议', :t, 'scheduled', :t, 'yishi')"),
                     {"c": committee_id, "t": clock.now().replace(tzinfo=None)})
    problems = [p for p in _problems(db) if "联席会议" in p]
    assert any(re.fullmatch(rf"联席会议 #{meeting_id} 已被删除（Merkle 日志第 \d+ 号叶子仍记录着它）", p) for p in problems)
    assert any(re.fullmatch(r"联席会议 #\d+（补录的会议）不在 Merkle 日志中（绕过程序插入）", p) for p in problems)
