"""吹哨报到 in a real browser: the grid worker blows the whistle from the case page, three departments each
report in (签收) and go on site, the co-departments report their parts, the lead completes the whole, and
the case page and the resident's tracking page show who was summoned, who reported in and when."""
from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from engine.demo.driver import Driver
from tests.browser.helpers import People, click, do_task, main, open_tracking

LEAD, CO = "城管执法中队", ("住建办", "物业服务中心")


@pytest.fixture
def people(browser: Browser, live_server: str) -> Iterator[People]:
    crowd = People(browser, live_server)
    yield crowd
    crowd.close()


def board_row(page: Page, code: str, department: str):  # type: ignore[no-untyped-def]
    page.goto(f"/cases/{code}")
    board = main(page).get_by_role("region", name="派单与报到")
    return board.get_by_role("row").filter(has=page.get_by_role("rowheader").filter(has_text=department))


def test_a_whistle_from_the_case_page_summons_three_departments_and_the_lead_completes(
        people: People, driver: Driver) -> None:
    case = driver.report("小区消防通道被违章搭建和车辆长期占用，电动车也堵在楼道里", "安全隐患")
    code = case.tracking_code

    grid = people.staff("wangge")
    grid.goto(f"/cases/{code}")
    main(grid).get_by_role("link", name="吹哨：召集牵头部门和协办部门").click()
    expect(main(grid).get_by_role("heading", level=1)).to_contain_text("吹哨报到")
    main(grid).get_by_label("牵头部门").select_option(label=LEAD)
    main(grid).get_by_label("协办部门").select_option(label=list(CO))
    main(grid).get_by_label("吹哨事由").fill("违章搭建和占道涉及城管、住建和物业，需联合处置")
    click(grid, "吹哨")
    expect(main(grid).get_by_role("status").filter(has_text="已吹哨：3 个部门已收到报到通知")).to_be_visible()
    board = main(grid).get_by_role("region", name="派单与报到")
    expect(board.get_by_role("rowheader")).to_have_count(3)
    expect(board.get_by_role("rowheader").filter(has_text=LEAD)).to_contain_text("牵头")
    for department in CO:
        expect(board.get_by_role("rowheader").filter(has_text=department)).to_contain_text("协办")

    departments = {"zhujian": "住建办", "wuye": "物业服务中心", "chengguan": LEAD}
    windows = {username: people.staff(username) for username in departments}
    for minutes, username in zip((12, 25, 40), departments):
        driver.clock.advance(minutes=minutes)
        do_task(windows[username], code, "签收交办", choose={"签收结果": "签收（报到）"})

    supervisor = people.staff("dudao")
    for department in departments.values():
        expect(board_row(supervisor, code, department).get_by_role("cell").first).to_contain_text("已报到")
    expect(board_row(supervisor, code, LEAD).get_by_role("cell").first).to_contain_text("03-02 10:17")

    for username in departments:
        do_task(windows[username], code, "到场核实", fill={"现场情况": "已到现场核实，消防通道被占约 30 米"})
    do_task(windows["zhujian"], code, "协办反馈", fill={"办理情况": "违章搭建已认定，限期三日拆除"})
    do_task(windows["wuye"], code, "协办反馈", fill={"办理情况": "已通知车主挪车，楼道电动车已清理"})
    do_task(windows["chengguan"], code, "办结反馈",
            fill={"办结报告": "联合处置完毕：违建拆除，车辆清走，消防通道畅通",
                  "其他佐证材料（链接或说明，可选）": "photo://fire-lane-after.jpg"})

    expect(board_row(supervisor, code, LEAD).get_by_role("cell").nth(2)).to_contain_text("已办结")
    for department in CO:
        expect(board_row(supervisor, code, department).get_by_role("cell").nth(2)).to_contain_text("已反馈")
    timeline = main(supervisor).get_by_role("region", name="办理记录")
    expect(timeline).to_contain_text(re.compile(f"李网格员 完成了 分拨研判：吹哨报到.*吹哨：{LEAD} 牵头，(住建办、物业服务中心|物业服务中心、住建办) 协办", re.S))
    for department in departments.values():
        expect(timeline).to_contain_text(f"{department} 已报到（签收）（按时）")
    expect(timeline).to_contain_text(f"{LEAD} 办结（按时）")

    resident = people.resident()
    open_tracking(resident, code)
    expect(main(resident).get_by_role("status")).to_contain_text("现在：已办理完成，请您评价")
    expect(main(resident)).to_contain_text(re.compile(f"街道/社区吹哨：{LEAD}牵头，(住建办、物业服务中心|物业服务中心、住建办)协办"))
    expect(main(resident)).to_contain_text("住建办（协办）已反馈办理情况")
    expect(main(resident)).to_contain_text(f"{LEAD}已办理完成")
    expect(main(resident)).not_to_contain_text("李网格员")
