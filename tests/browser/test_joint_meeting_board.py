"""A joint meeting (联席会议) in a real browser: the chair schedules and records a sitting with attendance per
member unit and a resolution, approves the minutes, and a resident's phone then reads them on the community's
notice board — without the representatives' names."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from engine.clock import FixedClock
from engine.db import Database
from engine.joint.service import JointService
from engine.people.actor import Actor
from tests.browser.helpers import People, click, main


@pytest.fixture
def people(browser, live_server: str) -> Iterator[People]:
    crowd = People(browser, live_server)
    yield crowd
    crowd.close()


def test_the_chair_records_a_joint_meeting_and_the_board_publishes_its_minutes(
        people: People, db: Database, clock: FixedClock) -> None:
    joint = JointService(db, clock)
    committee_id = joint.create_committee(community="幸福里社区", chair_username="yishi", actor=Actor("dudao", "supervisor"))
    for name, kind, rep in (("城管中队", "department", "王队长"), ("幸福里物业", "property", "钱经理")):
        joint.add_unit(committee_id, name=name, kind=kind, representative=rep, actor=Actor("yishi", "council"))

    chair = people.staff("yishi")
    chair.get_by_role("link", name="联席会议").click()
    main(chair).get_by_role("link", name="幸福里社区").click()
    main(chair).get_by_label("会议名称").fill("三月联席会议")
    main(chair).get_by_label("会议时间").fill("2026-03-05T19:00")
    click(chair, "安排会议")
    expect(main(chair)).to_contain_text("记录会议")
    main(chair).get_by_label("城管中队").check()
    main(chair).get_by_label("通过的决议（每行一条）").fill("东门每周联合巡查 | 城管中队 | 2026-04-30")
    main(chair).get_by_label("会议纪要（草稿，经召集人审定后公示）").fill("王队长通报东门停车整治进展。")
    click(chair, "记录会议")
    expect(main(chair)).to_contain_text("幸福里物业：缺席")
    click(chair, "审定并公示纪要")
    expect(main(chair)).to_contain_text("已在社区公示栏公示")

    resident = people.resident()
    resident.goto("/board/幸福里社区")
    minutes = main(resident).locator("section", has_text="联席会议纪要")
    expect(minutes).to_contain_text("三月联席会议")
    expect(minutes).to_contain_text("东门每周联合巡查")
    expect(minutes).to_contain_text("通报东门停车整治进展")
    expect(minutes).not_to_contain_text("王队长")
