"""The pages that run scripts work under the Content-Security-Policy: no inline code, nothing refused."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from engine.clock import FixedClock
from engine.db import Database
from engine.demo.driver import Driver
from engine.specs.service import ProcessService
from tests.browser.helpers import People, main


#: The policy does not depend on the database: SQLite only.
sqlite_only = pytest.mark.parametrize("db", ["sqlite"], indirect=True)


@pytest.fixture
def people(browser: Browser, live_server: str) -> Iterator[People]:
    crowd = People(browser, live_server)
    yield crowd
    crowd.close()


def _watch_refusals(page: Page) -> list[str]:
    """Console messages about the policy (Chromium logs each refused script, style or image) and page errors."""
    refused: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            refused.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: refused.append(f"page error: {error}"))
    return refused


@sqlite_only
def test_the_diagram_pages_and_the_editor_run_with_nothing_refused_by_the_policy(
        people: People, driver: Driver, db: Database, clock: FixedClock) -> None:
    case = driver.report("楼道灯坏了", "公共设施")
    page = people.staff("dudao")
    refused = _watch_refusals(page)

    page.goto(f"/cases/{case.tracking_code}")
    expect(main(page).locator("#case-diagram[data-loaded=true]")).to_be_visible()
    page.goto(f"/audit/cases/{case.tracking_code}")
    expect(main(page).locator("[data-loaded=true]").first).to_be_visible()
    version = ProcessService(db, clock).versions("civic_loop")[-1].id
    page.goto(f"/processes/versions/{version}/edit")
    expect(page.locator("#process-editor")).to_have_attribute("data-loaded", "true", timeout=20_000)

    assert refused == []


@sqlite_only
def test_the_residents_report_form_runs_its_script_under_the_policy(people: People) -> None:
    page = people.resident()
    refused = _watch_refusals(page)
    loaded: list[str] = []
    page.on("response", lambda response: loaded.append(response.url) if response.ok else None)
    page.goto("/report?new=1")
    expect(main(page).get_by_role("heading", level=1)).to_have_text("您要反映哪一类问题？")
    page.wait_for_load_state("load")
    assert any(url.endswith("/static/js/submit_once.js") for url in loaded)
    assert page.evaluate("Array.from(document.scripts).every(s => s.src || s.type === 'application/json')")
    assert refused == []
