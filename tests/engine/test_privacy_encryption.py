"""Personal fields are ciphertext at rest, under a per-case data key wrapped by a master key outside the database
(issue 19): read back with raw SQL, as someone holding a copy of the database would."""
from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest
from sqlalchemy import text

from engine.audit.disclosure import unmask_reporter
from engine.civic.contact import contact_of
from engine.db import Database
from engine.demo.driver import Driver
from engine.people.actor import Actor
from engine.privacy import masterkey
from engine.privacy.catalogue import CATALOGUE, CORE, SENSITIVE, encrypted_fields
from engine.privacy.keys import DataKeyError, decrypt_field, is_token
from engine.privacy.masterkey import MasterKeyError
from engine.schema import alembic_config
from engine import CaseService

PHONE = "13812345678"
NAME = "王阿姨"
DUDAO = Actor("dudao", "supervisor")


def raw(db: Database, sql: str, **params: object) -> list[tuple]:
    with db.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql), params)]


def reported(driver: Driver) -> int:
    return driver.report("楼道灯坏了，晚上很黑", "公共设施", reporter_name=NAME, reporter_phone=PHONE).id


def test_the_catalogue_classifies_every_encrypted_field_and_names_real_columns(db: Database) -> None:
    tables = {t.name: t for t in __import__("engine.models", fromlist=["Base"]).Base.metadata.sorted_tables}
    for f in CATALOGUE:
        assert f.table in tables and f.column in tables[f.table].c, f.key
    assert {f.key for f in encrypted_fields()} >= {"reporter_contact.name", "reporter_contact.phone"}
    assert all(f.level in (SENSITIVE, CORE) for f in encrypted_fields())


def test_the_reporters_name_and_phone_are_ciphertext_in_the_database(db: Database, driver: Driver) -> None:
    case_id = reported(driver)
    [(name, phone)] = raw(db, "SELECT name, phone FROM reporter_contact WHERE case_id = :c", c=case_id)
    assert is_token(name) and is_token(phone)
    assert NAME not in name and PHONE not in phone and "138" not in phone
    dump = " ".join(str(v) for row in raw(db, "SELECT * FROM reporter_contact") for v in row)
    assert PHONE not in dump and NAME not in dump
    [(profile, wrapped, shredded)] = raw(db, "SELECT profile, wrapped, shredded_at FROM case_data_key "
                                             "WHERE case_id = :c", c=case_id)
    assert profile == "aes-256-gcm" and wrapped and shredded is None
    # …and nowhere in the event log (the chain commits to no contact)
    events = " ".join(p for (p,) in raw(db, "SELECT payload FROM case_event WHERE case_id = :c", c=case_id))
    assert PHONE not in events and NAME not in events


def test_the_supervisor_still_reads_them_after_a_logged_reason(db: Database, driver: Driver,
                                                               service: CaseService) -> None:
    case_id = reported(driver)
    code = service.case(case_id).tracking_code
    with db.transaction() as s:
        shown = unmask_reporter(s, code, DUDAO, "contact", "上门处理前需要约好时间，联系反映人", at=driver.clock.now())
    assert (shown.reporter_name, shown.reporter_phone) == (NAME, PHONE)


def test_each_case_has_its_own_key_and_a_token_moved_to_another_case_does_not_decrypt(
        db: Database, driver: Driver) -> None:
    first, second = reported(driver), reported(driver)
    wrapped = raw(db, "SELECT wrapped FROM case_data_key WHERE case_id IN (:a, :b)", a=first, b=second)
    assert len({w for (w,) in wrapped}) == 2
    [(token,)] = raw(db, "SELECT phone FROM reporter_contact WHERE case_id = :c", c=first)
    with db.reading() as s:
        from engine.cases.models import Case
        other = s.get(Case, second)
        assert other is not None
        with pytest.raises(DataKeyError, match="无法解密"):
            decrypt_field(s, other, token)


