"""Logging in and out, the language switch, and errors that never show a traceback."""
from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from tests.web.conftest import LoginAs


def test_the_home_page_is_public_and_chinese_by_default(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert "社区治理" in response.get_data(as_text=True)


def test_english_is_selectable(client: FlaskClient, app: Flask) -> None:
    app.config["WTF_CSRF_ENABLED"] = False
    client.post("/lang/en", data={"next": "/"})
    assert "Staff login" in client.get("/").get_data(as_text=True)


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(csrf_app: Flask) -> None:
    response = csrf_app.test_client().post("/login", data={"username": "wangge", "password": "nope-nope"})
    assert response.status_code == 400
    assert "用户名或密码不正确" in response.get_data(as_text=True)


def test_a_demo_user_can_log_in_and_out(login_as: LoginAs) -> None:
    client = login_as("dudao")
    assert client.post("/logout").status_code == 302


def test_login_without_a_csrf_token_is_refused_with_a_message(client: FlaskClient) -> None:
    response = client.post("/login", data={"username": "wangge", "password": "casegrid-demo"})
    assert response.status_code == 400
    assert "安全令牌" in response.get_data(as_text=True)


def test_an_open_redirect_after_login_is_ignored(csrf_app: Flask) -> None:
    response = csrf_app.test_client().post("/login?next=https://evil.example/",
                                           data={"username": "wangge", "password": "casegrid-demo"})
    assert response.headers["Location"] == "/"


def test_an_unknown_page_is_a_friendly_404(client: FlaskClient) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "未找到" in response.get_data(as_text=True)
