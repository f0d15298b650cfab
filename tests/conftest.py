"""Fixtures: a real database (SQLite always, PostgreSQL when configured), a movable clock, the services."""
from __future__ import annotations

import base64
import os
import shutil
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import Integer, create_engine, make_url, text

from bpmn import seed_decision_files
from engine.bootstrap import init_database
from engine.cases.intake import CATEGORIES
from engine.clock import FixedClock
from engine.org.service import ensure_default_units
from engine.db import Database
from engine.demo.driver import Driver
from engine.demo.organisation import seed_organisation
from engine.models import Base
from engine.people.directory import seed_categories
from engine import CaseService
from engine.specs.decisions import load_seed_decisions

PG_URL_ENV = "CASEGRID_TEST_PG_URL"

# The master key that wraps every case's data key (engine/privacy/masterkey.py): one per test run, given in
# the environment so no test writes a key file into the working directory's instance folder.
os.environ.setdefault("CASEGRID_DATA_MASTER_KEY", base64.b64encode(os.urandom(32)).decode("ascii"))
os.environ.setdefault("CASEGRID_PHONE_INDEX_KEY", base64.b64encode(os.urandom(32)).decode("ascii"))

#: A Monday morning in Beijing (01:00 UTC = 09:00 CST), well clear of holidays.
START = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)


def pg_test_url() -> str:
    """The PostgreSQL database of this test process: CASEGRID_TEST_PG_URL's own, or one of its own per parallel
    worker (``<name>_gw0``, ``<name>_gw1``…, created on first use) so that workers never truncate each other's rows."""
    url = os.environ[PG_URL_ENV]
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    base = make_url(url)
    name = f"{base.database}_{worker}"
    server = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as conn:
            if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar():
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        server.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def _backends() -> list[str]:
    if os.environ.get(PG_URL_ENV):
        return ["sqlite", "postgres"]
    if os.environ.get("CI") == "true":
        raise pytest.UsageError(f"CI=true but {PG_URL_ENV} is not set: the PostgreSQL tests must run in CI")
    return ["sqlite"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """With parallel workers (pytest-xdist, ``--dist loadgroup``) the tests that run flows on a Prefect server share
    one worker, so the session starts one server rather than one per worker."""
    for item in items:
        if "prefect_server" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group("prefect"))


@pytest.fixture(autouse=True)
def _no_audit_signing_key(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """No test signs with a key of the machine's user (~/.config/casegrid): tests that sign make their own."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("xdg")))
    monkeypatch.delenv("CASEGRID_AUDIT_SIGNING_KEY", raising=False)
    monkeypatch.delenv("CASEGRID_AUDIT_PUBLIC_KEYS", raising=False)


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
    url = pg_test_url()
    bare = Database(url)
    with bare.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    bare.dispose()
    db, _ = init_database(url)
    yield db
    db.dispose()


#: The rows every test starts with (categories, decision tables, the street office), read back after the first seed:
#: putting them back is one INSERT per table instead of some 85 round trips through the seeding services.
_SEEDED: dict[str, list[dict[str, object]]] = {}


def _reset_postgres(db: Database) -> None:
    """Empty every table a test may have written, restart the ids and put the seed back.

    TRUNCATE replaces each table's files and waits for them on disk: 1–3 s per test for 80 tables, most of the
    PostgreSQL half of the suite. DELETE of the few rows a test wrote takes milliseconds; it runs with the
    triggers off (the append-only logs refuse DELETE, rightly), which needs a superuser — else TRUNCATE."""
    tables = [t for t in Base.metadata.sorted_tables if t.name != "process_version"]
    names = [t.name for t in tables]
    with db.engine.begin() as conn:
        superuser = bool(conn.execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")).scalar())
        if superuser:
            written = set(conn.execute(text(" UNION ALL ".join(
                f"SELECT '{n}' WHERE EXISTS (SELECT 1 FROM \"{n}\")" for n in names))).scalars())
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            for table in reversed(tables):
                if table.name in written:
                    conn.execute(table.delete())
            conn.execute(text("SELECT setval(s.oid, 1, false) FROM pg_class s "
                              "JOIN pg_depend d ON d.objid = s.oid AND d.deptype IN ('a', 'i') "
                              "JOIN pg_class t ON t.oid = d.refobjid "
                              "WHERE s.relkind = 'S' AND t.relname = ANY(:names)"), {"names": names})
            if _SEEDED:
                for table in tables:
                    if rows := _SEEDED.get(table.name):
                        conn.execute(table.insert(), rows)
                        for column in table.primary_key.columns:
                            if column.autoincrement is not False and isinstance(column.type, Integer):
                                conn.execute(text(f"SELECT setval(pg_get_serial_sequence(:t, :c), "
                                                  f"max(\"{column.name}\")) FROM \"{table.name}\""),
                                             {"t": f'"{table.name}"', "c": column.name})
                return
        else:
            quoted = ", ".join(f'"{n}"' for n in names)
            conn.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
    with db.transaction() as s:
        ensure_default_units(s)  # made by migration 0043, emptied above
        seed_categories(s, CATEGORIES)  # seeded by migration 0002, emptied above
        load_seed_decisions(s, seed_decision_files(), by="casegrid init", at=START)  # a test may publish its own
        seed_organisation(s)
    if superuser:
        with db.engine.connect() as conn:
            for table in tables:
                if rows := [dict(r) for r in conn.execute(table.select()).mappings()]:
                    _SEEDED[table.name] = rows


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
