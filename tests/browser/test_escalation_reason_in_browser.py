"""The supervisor opens an escalation from the inbox in a browser and reads which deadline was missed,
when it fell due, when it was reported and how late it is — before deciding what to do."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from engine.clock import FixedClock
from engine.db import Database
from engine.demo.driver import Driver
from engine.demo.scenarios import _dispatch
from engine import CaseService
from tests.browser.helpers import People, main, open_task


@pytest.fixture
def people(browser: Browser, live_server: str) -> Iterator[People]:
    crowd = People(browser, live_server)
    yield crowd
    crowd.close()


def test_the_escalation_form_says_which_deadline_was_missed_and_by_how_much(people: People, db: Database,
                                                                            clock: FixedClock) -> None:
    driver = Driver(CaseService(db, clock), clock)
    case = driver.report("共享单车堆放堵住人行道", "停车交通")
    _dispatch(driver, case)
    driver.deadline_passes(case, "accept")
    driver.later(days=2)

    supervisor = people.staff("dudao")
    open_task(supervisor, case.tracking_code, "部门超时处置")
    missed = main(supervisor).get_by_role("region", name="超时情况")
    expect(missed).to_be_visible()
    expect(missed).to_contain_text("签收交办（城管执法中队）")
    expect(missed).to_contain_text("2026-03-03 23:59")
    expect(missed).to_contain_text("2026-03-04 00:00")
    expect(missed.locator(".deadline.overdue")).to_have_text("已超期 3 个工作日")
    # the decision is taken on the same page, beside the reason
    expect(main(supervisor).get_by_label("处置方式")).to_be_visible()
