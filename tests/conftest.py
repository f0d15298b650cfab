"""Fixtures: a real database (SQLite always, PostgreSQL when configured), a movable clock, the services."""
from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import text

from engine.bootstrap import init_database
from engine.cases.intake import CATEGORIES
from engine.clock import FixedClock
from engine.db import Database
from engine.demo.driver import Driver
from engine.demo.organisation import seed_organisation
from engine.models import Base
from engine.people.directory import seed_categories
from engine.service import CaseService

PG_URL_ENV = "CASEGRID_TEST_PG_URL"

#: A Monday morning in Beijing (01:00 UTC = 09:00 CST), well clear of holidays.
START = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)


def _backends() -> list[str]:
    if os.environ.get(PG_URL_ENV):
        return ["sqlite", "postgres"]
    if os.environ.get("CI") == "true":
        raise pytest.UsageError(f"CI=true but {PG_URL_ENV} is not set: the PostgreSQL tests must run in CI")
    return ["sqlite"]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, seeded SQLite file; each test gets a copy (migrating per test would be slow)."""
    path = tmp_path_factory.mktemp("template") / "casegrid.db"
    db, _ = init_database(f"sqlite:///{path}")
    with db.transaction() as s:
        seed_organisation(s)
    db.dispose()
    return path


@pytest.fixture(scope="session")
def pg_database() -> Iterator[Database]:
    url = os.environ[PG_URL_ENV]
    bare = Database(url)
    with bare.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    bare.dispose()
    db, _ = init_database(url)
    yield db
    db.dispose()


def _reset_postgres(db: Database) -> None:
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables if t.name != "process_version")
    with db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    with db.transaction() as s:
        seed_categories(s, CATEGORIES)  # seeded by migration 0002, emptied by the TRUNCATE above
        seed_organisation(s)


@pytest.fixture(params=_backends())
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "postgres":
        database = request.getfixturevalue("pg_database")
        _reset_postgres(database)
        yield database
        return
    path = tmp_path / "casegrid.db"
    shutil.copy(request.getfixturevalue("sqlite_template"), path)
    database = Database(f"sqlite:///{path}")
    yield database
    database.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def service(db: Database, clock: FixedClock) -> CaseService:
    return CaseService(db, clock)


@pytest.fixture
def driver(service: CaseService, clock: FixedClock) -> Driver:
    return Driver(service, clock)
