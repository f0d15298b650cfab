"""The civic loop in a real browser: a resident's report is dispatched straight to the department the routing
table names (no council), is rated 不满意, reopens, and closes.

Each person has their own browser window (own cookies); every step is done the
way that person would do it and checked by what the page then shows.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from engine.demo.driver import Driver
from tests.browser.helpers import (
    People,
    click,
    do_task,
    inbox_row,
    main,
    open_task,
    open_tracking,
    rate,
    report_issue,
)

#: The routing table's department for 公共设施 (bpmn/routing.dmn), preselected at triage.
DEPARTMENT = "住建办"


@pytest.fixture
def people(browser: Browser, live_server: str) -> Iterator[People]:
    crowd = People(browser, live_server)
    yield crowd
    crowd.close()


def now_showing(page: Page, text: str) -> None:
    """The tracking page's "现在：" line."""
    expect(main(page).get_by_role("status")).to_contain_text(f"现在：{text}")


def current_stage(page: Page, stage: str) -> None:
    expect(main(page).get_by_role("list", name="办理阶段").locator("[aria-current=step]")).to_have_text(stage)


def department_works_it(department: Page, code: str, report: str) -> None:
    do_task(department, code, "签收交办", choose={"签收结果": "签收（报到）"})
    do_task(department, code, "到场核实", fill={"现场情况": "已到现场，三盏路灯不亮，线路老化"})
    do_task(department, code, "办结反馈", fill={"办结报告": report,
                                            "其他佐证材料（链接或说明，可选）": "photo://xf01-lamp-after.jpg"})


def test_a_report_goes_round_the_loop_is_reopened_once_and_closes_resolved(people: People) -> None:
    resident = people.resident()
    code, link = report_issue(resident, category="公共设施", grid="幸福里社区 / 幸福里一网格",
                              address="幸福里 3 号楼南侧", description="3 号楼南侧的路灯一到晚上就不亮，老人出门不方便",
                              name="王阿姨", phone="13800001234")
    assert re.fullmatch(r"\d{6}-[2-9A-HJ-NP-Z]{6}", code), f"the done screen shows the tracking code, not {code!r}"
    main(resident).get_by_role("link", name="查看办理进度").click()
    now_showing(resident, "网格员正在核实处理")
    current_stage(resident, "受理")

    grid_worker = people.staff("wangge")
    open_task(grid_worker, code, "分拨研判")
    expect(main(grid_worker)).to_contain_text("3 号楼南侧的路灯一到晚上就不亮")
    form = main(grid_worker).locator("form").filter(has=grid_worker.get_by_role("button", name="提交", exact=True))
    expect(form.get_by_label("派单部门（吹哨时为牵头部门）", exact=True).locator("option:checked")).to_have_text(DEPARTMENT)
    do_task(grid_worker, code, "分拨研判", choose={"分拨结果": "直接派单"},
            fill={"处理说明": "公共照明维修，按权责清单派住建办"})
    open_tracking(resident, code)
    now_showing(resident, f"已交办{DEPARTMENT}，等待签收")
    current_stage(resident, "办理")

    department = people.staff("zhujian")
    department_works_it(department, code, "已更换路灯线路，三盏路灯恢复照明")
    open_tracking(resident, code)
    now_showing(resident, "已办理完成，请您评价")
    current_stage(resident, "评价")
    expect(main(resident)).to_contain_text(f"{DEPARTMENT}已办理完成")

    rate(resident, link, "不满意", comment="只亮了两盏，还有一盏不亮")
    expect(main(resident)).to_contain_text("我们会重新安排处理")
    main(resident).get_by_role("link", name="返回办理进度").click()
    now_showing(resident, f"已交办{DEPARTMENT}，等待签收")
    expect(main(resident)).to_contain_text("评价：不满意")

    expect(inbox_row(department, code, "签收交办")).to_have_count(1)  # the case is back with the department
    department_works_it(department, code, "已更换第三盏路灯的灯泡，全部恢复照明")
    rate(resident, link, "满意")
    open_tracking(resident, code)
    now_showing(resident, "已办结")
    current_stage(resident, "结案")
    outcome = main(resident).get_by_role("region", name="办理结果公示")
    expect(outcome).to_contain_text("已更换第三盏路灯的灯泡")
    expect(outcome).to_contain_text("居民评价：满意")
    expect(main(resident).get_by_role("link", name="去评价")).to_have_count(0)

    supervisor = people.staff("dudao")
    supervisor.goto(f"/cases/{code}")
    heading = main(supervisor).get_by_role("heading", level=1)
    expect(heading).to_contain_text(code)
    expect(heading).to_contain_text("已结案")
    summary = main(supervisor).get_by_role("region", name="案件概况")
    expect(summary).to_contain_text("已解决")
    expect(summary).to_contain_text(DEPARTMENT)
    expect(main(supervisor).get_by_role("region", name="当事人")).to_contain_text("目前没有待办任务。")
    diagram = main(supervisor).locator("#case-diagram[data-loaded=true]")
    expect(diagram).to_be_visible()
    for step in ("triage", "route", "accept", "on_site", "complete", "rate", "reopen_assign", "end_resolved"):
        expect(diagram.locator(f".djs-element.cg-completed[data-element-id={step}]")).to_have_count(1)
    expect(diagram.locator(".djs-element.cg-completed[data-element-id=deliberate]")).to_have_count(0)
    expect(diagram.locator(".djs-element.cg-current")).to_have_count(0)


def test_a_second_submission_of_the_same_task_is_told_who_completed_it(people: People, driver: Driver) -> None:
    case = driver.report("楼下垃圾桶满了三天没人清运", "环境卫生")
    code = case.tracking_code
    first, second = people.staff("wangge"), people.staff("wangge")
    for window in (first, second):
        open_task(window, code, "分拨研判")
        main(window).get_by_label("分拨结果", exact=True).select_option(label="就地解决")

    click(first, "提交")
    expect(main(first).get_by_role("status").filter(has_text=f"已办理：分拨研判（{code}）")).to_be_visible()
    with second.expect_response(lambda r: r.request.method == "POST" and "/tasks/" in r.url) as answer:
        click(second, "提交")
    assert answer.value.status == 409
    expect(main(second).get_by_role("alert")).to_contain_text("该任务已由 李网格员 于")
    expect(main(second).get_by_role("alert")).to_contain_text("办理完成")
    expect(main(second).get_by_role("button", name="提交", exact=True)).to_have_count(0)
    expect(main(second).get_by_role("link", name="查看案件")).to_be_visible()
