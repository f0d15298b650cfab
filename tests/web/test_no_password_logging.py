"""No password ever reaches a log: every logger captured at DEBUG through each path a password travels."""
from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from click.testing import CliRunner
from flask import Flask

from engine.cli import main
from engine.db import Database
from tests.fixtures.passwords import cheap_password_hashes  # noqa: F401
from tests.web.conftest import LoginAs

#: Distinctive, so a hit anywhere in the captured text is this password and nothing else.
SECRET = "Pw-7f3a9-never-logged"

# What is logged does not depend on the database (SQL parameters are hidden on both): SQLite only.
pytestmark = [pytest.mark.usefixtures("cheap_password_hashes"),
              pytest.mark.parametrize("db", ["sqlite"], indirect=True)]


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    caplog.set_level(logging.DEBUG)
    # Libraries that set their own level (SQLAlchemy holds "sqlalchemy" at WARNING) are opened up too,
    # so SQL statements and their parameters are checked as well.
    for name in list(logging.root.manager.loggerDict):
        caplog.set_level(logging.DEBUG, logger=name)
    yield caplog


def _leaks(logs: pytest.LogCaptureFixture) -> list[str]:
    return [f"{r.name}: {r.getMessage()}" for r in logs.records if SECRET in r.getMessage() or SECRET in str(r.args)]


def _cli(db: Database, *args: str) -> str:
    result = CliRunner().invoke(main, ["users", *args, "--db", db.url])
    assert result.exit_code == 0, result.output
    return result.output


def test_a_failed_login_and_the_lockout_it_leads_to_log_no_password(
        logs: pytest.LogCaptureFixture, csrf_app: Flask) -> None:
    client = csrf_app.test_client()
    for _ in range(6):
        client.post("/login", data={"username": "wangge", "password": SECRET})
    client.post("/login", data={"username": SECRET, "password": SECRET})  # typed into both fields
    assert any(r.name == "casegrid.security" for r in logs.records)  # the lockout was logged
    assert _leaks(logs) == []


def test_creating_a_user_and_logging_in_with_the_cli_logs_no_password(
        logs: pytest.LogCaptureFixture, db: Database, csrf_app: Flask) -> None:
    output = _cli(db, "add", "zhao", "--name", "赵干事", "--role", "auditor", "--password", SECRET)
    output += _cli(db, "passwd", "zhao", "--password", SECRET + "-2")
    client = csrf_app.test_client()
    assert client.post("/login", data={"username": "zhao", "password": SECRET + "-2"}).status_code == 302
    assert _leaks(logs) == [] and SECRET not in output


def test_an_admin_creating_a_user_and_resetting_a_password_logs_no_password(
        logs: pytest.LogCaptureFixture, login_as: LoginAs) -> None:
    admin = login_as("admin")
    response = admin.post("/admin/users/new", data={
        "username": "qian", "display_name": "钱干事", "role": "auditor", "department_code": "", "grid_code": "",
        "password": SECRET, "confirm": SECRET})
    assert response.status_code == 302, response.get_data(as_text=True)
    response = admin.post("/admin/users/qian/password", data={"pw-password": SECRET + "-2", "pw-confirm": SECRET + "-2"})
    assert response.status_code == 302
    short = admin.post("/admin/users/qian/password", data={"pw-password": "Pw-7f3", "pw-confirm": "Pw-7f3"})
    assert short.status_code == 400 and SECRET not in short.get_data(as_text=True)
    assert _leaks(logs) == []


def test_api_basic_auth_with_a_wrong_password_logs_no_password(logs: pytest.LogCaptureFixture,
                                                               csrf_app: Flask) -> None:
    client = csrf_app.test_client()
    assert client.get("/api/inbox", auth=("chengguan", SECRET)).status_code == 401
    assert _leaks(logs) == []
