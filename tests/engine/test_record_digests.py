"""Personal values in fact rows are committed as digests keyed by the case's data key (row format 3).

A party's phone committed as unsalted sha256 (format 2) falls to a brute force of eleven digits; from
format 3 the chain holds an HMAC under a key derived from the case's data key (engine/cases/row_digests.py),
which crypto-shredding deletes. Cases opened under format 2 keep verifying, and in both formats a value
edited with raw SQL is named by verify.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from engine import CaseService
from engine.cases import chain, record_rows
from engine.cases.row_digests import plain_digest
from engine.cases.models import Case
from engine.clock import FixedClock
from engine.db import Database
from engine.demo.driver import Driver
from engine.mediation.queries import parties_of, parties_text
from engine.people.actor import Actor
from engine.privacy.shredding import erase_case
from tests.engine import helpers_tamper as tamper

SCENARIO = "mediation_two_sessions_agreement_honoured"


def _mediation(driver: Driver) -> Case:
    from engine.demo.mediation_scenarios import MEDIATION_SCENARIOS

    return MEDIATION_SCENARIOS[SCENARIO][0](driver)


def _party(db: Database, case_id: int) -> dict[str, object]:
    with db.engine.connect() as conn:
        row = conn.execute(text("SELECT id, name, phone, address FROM mediation_party WHERE case_id = :c "
                                "AND phone IS NOT NULL ORDER BY id LIMIT 1"), {"c": case_id}).one()
    return dict(row._mapping)


def _committed(service: CaseService, case_id: int, key: str) -> tuple[int, dict[str, object]]:
    """(seq, values) of the last event committing to the row ``key``."""
    found = [(e.seq, json.loads(e.payload)["_rows"][key]) for e in service.events(case_id)
             if f'"{key}"' in e.payload]
    return found[-1]


def _named(service: CaseService, case_id: int, seq: int, problem: str) -> None:
    [result] = service.verify(case_id)
    assert not result.ok and result.bad_seq == seq, result
    assert re.search(problem, result.problem or ""), result.problem


@pytest.fixture
def format_2() -> Iterator[None]:
    """Cases opened inside are opened as before format 3 (their first event names format 2)."""
    saved = record_rows.ROWS_FORMAT, chain.ROWS_FORMAT
    record_rows.ROWS_FORMAT = chain.ROWS_FORMAT = 2
    yield
    record_rows.ROWS_FORMAT, chain.ROWS_FORMAT = saved


def test_a_partys_contact_is_committed_keyed_not_as_its_plain_sha256(
        db: Database, driver: Driver, service: CaseService) -> None:
    case = _mediation(driver)
    assert json.loads(service.events(case.id)[0].payload)["_rows_format"] == record_rows.ROWS_FORMAT >= 3
    party = _party(db, case.id)
    _seq, values = _committed(service, case.id, f"mediation_party/{party['id']}")
    for column in ("name", "phone", "address"):
        assert str(values[column]).startswith("hmac-sha256:"), values
        assert values[column] != plain_digest(str(party[column])), "a guess hashed with sha256 must not match"
        assert str(party[column]) not in json.dumps(values, ensure_ascii=False)
    assert all(c.ok for c in service.verify())


@pytest.mark.parametrize(("column", "forged"), [("phone", "13900000000"), ("name", "（已篡改）李某"),
                                                ("address", "东门 3 号楼")])
def test_a_contact_edited_with_raw_sql_is_named(db: Database, driver: Driver, service: CaseService,
                                                column: str, forged: str) -> None:
    case = _mediation(driver)
    party = _party(db, case.id)
    seq, _values = _committed(service, case.id, f"mediation_party/{party['id']}")
    tamper.set_row(db, "mediation_party", int(party["id"]), **{column: forged})  # type: ignore[call-overload]
    _named(service, case.id, seq, rf"调解当事人（mediation_party #{party['id']}）的 {column} 与事件记录不符："
                                  r"表中为 hmac-sha256:")


@pytest.mark.usefixtures("format_2")
def test_a_case_opened_under_format_2_keeps_its_sha256_digests_and_verifies(
        db: Database, driver: Driver, service: CaseService) -> None:
    case = _mediation(driver)
    assert json.loads(service.events(case.id)[0].payload)["_rows_format"] == 2
    party = _party(db, case.id)
    key = f"mediation_party/{party['id']}"
    seq, values = _committed(service, case.id, key)
    with db.reading() as s:
        clear = parties_text(s, parties_of(s, case.id))[int(party["id"])]  # type: ignore[call-overload]
    assert values["phone"] == plain_digest(str(clear.phone)), "the plaintext's digest, though the table holds a token"
    record_rows.ROWS_FORMAT = chain.ROWS_FORMAT = 3  # verified by today's code, which writes format 3
    assert all(c.ok for c in service.verify())
    tamper.set_row(db, "mediation_party", int(party["id"]), phone="13900000000")
    _named(service, case.id, seq, rf"mediation_party #{party['id']}）的 phone 与事件记录不符：表中为 sha256:")


def test_a_shredded_case_verifies_and_its_other_columns_are_still_compared(
        db: Database, driver: Driver, service: CaseService, clock: FixedClock) -> None:
    case = _mediation(driver)
    with db.transaction() as s:
        erase_case(s, s.get(Case, case.id), actor=Actor("admin", "admin"), at=clock.now(),  # type: ignore[arg-type]
                   reason="admin", detail="依申请删除")
    assert all(c.ok for c in service.verify()), "shredding changes nothing the chain commits to"
    party = _party(db, case.id)
    seq, values = _committed(service, case.id, f"mediation_party/{party['id']}")
    # The data key is gone: nobody can link the committed digests to a value any more, so they are not compared.
    tamper.set_row(db, "mediation_party", int(party["id"]), phone="13900000000")
    assert all(c.ok for c in service.verify(case.id))
    tamper.set_row(db, "mediation_party", int(party["id"]), party_role="third_party")
    _named(service, case.id, seq, rf"mediation_party #{party['id']}）的 party_role 与事件记录不符")


def test_a_deleted_data_key_is_named(db: Database, driver: Driver, service: CaseService) -> None:
    case = _mediation(driver)
    party = _party(db, case.id)
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM case_data_key WHERE case_id = :c"), {"c": case.id})
    [result] = service.verify(case.id)
    assert not result.ok
    assert re.search(r"mediation_party #\d+）的 \w+ 以本案数据密钥的摘要记录，但本案的数据密钥不存在", result.problem or ""), \
        result.problem
    assert party


def test_a_council_members_name_has_another_digest_in_each_case_on_the_agenda(
        driver: Driver, service: CaseService, clock: FixedClock) -> None:
    from datetime import timedelta

    from engine.council.service import CouncilService
    from engine.demo.council_scenarios import CHAIR, MEMBERS, issue_at_council

    council = CouncilService(service.db, clock, service.hooks)
    first, second = issue_at_council(driver, "东门乱停车"), issue_at_council(driver, "广场舞太吵")
    meeting_id = council.schedule_meeting(title="居民议事会", scheduled_for=clock.now() + timedelta(days=1),
                                          members=MEMBERS[:3], actor=CHAIR)
    names = []
    for case in (first, second):
        rows = json.loads(service.events(case.id)[-1].payload)["_rows"]
        assert f"council_meeting/{meeting_id}" in rows
        names.append(sorted(v["name"] for k, v in rows.items() if k.startswith("council_member/")))
    assert all(n.startswith("hmac-sha256:") for n in names[0] + names[1])
    assert set(names[0]).isdisjoint(names[1]), "each case's digests are keyed by its own data key"
    assert all(c.ok for c in service.verify())
