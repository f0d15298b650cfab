"""Passwords people can guess are refused wherever a password is set: the admin's new-user form and reset,
and ``casegrid users add/passwd`` — with the reason next to the field, and nothing changed."""
from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from engine.cli import main
from engine.db import Database
from engine.demo.organisation import DEMO_PASSWORD
from engine.errors import ValidationError
from engine.people.password_policy import MIN_LENGTH, password_problem
from engine import PeopleService
from tests.web.conftest import LoginAs

#: Policy checks do not depend on the database.
sqlite_only = pytest.mark.parametrize("db", ["sqlite"], indirect=True)

COMMON = ["12345678", "1234567890", "password123", "qwertyuiop", "1qaz2wsx3edc", "woaini1314",
          "abc123456789", "11111111111", "iloveyou1314", "5201314520"]
GOOD = ["qiuyue-lanhua-27", "a-good-password", "Bridge!tea7 lantern", "长江黄河-2026-梅兰"]


def _field_error(html: str, field_id: str) -> str:
    match = re.search(rf'<p class="error" id="{re.escape(field_id)}-error">([^<]*)</p>', html)
    return match.group(1) if match else ""


@pytest.mark.parametrize("password", COMMON)
def test_common_passwords_are_refused(password: str) -> None:
    assert password_problem(password) is not None


@pytest.mark.parametrize("password", GOOD)
def test_passphrases_are_accepted(password: str) -> None:
    assert password_problem(password) is None


def test_a_long_passphrase_beyond_what_the_estimator_reads_is_accepted() -> None:
    assert password_problem("lanhua-" * 25) is None  # 175 characters: still a valid password


def test_short_passwords_are_refused_by_length_first() -> None:
    assert password_problem("xK9#pQ") == f"密码至少 {MIN_LENGTH} 位"


def test_the_username_or_name_in_the_password_is_refused() -> None:
    assert password_problem("wangge2026!", username="wangge") is not None
    assert password_problem("sunwangge-2026", username="sunwg", display_name="sunwangge") is not None


def test_an_admin_reset_to_a_common_password_is_refused_next_to_the_field(login_as: LoginAs,
                                                                          csrf_app: Flask) -> None:
    admin = login_as("admin")
    response = admin.post("/admin/users/wangge/password", data={"pw-password": "12345678",
                                                                "pw-confirm": "12345678"})
    assert response.status_code == 400
    assert _field_error(response.get_data(as_text=True), "pw-password") != ""
    client = csrf_app.test_client()  # the old password still works: nothing was changed
    assert client.post("/login", data={"username": "wangge", "password": DEMO_PASSWORD}).status_code == 302


@sqlite_only
def test_a_new_account_with_a_common_password_is_refused(login_as: LoginAs, csrf_app: Flask) -> None:
    admin: FlaskClient = login_as("admin")
    response = admin.post("/admin/users/new", data={
        "username": "sunwg", "display_name": "孙网格员", "role": "grid_worker", "grid_code": "XF-02",
        "department_code": "", "password": "woaini1314", "confirm": "woaini1314"})
    assert response.status_code == 400
    assert "容易被猜到" in _field_error(response.get_data(as_text=True), "password")
    assert admin.get("/admin/users/sunwg").status_code == 404


def test_the_command_line_refuses_common_passwords_too(db: Database) -> None:
    runner = CliRunner()
    passwd = runner.invoke(main, ["users", "passwd", "wangge", "--password", "password123", "--db", db.url])
    assert passwd.exit_code == 1 and "--password：" in passwd.output
    add = runner.invoke(main, ["users", "add", "zhao", "--name", "赵干事", "--role", "department",
                               "--department", "minzheng", "--password", "1qaz2wsx3edc", "--db", db.url])
    assert add.exit_code == 1
    assert "zhao" not in runner.invoke(main, ["users", "list", "--db", db.url]).output


def test_the_engine_refuses_a_weak_password_whatever_calls_it(db: Database) -> None:
    with pytest.raises(ValidationError) as refused:
        PeopleService(db).reset_password("wangge", "12345678", by="admin")
    assert "password" in refused.value.field_errors


def test_the_published_demo_password_is_refused_for_real_accounts() -> None:
    assert password_problem(DEMO_PASSWORD) is not None  # it is in the README: a guesser's first try
