"""Single sign-on in a browser: the login page's 统一身份认证 button, the provider's own login form (panva's
oidc-provider, started by node for the test), the inbox, and logout through the provider's end_session page."""
from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from werkzeug.serving import make_server

from engine.clock import FixedClock
from engine.db import Database
from tests.browser.helpers import People
from tests.fixtures.oidc_provider import running_provider
from web import create_app


@pytest.fixture
def sso_server(db: Database, clock: FixedClock, tmp_path: Path) -> Iterator[str]:
    """The app with the provider configured, on 127.0.0.1:<free port>; yields its base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    clock.set(datetime.now(UTC))  # the provider signs with the real time
    with running_provider(tmp_path, [base]) as provider:
        app = create_app({"DATABASE": db, "DATABASE_URL": db.url, "CLOCK": clock, "SECRET_KEY": "browser-test",
                          "INSTANCE": str(tmp_path / "instance"), "RATELIMIT_ENABLED": False, **provider.config()})
        app.extensions["casegrid.people"].add_sso_rule(
            position=None, claim="department", operator="equals", value="城管科", role="department",
            department_code="chengguan", grid_code=None, by="admin")
        server = make_server("127.0.0.1", port, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield base
        server.shutdown()
        thread.join(timeout=5)


def test_a_department_user_signs_in_through_the_provider_lands_in_the_inbox_and_signs_out(
        browser: Browser, sso_server: str) -> None:
    people = People(browser, sso_server)
    page = people.window()
    page.goto("/login")
    page.get_by_role("link", name="用统一身份认证登录").click()
    # the provider's own login form
    page.locator("input[name=login]").fill("zhang.cg")
    page.locator("input[name=password]").fill("any password")
    page.get_by_role("button", name="Sign-in").click()
    page.wait_for_url(f"{sso_server}/inbox")
    expect(page.get_by_role("button", name="退出")).to_be_visible()
    expect(page.get_by_role("main")).to_be_visible()
    # logging out goes through the provider's logout page and back to the home page, logged out
    page.get_by_role("button", name="退出").click()
    page.get_by_role("button", name="Yes, sign me out").click()
    page.wait_for_url(f"{sso_server}/")
    expect(page.get_by_role("button", name="退出")).to_have_count(0)
    page.goto("/inbox")
    expect(page.get_by_role("heading", name="工作人员登录")).to_be_visible()
    people.close()
