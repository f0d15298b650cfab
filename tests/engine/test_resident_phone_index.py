"""Residents' app phones: stored sealed, found by a keyed blind index (engine/privacy/phone_index.py, migration 0036)."""
from __future__ import annotations

import base64
import hashlib
import os
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from engine.clock import FixedClock
from engine.db import Database
from engine.privacy import phone_index as index_module
from engine.privacy import masterkey
from engine.privacy.masterkey import MasterKeyError
from engine.privacy.phone_index import find_identity, identity_phone, open_phone, phone_index, phone_of, seal_phone
from engine.processes import default_hooks
from engine.public.resident_app import ResidentAppService
from engine.schema import alembic_config

PHONE = "13912345678"


def raw(db: Database, sql: str, **params: object) -> list[tuple]:
    with db.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql), params)]


def test_the_phone_is_ciphertext_and_still_found_by_its_index(db: Database, clock: FixedClock) -> None:
    app = ResidentAppService(db, clock, default_hooks())
    app.request_code(PHONE)
    app.request_code(PHONE.replace("139", "139 ", 1))  # the same number typed with a space: the same identity
    [(stored, index, handle)] = raw(db, "SELECT phone, phone_index, handle FROM resident_identity")
    assert PHONE not in stored and stored.startswith("rp1:")
    assert index != hashlib.sha256(PHONE.encode()).hexdigest() and PHONE not in index  # keyed, not a plain hash
    with db.reading() as s:
        identity = find_identity(s, PHONE)
        assert identity is not None and identity_phone(identity) == PHONE
        assert find_identity(s, "13912345679") is None
        [(code_id,)] = raw(db, "SELECT id FROM resident_code ORDER BY id DESC LIMIT 1")
        assert phone_of(s, f"verification:{code_id}") == PHONE  # the outbox still reaches the number


def test_a_sealed_phone_opens_only_for_its_own_identity_and_master_key(monkeypatch: pytest.MonkeyPatch) -> None:
    sealed = seal_phone(PHONE, "app:one")
    assert open_phone(sealed, "app:one") == PHONE
    with pytest.raises(MasterKeyError):
        open_phone(sealed, "app:two")  # moved to another identity's row
    monkeypatch.setenv("CASEGRID_DATA_MASTER_KEY", base64.b64encode(os.urandom(32)).decode())
    with pytest.raises(MasterKeyError, match="另一把"):
        open_phone(sealed, "app:one")


def test_the_index_depends_on_the_key_and_the_key_file_is_the_owners_only(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = phone_index(PHONE)
    monkeypatch.delenv("CASEGRID_PHONE_INDEX_KEY")
    monkeypatch.setenv("CASEGRID_INSTANCE", str(tmp_path / "instance"))
    made = phone_index(PHONE)
    path = tmp_path / "instance" / index_module.INDEX_FILE_NAME
    assert path.stat().st_mode & 0o777 == 0o600 and made != before
    masterkey._CACHE.clear()  # the keys kept outside the database are read once per process
    assert phone_index(PHONE) == made  # read back from the file
    monkeypatch.setenv("CASEGRID_PHONE_INDEX_KEY", str(tmp_path / "missing.key"))
    with pytest.raises(MasterKeyError, match="不存在"):
        phone_index(PHONE)


def test_migration_0036_seals_and_indexes_numbers_stored_in_clear_and_its_downgrade_opens_them(
        db: Database) -> None:
    from alembic import command

    config = alembic_config(db.engine)
    command.downgrade(config, "0035")  # as the table stood: the number in clear, unique
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO resident_identity (phone, handle, created_at) VALUES (:p, 'app:x', :at)"),
                     {"p": PHONE, "at": datetime(2026, 3, 2, 1, 0)})
    command.upgrade(config, "head")
    [(stored, index)] = raw(db, "SELECT phone, phone_index FROM resident_identity")
    assert stored.startswith("rp1:") and index == phone_index(PHONE)
    with db.reading() as s:
        identity = find_identity(s, PHONE)
        assert identity is not None and identity_phone(identity) == PHONE
    command.downgrade(config, "0035")
    assert raw(db, "SELECT phone FROM resident_identity") == [(PHONE,)]
    command.upgrade(config, "head")