def test_a_token_edited_in_the_database_is_refused_not_misread(db: Database, driver: Driver) -> None:
    case_id = reported(driver)
    [(token,)] = raw(db, "SELECT phone FROM reporter_contact WHERE case_id = :c", c=case_id)
    body = bytearray(base64.b64decode(token.split(":", 2)[2]))
    body[-1] ^= 1
    forged = token.rsplit(":", 1)[0] + ":" + base64.b64encode(bytes(body)).decode()
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE reporter_contact SET phone = :p WHERE case_id = :c"), {"p": forged, "c": case_id})
    with db.reading() as s, pytest.raises(DataKeyError):
        from engine.cases.models import Case
        contact_of(s, s.get(Case, case_id))  # type: ignore[arg-type]


def test_without_the_right_master_key_nothing_is_readable(db: Database, driver: Driver,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    case_id = reported(driver)
    monkeypatch.setenv(masterkey.MASTER_KEY_ENV, base64.b64encode(os.urandom(32)).decode())
    with db.reading() as s, pytest.raises(MasterKeyError, match="数据主密钥.*不一致"):
        from engine.cases.models import Case
        contact_of(s, s.get(Case, case_id))  # type: ignore[arg-type]


def test_the_sm4_profile_encrypts_with_sm4_gcm(db: Database, driver: Driver, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASEGRID_DATA_PROFILE", "sm4-gcm")
    case_id = reported(driver)
    [(profile,)] = raw(db, "SELECT profile FROM case_data_key WHERE case_id = :c", c=case_id)
    [(phone,)] = raw(db, "SELECT phone FROM reporter_contact WHERE case_id = :c", c=case_id)
    assert profile == "sm4-gcm" and phone.startswith("cg1:S:")
    monkeypatch.delenv("CASEGRID_DATA_PROFILE")  # a key keeps its profile whatever is configured later
    with db.reading() as s:
        from engine.cases.models import Case
        contact = contact_of(s, s.get(Case, case_id))  # type: ignore[arg-type]
    assert contact is not None and (contact.name, contact.phone) == (NAME, PHONE)


def test_the_master_key_file_is_made_once_in_the_instance_folder_readable_by_its_owner_only(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(masterkey.MASTER_KEY_ENV)
    monkeypatch.setenv("CASEGRID_INSTANCE", str(tmp_path / "instance"))
    made = masterkey.master_key()
    path = tmp_path / "instance" / masterkey.MASTER_FILE_NAME
    assert path.stat().st_mode & 0o777 == 0o600
    masterkey._CACHE.clear()
    assert masterkey.master_key() == made
    monkeypatch.setenv(masterkey.MASTER_KEY_ENV, str(tmp_path / "missing.key"))
    with pytest.raises(MasterKeyError, match="不存在"):
        masterkey.master_key()
    monkeypatch.setenv(masterkey.MASTER_KEY_ENV, "not a key")
    with pytest.raises(MasterKeyError):
        masterkey.master_key()


def test_migration_0025_encrypts_contacts_stored_in_clear_and_its_downgrade_decrypts_them(
        db: Database, driver: Driver) -> None:
    from alembic import command

    case_id = reported(driver)
    config = alembic_config(db.engine)
    command.downgrade(config, "0024")  # as the database stood before: the contact in clear
    assert raw(db, "SELECT name, phone FROM reporter_contact WHERE case_id = :c", c=case_id) == [(NAME, PHONE)]
    command.upgrade(config, "head")
    [(name, phone)] = raw(db, "SELECT name, phone FROM reporter_contact WHERE case_id = :c", c=case_id)
    assert is_token(name) and is_token(phone)
    with db.reading() as s:
        from engine.cases.models import Case
        contact = contact_of(s, s.get(Case, case_id))  # type: ignore[arg-type]
    assert contact is not None and (contact.name, contact.phone) == (NAME, PHONE)
