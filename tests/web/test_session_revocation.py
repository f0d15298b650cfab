"""Sessions that end: a password change or reset, disabling and logging out end every session of the account.

The session cookie is signed, not stored, so a copy of it (taken from a shared office PC, a proxy log or a
stolen laptop) would otherwise stay valid as long as it is presented. Each account has a session version
that the cookie carries; these events raise it, and a cookie with an older version is no longer a login.
"""
from __future__ import annotations

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from engine.cli import main
from engine.db import Database
from tests.web.conftest import LoginAs

NEW_PASSWORD = "qiuyue-lanhua-27"


def _copy(login_as: LoginAs, username: str) -> tuple[FlaskClient, FlaskClient]:
    """Two browsers with one session: the user's own and a copy of its cookie (same browser and address,
    so "strong" session protection cannot tell them apart)."""
    own = login_as(username)
    copy = own.application.test_client()
    cookie = own.get_cookie("session")
    assert cookie is not None
    copy.set_cookie("session", cookie.value)
    assert copy.get("/inbox").status_code == 200
    return own, copy


def _logged_out(client: FlaskClient) -> bool:
    response = client.get("/inbox")
    return response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_logging_out_ends_a_copied_cookie_too(login_as: LoginAs) -> None:
    own, copy = _copy(login_as, "wangge")
    assert own.post("/logout").status_code == 302
    assert _logged_out(copy)
    assert _logged_out(own)


def test_an_admin_resetting_the_password_ends_every_session_of_the_account(login_as: LoginAs) -> None:
    own, copy = _copy(login_as, "wangge")
    admin = login_as("admin")
    response = admin.post("/admin/users/wangge/password", data={"pw-password": NEW_PASSWORD,
                                                                "pw-confirm": NEW_PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert _logged_out(own) and _logged_out(copy)
    assert admin.get("/admin/users").status_code == 200  # the admin's own session is untouched


def test_the_new_password_logs_in_again_after_a_reset(login_as: LoginAs, csrf_app: Flask) -> None:
    login_as("admin").post("/admin/users/wangge/password", data={"pw-password": NEW_PASSWORD,
                                                                 "pw-confirm": NEW_PASSWORD})
    client = csrf_app.test_client()
    assert client.post("/login", data={"username": "wangge", "password": NEW_PASSWORD}).status_code == 302
    assert client.get("/inbox").status_code == 200


def test_disabling_an_account_ends_its_sessions_and_enabling_does_not_revive_them(login_as: LoginAs) -> None:
    own, _ = _copy(login_as, "wangge")
    admin = login_as("admin")
    assert admin.post("/admin/users/wangge/active", data={"active": "0"}).status_code == 302
    assert _logged_out(own)
    assert admin.post("/admin/users/wangge/active", data={"active": "1"}).status_code == 302
    assert _logged_out(own)


def test_a_password_changed_on_the_command_line_ends_every_session(login_as: LoginAs, db: Database) -> None:
    own, copy = _copy(login_as, "wangge")
    result = CliRunner().invoke(main, ["users", "passwd", "wangge", "--password", NEW_PASSWORD, "--db", db.url])
    assert result.exit_code == 0, result.output
    assert _logged_out(own) and _logged_out(copy)


def test_logging_out_in_one_browser_ends_the_other_browsers_of_the_account(login_as: LoginAs) -> None:
    first, second = login_as("wangge"), login_as("wangge")
    first.post("/logout")
    assert _logged_out(second)


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_a_session_of_another_account_is_not_touched(login_as: LoginAs) -> None:
    other = login_as("wangge2")
    login_as("wangge").post("/logout")
    assert other.get("/inbox").status_code == 200
