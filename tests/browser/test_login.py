"""A staff member logs in and out in a real browser."""
from __future__ import annotations

from engine.demo.organisation import DEMO_PASSWORD


def test_a_supervisor_logs_in_and_sees_their_name(page, live_server: str) -> None:
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", "dudao")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    assert "刘书记" in page.inner_text("header")


def test_a_wrong_password_shows_the_error_next_to_the_field(page, live_server: str) -> None:
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", "dudao")
    page.fill("input[name=password]", "wrong-password")
    page.get_by_role("button", name="登录", exact=True).click()
    assert "用户名或密码不正确" in page.inner_text(".field.has-error")
