"""The council's chair schedules a meeting and records the whole sitting in a real browser."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from engine.demo.council_scenarios import issue_at_council
from engine.demo.driver import Driver
from engine import CaseService
from tests.browser.helpers import People, click, main

MEMBERS = ["张主任", "王委员", "李委员"]


@pytest.fixture
def people(browser, live_server: str) -> Iterator[People]:
    crowd = People(browser, live_server)
    yield crowd
    crowd.close()


def test_the_chair_records_a_meeting(people: People, db, clock) -> None:
    driver = Driver(CaseService(db, clock), clock)
    parking = issue_at_council(driver, "东门路边乱停车，消防通道被堵")
    noise = issue_at_council(driver, "广场舞音响太大")

    chair = people.staff("yishi")
    chair.get_by_role("link", name="议事会议").click()
    expect(main(chair)).to_contain_text("东门路边乱停车")
    main(chair).get_by_label("会议名称").fill("三月居民议事会")
    main(chair).get_by_label("会议时间").fill("2026-03-05T19:00")
    main(chair).get_by_label("地点").fill("党群服务中心")
    main(chair).get_by_label("议事成员（每行一人）").fill("\n".join(MEMBERS))
    click(chair, "安排会议")
    expect(main(chair)).to_contain_text("议程（共 2 项）")

    items = main(chair).locator("fieldset.agenda-item")
    first, second = items.nth(0), items.nth(1)
    expect(first).to_contain_text("东门路边乱停车")
    # The first issue is adopted with a department and a deadline; every member votes for.
    first.get_by_label("通过", exact=True).check()
    for member in MEMBERS:
        first.get_by_label(f"{member} 赞成").check()
    first.get_by_label("责任部门（通过时必填）").select_option(label="城管执法中队")
    first.get_by_label("完成时限（通过时必填）").fill("2026-04-30")
    first.get_by_label("决议内容").fill("东门施划禁停线，城管每日巡查")
    # The second is deferred to the next meeting.
    second.get_by_label("暂缓", exact=True).check()
    for member in MEMBERS:
        second.get_by_label(f"{member} 弃权").check()
    second.get_by_label("理由（不通过或暂缓时公示）").fill("先征求广场舞队意见")
    # Forgetting the deadline is caught next to the field, and nothing is lost.
    first.get_by_label("完成时限（通过时必填）").fill("")
    click(chair, "保存会议记录")
    expect(main(chair).locator("fieldset.agenda-item").nth(0)).to_contain_text("通过的决议必须明确完成时限")
    expect(main(chair).locator("fieldset.agenda-item").nth(0).get_by_label("决议内容")).to_have_value(
        "东门施划禁停线，城管每日巡查")
    main(chair).locator("fieldset.agenda-item").nth(0).get_by_label("完成时限（通过时必填）").fill("2026-04-30")
    click(chair, "保存会议记录")

    expect(main(chair)).to_contain_text("会议记录已保存")
    expect(main(chair)).to_contain_text("赞成 3，反对 0，弃权 0")
    assert driver.open_ids(parking) == ["accept"]
    assert driver.open_ids(noise) == ["deliberate"]
    main(chair).get_by_role("link", name="议事会议").click()  # back to the agenda
    expect(main(chair)).to_contain_text("上次会议暂缓")
