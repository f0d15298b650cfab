"""A mediation party's name, phone and address are ciphertext under the case's data key (issue 19), like the
reporter's contact: read back with raw SQL, gone after crypto-shredding, while the hash chain — which commits
them as digests of their plaintext (``clear=`` in engine/audit/fact_rows.py) — keeps verifying, for cases
opened under row format 2 or 3, before or after migration 0040."""
from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from engine import CaseService
from engine.cases import chain, record_rows
from engine.cases.models import Case
from engine.clock import FixedClock
from engine.db import Database
from engine.demo.driver import Driver
from engine.demo.mediation_scenarios import MEDIATION_SCENARIOS, mediation
from engine.mediation.queries import parties_of, parties_text
from engine.people.actor import Actor
from engine.privacy.keys import ERASED, is_token
from engine.privacy.shredding import erase_case
from engine.schema import alembic_config
from tests.engine import helpers_tamper as tamper

SCENARIO = "mediation_two_sessions_agreement_honoured"
TIAOJIE = Actor("tiaojie", "mediator")


def _mediation(driver: Driver) -> Case:
    return MEDIATION_SCENARIOS[SCENARIO][0](driver)


def _rows(db: Database, case_id: int) -> list[tuple[int, str, str | None, str | None]]:
    with db.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(  # type: ignore[misc]
            "SELECT id, name, phone, address FROM mediation_party WHERE case_id = :c ORDER BY id"), {"c": case_id})]


def _clear(db: Database, case_id: int) -> list[tuple[str, str | None, str | None]]:
    with db.reading() as s:
        rows = parties_of(s, case_id)
        found = parties_text(s, rows)
        return [(found[p.id].name, found[p.id].phone, found[p.id].address) for p in rows]


def _ok(service: CaseService, case_id: int) -> None:
    [result] = service.verify(case_id)
    assert result.ok, result.problem


@pytest.fixture(params=[2, 3], ids=["format2", "format3"])
def row_format(request: pytest.FixtureRequest) -> Iterator[int]:
    """Cases opened inside name this row format in their first event (today's code verifies both)."""
    saved = record_rows.ROWS_FORMAT, chain.ROWS_FORMAT
    if request.param == 2:
        record_rows.ROWS_FORMAT = chain.ROWS_FORMAT = 2
    yield request.param
    record_rows.ROWS_FORMAT, chain.ROWS_FORMAT = saved


def test_raw_sql_shows_ciphertext_and_the_parties_read_in_clear_through_the_key(
        db: Database, driver: Driver, service: CaseService, row_format: int) -> None:
    case = _mediation(driver)
    rows = _rows(db, case.id)
    assert rows and all(is_token(name) for _i, name, _p, _a in rows)
    assert all(v is None or is_token(v) for _i, _n, phone, address in rows for v in (phone, address))
    assert any(phone for _i, _n, phone, _a in rows)
    clear = _clear(db, case.id)
    assert any(name.startswith("王") for name, _p, _a in clear) and any(p == "13800001111" for _n, p, _a in clear)
    assert "13800001111" not in repr(rows)
    _ok(service, case.id)


def test_shredding_leaves_nothing_readable_and_the_case_still_verifies(
        db: Database, driver: Driver, service: CaseService, clock: FixedClock, row_format: int) -> None:
    case = _mediation(driver)
    before = _rows(db, case.id)
    with db.transaction() as s:
        erase_case(s, s.get(Case, case.id), actor=Actor("admin", "admin"), at=clock.now(),  # type: ignore[arg-type]
                   reason="admin", detail="依申请删除")
    assert _rows(db, case.id) == before, "the ciphertext stays; its key is gone"
    assert all(name == ERASED and phone in (None, ERASED) and address in (None, ERASED)
               for name, phone, address in _clear(db, case.id))
    _ok(service, case.id)
    page = mediation(driver).mediation_page(case.tracking_code, TIAOJIE)
    assert all(p.name == ERASED for p in page.parties)
    # The personal columns can no longer be compared; the others still are.
    party_id = before[0][0]
    tamper.set_row(db, "mediation_party", party_id, party_role="third_party")
    [result] = service.verify(case.id)
    assert not result.ok and f"mediation_party #{party_id}）的 party_role 与事件记录不符" in (result.problem or "")


@pytest.mark.parametrize("column", ["name", "phone"])
def test_an_edited_ciphertext_is_named_by_verify(db: Database, driver: Driver, service: CaseService,
                                                 row_format: int, column: str) -> None:
    case = _mediation(driver)
    party_id, name, phone, _address = next(r for r in _rows(db, case.id) if r[2])
    token = {"name": name, "phone": phone}[column]
    assert token is not None
    forged = token[:-6] + ("AAAA==" if not token.endswith("AAAA==") else "BBBB==")
    tamper.set_row(db, "mediation_party", party_id, **{column: forged})
    [result] = service.verify(case.id)
    assert not result.ok
    assert re.search(rf"调解当事人（mediation_party #{party_id}）的加密个人信息无法核对", result.problem or ""), result.problem
    # A token copied from another party of the same case decrypts, but to another value: named by its column.
    other = next(r for r in _rows(db, case.id) if r[0] != party_id)
    tamper.set_row(db, "mediation_party", party_id, name=other[1])
    if column == "name":
        [result] = service.verify(case.id)
        assert not result.ok and f"mediation_party #{party_id}）的 name 与事件记录不符" in (result.problem or "")


def test_a_case_opened_before_migration_0040_verifies_after_it(
        db: Database, driver: Driver, service: CaseService, clock: FixedClock, row_format: int) -> None:
    from alembic import command

    case = _mediation(driver)
    clear = _clear(db, case.id)
    _ok(service, case.id)
    config = alembic_config(db.engine)
    # As the database stood before: the parties in clear. Only SQL at that revision: the models are today's.
    command.downgrade(config, "0039")
    assert [r[1:] for r in _rows(db, case.id)] == clear
    with db.engine.begin() as conn:
        # A format-2 case opened before had no data key unless its reporter left a contact: the migration makes one.
        if row_format == 2:
            conn.execute(text("DELETE FROM case_data_key WHERE case_id = :c"), {"c": case.id})
    command.upgrade(config, "head")
    rows = _rows(db, case.id)
    assert all(is_token(name) for _i, name, _p, _a in rows)
    assert _clear(db, case.id) == clear
    _ok(service, case.id)


def test_a_case_shredded_before_migration_0040_has_its_clear_values_erased_by_it(
        db: Database, driver: Driver, service: CaseService, clock: FixedClock, row_format: int) -> None:
    from alembic import command

    case = _mediation(driver)
    clear = _clear(db, case.id)
    with db.transaction() as s:
        erase_case(s, s.get(Case, case.id), actor=Actor("admin", "admin"), at=clock.now(),  # type: ignore[arg-type]
                   reason="admin", detail="依申请删除")
    config = alembic_config(db.engine)
    # Shredded before 0040: its parties stayed in the table, in clear (written back with SQL at that revision,
    # whose tables today's models no longer match).
    command.downgrade(config, "0039")
    with db.engine.begin() as conn:
        for (party_id, *_), (name, phone, address) in zip(_rows(db, case.id), clear):
            conn.execute(text("UPDATE mediation_party SET name = :n, phone = :p, address = :a WHERE id = :i"),
                         {"n": name, "p": phone, "a": address, "i": party_id})
    assert [r[1:] for r in _rows(db, case.id)] == clear
    command.upgrade(config, "head")
    assert all(name == ERASED and phone in (None, ERASED) and address in (None, ERASED)
               for _i, name, phone, address in _rows(db, case.id))
    _ok(service, case.id)
