"""The database enforces append-only (issue 18, item 6): triggers and an application role, on PostgreSQL.

``casegrid init --app-role`` (run as the owner) creates the application's role; connected as that role
the application works — a case is opened, completed and verified — while UPDATE and DELETE on every
log table are refused by the server. The owner is refused by the trigger too, short of disabling it.
"""
from __future__ import annotations

import os

import pytest
from click.testing import CliRunner
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from engine.append_only import LOG_TABLES
from engine.cli import main
from engine.clock import FixedClock
from engine.db import Database
from engine.models import Base
from engine.demo.driver import Driver
from engine.demo.scenarios import SCENARIOS
from engine import CaseService
from tests.conftest import PG_URL_ENV, START, pg_test_url



#: Roles belong to the whole cluster: one name per test database (each parallel worker has its own database).
ROLE = f"{make_url(pg_test_url()).database}_app" if os.environ.get(PG_URL_ENV) else "casegrid_app"
PASSWORD = "app-role-test-password"


@pytest.fixture
def app_db(db: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    """The application's database: ``casegrid init --app-role`` run as the owner, then connected as the role."""
    if db.is_sqlite:
        pytest.skip("PostgreSQL only")
    monkeypatch.setenv("CASEGRID_APP_PASSWORD", PASSWORD)
    result = CliRunner().invoke(main, ["init", "--db", db.url, "--app-role", ROLE])
    assert result.exit_code == 0, result.output
    assert f"application role {ROLE}" in result.output and "never update or delete" in result.output
    url = make_url(db.url).set(username=ROLE, password=PASSWORD).render_as_string(hide_password=False)
    app = Database(url)
    yield app
    app.dispose()


def test_the_application_role_runs_cases_and_cannot_rewrite_any_log_table(app_db: Database) -> None:
    clock = FixedClock(START)
    service = CaseService(app_db, clock)
    case = SCENARIOS["adopted_assigned_and_satisfied"][0](Driver(service, clock))
    assert service.case(case.id).status == "closed"
    assert all(c.ok for c in service.verify()), service.verify()
    with app_db.engine.connect() as conn:
        assert conn.execute(text("SELECT current_user")).scalar() == ROLE
    for table in LOG_TABLES:
        column = next(iter(Base.metadata.tables[table].columns)).name
        for statement in (f'UPDATE "{table}" SET {column} = {column}', f'DELETE FROM "{table}"', f'TRUNCATE "{table}"'):
            with app_db.engine.connect() as conn, pytest.raises(DBAPIError, match="permission denied"):
                conn.execute(text(statement))
                conn.commit()


def test_the_owner_is_refused_by_the_trigger(db: Database, app_db: Database) -> None:
    clock = FixedClock(START)
    SCENARIOS["resolved_on_the_spot"][0](Driver(CaseService(app_db, clock), clock))
    for statement in ("UPDATE case_event SET actor = 'someone'", "DELETE FROM case_event",
                      "DELETE FROM merkle_leaf", "UPDATE merkle_leaf SET entry_hash = entry_hash"):
        with db.engine.connect() as conn, pytest.raises(DBAPIError, match="is append-only"):
            conn.execute(text(statement))
            conn.commit()


def test_init_refuses_an_app_role_on_sqlite(tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(main, ["init", "--db", f"sqlite:///{tmp_path / 'x.db'}", "--app-role", "casegrid_app"])
    assert result.exit_code != 0 and "SQLite has no roles" in result.output
