"""A database that cannot store anything (read-only, disk full) is a 503 with a clear message, never a 500,
and nothing is half-written; pages that only read keep working.

The conditions are real, made by the database itself: SQLite opened read-only (``mode=ro``) or capped at
its current size (``PRAGMA max_page_count``, which fails writes with SQLITE_FULL exactly as a full disk
does), PostgreSQL sessions with ``default_transaction_read_only`` (what a standby or a read-only role gives).
"""
from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, func, select, text

from engine.cases.models import Case, WorkItem
from engine.clock import FixedClock
from engine.db import STORAGE_MESSAGE, Database
from engine.demo.driver import Driver
from engine.demo.organisation import DEMO_PASSWORD
from engine.models import Base
from engine import CaseService
from web import create_app

READ_ONLY, DISK_FULL = "read-only", "disk full"
#: Long enough that storing it needs new database pages (SQLite's overflow pages), so a capped file
#: cannot take it in the free space of a page it already has.
LONG_NOTE = "已联系保洁当场处理，" * 100  # the form's 1 000 characters: 3 KB in the event, 3 KB more in the snapshot


def _unwritable(db: Database, condition: str) -> Database:
    if not db.is_sqlite:
        if condition == DISK_FULL:
            pytest.skip("a full disk cannot be made for one PostgreSQL database; read-only stands for it")
        return Database(db.url, connect_args={"options": "-c default_transaction_read_only=on"})
    path = db.url.removeprefix("sqlite:///")
    if condition == READ_ONLY:
        return Database(f"sqlite:///file:{path}?mode=ro&uri=true")
    capped = Database(db.url)
    with db.reading() as s:
        pages = s.execute(text("PRAGMA page_count")).scalar()

    @event.listens_for(capped.engine, "connect")
    def _cap(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.execute(f"PRAGMA max_page_count = {pages}")

    return capped


@pytest.fixture(params=[READ_ONLY, DISK_FULL])
def unwritable(request: pytest.FixtureRequest, db: Database) -> Iterator[tuple[Database, str]]:
    database = _unwritable(db, request.param)
    yield database, request.param
    database.dispose()


def _app(database: Database, clock: FixedClock, tmp_path: Path) -> Flask:
    app = create_app({"TESTING": True, "DATABASE": database, "DATABASE_URL": database.url, "CLOCK": clock,
                      "SECRET_KEY": "test", "INSTANCE": str(tmp_path / "instance"), "RATELIMIT_ENABLED": False})
    app.config["WTF_CSRF_ENABLED"] = False
    return app


def _row_counts(db: Database) -> dict[str, int]:
    with db.reading() as s:
        return {table.name: s.scalar(select(func.count()).select_from(table)) or 0
                for table in Base.metadata.sorted_tables}


def _logged_in(writable: Flask, unwritable: Flask) -> FlaskClient:
    """A client of the unwritable app holding a session that began while the database could still write."""
    own = writable.test_client()
    assert own.post("/login", data={"username": "wangge", "password": DEMO_PASSWORD}).status_code == 302
    client = unwritable.test_client()
    client.set_cookie("session", own.get_cookie("session").value)  # type: ignore[union-attr]
    return client


def test_writes_are_503_with_a_clear_message_and_nothing_is_written_while_reads_go_on(
        db: Database, unwritable: tuple[Database, str], clock: FixedClock, tmp_path: Path, driver: Driver,
        service: CaseService) -> None:
    case = driver.report()
    [item] = service.work_items(case.id)
    database, condition = unwritable
    app = _app(database, clock, tmp_path)
    client = _logged_in(_app(db, clock, tmp_path / "w"), app)
    before = _row_counts(db)

    assert client.get("/inbox").status_code == 200  # reading still works
    response = client.post(f"/inbox/tasks/{item.id}", data={
        "triage_decision": "on_spot", "triage_note": LONG_NOTE, "case_version": str(case.version)})
    assert response.status_code == 503
    assert STORAGE_MESSAGE in response.get_data(as_text=True)

    api = client.post(f"/api/work-items/{item.id}/claim", json={})
    assert api.status_code == 503 and api.get_json()["message"] == STORAGE_MESSAGE

    if condition == READ_ONLY:  # a login counts its attempt: a small row a full disk's free pages still take
        login = app.test_client().post("/login", data={"username": "dudao", "password": DEMO_PASSWORD})
        assert login.status_code == 503 and STORAGE_MESSAGE in login.get_data(as_text=True)
        basic = base64.b64encode(f"wangge:{DEMO_PASSWORD}".encode()).decode()
        over_basic = app.test_client().get("/api/inbox", headers={"Authorization": f"Basic {basic}"})
        assert over_basic.status_code == 503 and over_basic.get_json()["message"] == STORAGE_MESSAGE

    assert _row_counts(db) == before
    with db.reading() as s:
        assert s.get(Case, case.id).version == case.version  # type: ignore[union-attr]
        assert s.get(WorkItem, item.id).state == item.state  # type: ignore[union-attr]


def test_the_same_action_succeeds_once_the_database_can_write_again(
        db: Database, clock: FixedClock, tmp_path: Path, driver: Driver, service: CaseService) -> None:
    case = driver.report()
    [item] = service.work_items(case.id)
    app = _app(db, clock, tmp_path)
    client = _logged_in(app, app)
    response = client.post(f"/inbox/tasks/{item.id}", data={
        "triage_decision": "on_spot", "triage_note": LONG_NOTE, "case_version": str(case.version)})
    assert response.status_code == 302, re.findall(r"error[^>]*>([^<]*)<", response.get_data(as_text=True))
