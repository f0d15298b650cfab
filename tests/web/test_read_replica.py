"""Read-replica routing (web/replica.py, engine/db.py ``Database.with_replica``): with
``CASEGRID_READ_REPLICA_URL`` set, the inbox, case search and assessment pages read the replica; writes, the
reads inside a write request and the pages just after one (read-your-writes) read the primary.

The replica is a second PostgreSQL database of the same server (``<test database>_replica``), migrated like
the primary and kept in sync by the test: :func:`sync` copies every row over, as replication would, and what
is written on the primary after it stays missing there — a replica that lags. (The machine's server runs
with ``wal_level=replica``, so logical replication between its databases is not available to a test; a
streaming standby would route the same way: the app only sees a second URL.)
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from engine.assessments import AssessmentService
from engine.bootstrap import init_database
from engine.cases.models import Case
from engine.clock import FixedClock
from engine.db import Base, Database
from engine.demo.driver import Driver
from engine.demo.organisation import DEMO_PASSWORD
from tests.fixtures.receivers import free_port
from web import create_app

pytestmark = pytest.mark.parametrize("db", ["postgres"], indirect=True)


@pytest.fixture(scope="session")
def replica_url(pg_database: Database) -> Iterator[str]:
    """An empty, migrated database beside the test database, to act as its replica."""
    base = make_url(pg_database.url)
    name = f"{base.database}_replica"
    server = create_engine(base, isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    server.dispose()
    url = base.set(database=name).render_as_string(hide_password=False)
    replica, _ = init_database(url)
    replica.dispose()
    yield url


def sync(primary: Database, replica_url: str) -> None:
    """Make the replica hold exactly the primary's rows (triggers off on the replica: its event table is
    append-only, and replication applies rows without firing them either)."""
    target = create_engine(replica_url)
    tables = Base.metadata.sorted_tables
    with primary.engine.connect() as source, target.begin() as conn:
        conn.execute(text("SET session_replication_role = replica"))
        for table in reversed(tables):
            conn.execute(table.delete())
        for table in tables:
            rows = [dict(row._mapping) for row in source.execute(table.select())]
            if rows:
                conn.execute(table.insert(), rows)
    target.dispose()


@pytest.fixture
def replica_app(db: Database, clock: FixedClock, tmp_path: Path, replica_url: str) -> Iterator[Flask]:
    app = create_app({
        "TESTING": True, "DATABASE": db, "DATABASE_URL": db.url, "CLOCK": clock, "SECRET_KEY": "test",
        "INSTANCE": str(tmp_path / "instance"), "RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False,
        "READ_REPLICA_URL": replica_url, "REPLICA_STICKY_SECONDS": 10,
    })
    yield app
    app.extensions["casegrid.assessment_launcher"].join(timeout=60)
    replica = app.extensions["casegrid.cases_reading"].db.replica_engine
    assert replica is not None
    replica.dispose()  # the primary's engine is the test database's own, closed by its fixture


def _login(app: Flask, clock: FixedClock, username: str) -> FlaskClient:
    client = app.test_client()
    assert client.post("/login", data={"username": username, "password": DEMO_PASSWORD}).status_code == 302
    clock.advance(seconds=11)  # the login was a write: its sticky primary reads end
    return client


def _page(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def _triage_item(driver: Driver, case: Case) -> int:
    return driver.item(case, "triage").id


def test_inbox_and_search_read_the_replica_and_a_write_reads_the_primary_after(
        db: Database, driver: Driver, clock: FixedClock, replica_app: Flask, replica_url: str) -> None:
    synced = driver.report("楼道灯坏了，已同步到副本", grid_code="XF-01")
    sync(db, replica_url)
    lagging = driver.report("垃圾桶满了，副本还没有", "环境卫生", grid_code="XF-01")
    client = _login(replica_app, clock, "wangge")

    inbox = _page(client, "/inbox")
    assert synced.tracking_code in inbox and lagging.tracking_code not in inbox  # the replica's rows
    search = _page(client, "/cases?q=副本")
    assert synced.tracking_code in search and lagging.tracking_code not in search
    api = client.get("/api/inbox").get_json()
    assert [i["case"] for i in api["items"]] == [synced.tracking_code]

    # A write on an item the replica has never seen: the POST reads and writes the primary.
    response = client.post(f"/inbox/tasks/{_triage_item(driver, lagging)}/claim")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    with db.reading() as s:
        claimed = s.execute(text("SELECT assignee FROM work_item WHERE id = :i"),
                            {"i": _triage_item(driver, lagging)}).scalar()
    assert claimed == "wangge"

    # Read-your-writes: the page after the POST, and the next ones within the window, read the primary.
    assert lagging.tracking_code in _page(client, "/inbox")
    assert lagging.tracking_code in _page(client, "/cases?q=副本")
    clock.advance(seconds=11)
    assert lagging.tracking_code not in _page(client, "/inbox")  # back on the (still lagging) replica
    sync(db, replica_url)
    assert lagging.tracking_code in _page(client, "/inbox")


def test_another_browser_is_not_pinned_by_someone_elses_write(
        db: Database, driver: Driver, clock: FixedClock, replica_app: Flask, replica_url: str) -> None:
    sync(db, replica_url)
    case = driver.report("楼道灯坏了", grid_code="XF-01")
    writer, reader = _login(replica_app, clock, "wangge"), _login(replica_app, clock, "wangge")
    assert writer.post(f"/inbox/tasks/{_triage_item(driver, case)}/claim").status_code == 302
    assert case.tracking_code in _page(writer, "/inbox")
    assert case.tracking_code not in _page(reader, "/inbox")


def test_assessment_pages_read_the_replica_and_starting_a_run_writes_the_primary(
        db: Database, driver: Driver, clock: FixedClock, replica_app: Flask, replica_url: str) -> None:
    driver.report("楼道灯坏了", grid_code="XF-01")
    service = AssessmentService(db, clock)
    first = service.assess("weekly", "2026-W09", triggered_by="test")
    sync(db, replica_url)
    second = service.assess("weekly", "2026-W10", triggered_by="test")
    client = _login(replica_app, clock, "dudao")

    index = _page(client, "/assessments/")
    assert f"/assessments/{first}" in index and f"/assessments/{second}\"" not in index
    assert client.get(f"/assessments/{second}").status_code == 404  # not on the replica yet
    assert client.get(f"/assessments/{first}.csv").status_code == 200

    # A run asked for from the page is a write: it lands on the primary whatever the replica holds.
    response = client.post("/assessments/run", data={"kind": "weekly", "period": "2026-W10"})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    replica_app.extensions["casegrid.assessment_launcher"].join(timeout=60)
    with db.reading() as s:
        asked = s.execute(text("SELECT count(*) FROM assessment_request")).scalar()
    assert asked == 1
    assert client.get(f"/assessments/{second}").status_code == 200  # right after the POST: the primary


def test_a_replica_that_is_down_leaves_its_readers_on_the_primary(
        db: Database, driver: Driver, clock: FixedClock, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    down = make_url(db.url).set(port=free_port(), database="nowhere").render_as_string(hide_password=False)
    app = create_app({"TESTING": True, "DATABASE": db, "DATABASE_URL": db.url, "CLOCK": clock,
                      "SECRET_KEY": "test", "INSTANCE": str(tmp_path / "instance"), "RATELIMIT_ENABLED": False,
                      "WTF_CSRF_ENABLED": False, "READ_REPLICA_URL": down})
    case = driver.report("楼道灯坏了", grid_code="XF-01")
    client = _login(app, clock, "wangge")
    assert case.tracking_code in _page(client, "/inbox")
    assert case.tracking_code in _page(client, "/cases?q=楼道")
    assert "read replica unreachable" in caplog.text


def test_without_a_replica_url_every_read_is_the_primary(db: Database, driver: Driver, clock: FixedClock,
                                                         tmp_path: Path) -> None:
    app = create_app({"TESTING": True, "DATABASE": db, "DATABASE_URL": db.url, "CLOCK": clock,
                      "SECRET_KEY": "test", "INSTANCE": str(tmp_path / "instance"), "RATELIMIT_ENABLED": False,
                      "WTF_CSRF_ENABLED": False})
    case = driver.report("楼道灯坏了", grid_code="XF-01")
    assert app.extensions["casegrid.cases_reading"] is app.extensions["casegrid.cases"]
    assert case.tracking_code in _page(_login(app, clock, "wangge"), "/inbox")


def test_a_replica_handle_writes_to_the_primary_and_reads_the_replica_only_when_allowed(
        db: Database, replica_url: str) -> None:
    allowed = {"now": True}
    routed = db.with_replica(replica_url, lambda: allowed["now"])
    try:
        with routed.transaction() as s:
            s.execute(text("INSERT INTO calendar_day (day, is_workday, note, entered_by, entered_at) "
                           "VALUES ('2031-01-01', false, 'x', 'test', now())"))
        with routed.reading() as s:
            assert s.execute(text("SELECT current_database()")).scalar() == make_url(replica_url).database
            assert s.execute(text("SELECT count(*) FROM calendar_day WHERE day = '2031-01-01'")).scalar() == 0
        allowed["now"] = False
        with routed.reading() as s:
            assert s.execute(text("SELECT count(*) FROM calendar_day WHERE day = '2031-01-01'")).scalar() == 1
    finally:
        if routed.replica_engine is not None:
            routed.replica_engine.dispose()
