"""Nobody waits for ever on a locked case: a lock wait that runs out is a ConflictError (HTTP 409, "try
again"), nothing is written, and a client that hangs inside a transaction loses its locks (issue 9).

The lock is held by a real second connection; the waiting side gets a short timeout so the test
is quick. PostgreSQL: ``lock_timeout`` / ``idle_in_transaction_session_timeout``; SQLite: the busy
timeout on its single write lock.
"""
from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from engine.cases.models import Case, WorkItem
from engine.cases.queries import lock_case
from engine.clock import FixedClock
from engine.db import BUSY_MESSAGE, Database, Timeouts
from engine.demo.driver import Driver
from engine.demo.organisation import DEMO_PASSWORD
from engine.errors import ConflictError
from engine import CaseService
from tests.conftest import PG_URL_ENV
from web import create_app

TRIAGE = {"triage_decision": "on_spot", "triage_note": "已联系保洁当场处理"}
#: The waiting side's patience: short, so a test that proves the timeout does not take long.
IMPATIENT = Timeouts(lock=0.3, busy=0.3)


@contextmanager
def case_locked(db: Database, case_id: int) -> Iterator[None]:
    """Hold the case's write lock in an open transaction (row lock on PostgreSQL, the write lock on SQLite)."""
    with db.transaction() as s:
        lock_case(s, case_id)  # on SQLite the transaction's BEGIN IMMEDIATE took the write lock already
        yield
        s.rollback()


@pytest.fixture
def impatient(db: Database) -> Iterator[Database]:
    database = Database(db.url, IMPATIENT)
    yield database
    database.dispose()


@pytest.fixture
def reported(driver: Driver, service: CaseService) -> tuple[Case, WorkItem]:
    case = driver.report()
    [item] = service.work_items(case.id)
    return case, item


def snapshot_of(service: CaseService, case: Case) -> tuple[int, int, list[str]]:
    stored = service.case(case.id)
    return stored.version, stored.last_seq, [i.state for i in service.work_items(case.id)]


def test_completion_waiting_too_long_for_the_case_lock_gets_conflict_and_writes_nothing(
        db: Database, impatient: Database, clock: FixedClock, service: CaseService, driver: Driver,
        reported: tuple[Case, WorkItem]) -> None:
    case, item = reported
    before = snapshot_of(service, case)

    with case_locked(db, case.id), pytest.raises(ConflictError) as raised:
        CaseService(impatient, clock).complete_task(item.id, TRIAGE, driver.actor_for(case, item))

    assert raised.value.message == BUSY_MESSAGE
    assert snapshot_of(service, case) == before


def test_completion_after_the_lock_is_released_succeeds(
        db: Database, impatient: Database, clock: FixedClock, service: CaseService, driver: Driver,
        reported: tuple[Case, WorkItem]) -> None:
    case, item = reported
    with case_locked(db, case.id), pytest.raises(ConflictError):
        CaseService(impatient, clock).complete_task(item.id, TRIAGE, driver.actor_for(case, item))

    CaseService(impatient, clock).complete_task(item.id, TRIAGE, driver.actor_for(case, item))

    assert [i.bpmn_id for i in service.work_items(case.id)] == ["rate"]


def test_api_completion_waiting_too_long_for_the_case_lock_gets_409_with_a_message(
        db: Database, impatient: Database, clock: FixedClock, tmp_path: Path,
        reported: tuple[Case, WorkItem]) -> None:
    case, item = reported
    app = _app(impatient, clock, tmp_path)
    token = base64.b64encode(f"wangge:{DEMO_PASSWORD}".encode()).decode()

    with case_locked(db, case.id):
        response = app.test_client().post(f"/api/work-items/{item.id}/complete", json={"data": TRIAGE},
                                          headers={"Authorization": f"Basic {token}"})

    assert response.status_code == 409
    assert response.get_json()["message"] == BUSY_MESSAGE


def test_a_database_lock_error_raised_outside_the_services_is_a_409_page_not_a_500(
        db: Database, impatient: Database, clock: FixedClock, tmp_path: Path,
        reported: tuple[Case, WorkItem]) -> None:
    case, _item = reported
    app = _app(impatient, clock, tmp_path)

    def write_directly() -> str:  # a code path that bypasses Database.transaction()
        with impatient.engine.begin() as conn:
            conn.execute(text('UPDATE "case" SET version = version WHERE id = :id'), {"id": case.id})
        return "written"

    app.add_url_rule("/test-direct-write", view_func=write_directly)
    with case_locked(db, case.id):
        response = app.test_client().get("/test-direct-write")

    assert response.status_code == 409
    assert BUSY_MESSAGE in response.get_data(as_text=True)


@pytest.mark.skipif(not os.environ.get(PG_URL_ENV), reason=f"needs {PG_URL_ENV} (always set in CI)")
@pytest.mark.parametrize("db", ["postgres"], indirect=True)  # SQLite has no server to end a hung client
def test_a_client_hung_inside_a_transaction_loses_its_case_lock_and_others_go_on(
        db: Database, service: CaseService, driver: Driver, reported: tuple[Case, WorkItem]) -> None:
    case, item = reported
    hung = Database(db.url, Timeouts(idle_in_transaction=0.5))
    try:
        with hung.engine.connect() as conn:
            conn.execute(text('SELECT id FROM "case" WHERE id = :id FOR UPDATE'), {"id": case.id})
            # The client stops here, as if it hung; PostgreSQL ends its session after 0.5 s idle, so this
            # completion, which may wait up to the default 5 s for the lock, goes through.
            service.complete_task(item.id, TRIAGE, driver.actor_for(case, item))
            with pytest.raises(DBAPIError, match="idle-in-transaction"):
                conn.execute(text("SELECT 1"))
    finally:
        hung.dispose()
    assert [i.bpmn_id for i in service.work_items(case.id)] == ["rate"]


def _app(database: Database, clock: FixedClock, tmp_path: Path) -> Flask:
    return create_app({"TESTING": True, "DATABASE": database, "DATABASE_URL": database.url, "CLOCK": clock,
                       "SECRET_KEY": "test", "INSTANCE": str(tmp_path / "instance"), "RATELIMIT_ENABLED": False})


def test_lock_waits_are_configured_from_the_environment(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASEGRID_DB_LOCK_TIMEOUT", "2.5")
    monkeypatch.setenv("CASEGRID_DB_BUSY_TIMEOUT", "1.5")
    configured = Database(db.url)
    try:
        with configured.reading() as s:
            setting = "PRAGMA busy_timeout" if configured.is_sqlite else "SHOW lock_timeout"
            value = s.execute(text(setting)).scalar()
    finally:
        configured.dispose()
    assert str(value) == ("1500" if db.is_sqlite else "2500ms")


def test_task_form_waiting_too_long_for_the_case_lock_keeps_the_answers_and_says_the_case_is_busy(
        db: Database, impatient: Database, clock: FixedClock, tmp_path: Path,
        reported: tuple[Case, WorkItem]) -> None:
    case, item = reported
    app = _app(impatient, clock, tmp_path)
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    assert client.post("/login", data={"username": "wangge", "password": DEMO_PASSWORD}).status_code == 302

    with case_locked(db, case.id):
        response = client.post(f"/inbox/tasks/{item.id}", data={**TRIAGE, "case_version": str(case.version)})

    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert BUSY_MESSAGE in html and "已被他人更新" not in html
    assert "已联系保洁当场处理" in html  # the answers are kept for the retry
