"""Browser tests: the real app served on a local port, driven by Playwright in Debian's Chromium.

Playwright's own browser download does not work on these machines, so the tests
launch ``/usr/bin/chromium`` (or ``$CASEGRID_CHROMIUM``). Without it they skip —
except in CI (``CI=true``), where a missing browser is an error.
"""
from __future__ import annotations

import os
import shutil
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page
from werkzeug.serving import make_server

from engine.clock import FixedClock
from engine.db import Database
from tests.browser.helpers import People
from web import create_app

CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-quic", "--disable-sync"]


def _chromium() -> str | None:
    return os.environ.get("CASEGRID_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


# Module scope, not session: Playwright's sync API keeps an event loop current while it is open, and
# Prefect's flow calls in later test modules would then return coroutines instead of running.
@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    executable = _chromium()
    if executable is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but no chromium found: the browser tests must run in CI")
        pytest.skip("no chromium on this machine (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_server(db: Database, clock: FixedClock, tmp_path: Path) -> Iterator[str]:
    """The app on 127.0.0.1:<free port> in a background thread; yields its base URL."""
    app = create_app({"DATABASE": db, "DATABASE_URL": db.url, "CLOCK": clock, "SECRET_KEY": "browser-test",
                      "INSTANCE": str(tmp_path / "instance"), "RATELIMIT_ENABLED": False})
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def page(browser, live_server: str) -> Iterator[object]:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def supervisor(browser: Browser, live_server: str) -> Iterator[Page]:
    """The street's supervisor (dudao), logged in."""
    people = People(browser, live_server)
    yield people.staff("dudao")
    people.close()
