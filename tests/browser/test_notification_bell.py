"""The bell in the top bar: a department sees its new work counted, opens it from the list, the count drops."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from engine.clock import FixedClock
from engine.db import Database
from engine.demo.driver import Driver
from engine.demo.scenarios import _adopt
from engine.notify import OutboxService
from engine import CaseService
from tests.browser.helpers import People
from tests.fixtures.passwords import cheap_password_hashes  # noqa: F401

pytestmark = [pytest.mark.parametrize("db", ["sqlite"], indirect=True),
              pytest.mark.usefixtures("cheap_password_hashes")]


def test_the_bell_shows_new_work_and_opening_it_leads_to_the_task(browser, live_server: str, db: Database,
                                                                   clock: FixedClock) -> None:
    driver = Driver(CaseService(db, clock), clock)
    case = driver.report("小区东门路灯不亮")
    _adopt(driver, case)  # the department now has an acceptance task in its queue
    OutboxService(db, clock, channels={}).send_pending()  # what the background sweep does every minute
    people = People(browser, live_server)
    try:
        page = people.staff("chengguan")
        bell = page.locator("#bell")
        expect(page.locator("#bell-count")).to_have_text("1")
        bell.click()
        notice = page.locator(".notice.unread")
        expect(notice).to_have_count(1)
        expect(notice).to_contain_text(case.tracking_code)
        notice.get_by_role("button").click()
        expect(page).to_have_url(f"{live_server}/inbox/tasks/{driver.item(case, 'accept').id}")
        expect(page.locator("#bell-count")).to_have_text("0")
    finally:
        people.close()
