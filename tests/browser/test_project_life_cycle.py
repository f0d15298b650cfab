"""A governance project's whole life in a real browser: a grid worker registers the 申报, the council's chair
approves it at a sitting (2/3 of all members), the street office claims the budget task and funds it, records
the implementation with a receipt and the acceptance with resident representatives, the auditor enters the
half-yearly third-party evaluation and lists a finding for rectification, and a resident's phone then reads
the project with its budget and spending on the community's notice board."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from engine import CaseService
from engine.clock import FixedClock
from engine.db import Database
from engine.demo import project_scenarios as ps
from engine.demo.driver import Driver
from engine.projects.service import ProjectService
from tests.browser.helpers import People, click, do_task, main, open_task, submit_task

MEMBERS = ["张主任", "王委员", "李委员"]


@pytest.fixture
def people(browser, live_server: str) -> Iterator[People]:
    crowd = People(browser, live_server)
    yield crowd
    crowd.close()


def test_a_project_goes_from_proposal_to_the_notice_board(people: People, db: Database, clock: FixedClock) -> None:
    ps.seed_operators(ProjectService(db, clock))

    # 申报: the grid worker registers the proposal.
    worker = people.staff("wangge")
    worker.goto("/projects/new")
    form = main(worker)
    form.get_by_label("项目名称").fill("幸福里长者助餐点")
    form.get_by_label("项目内容").fill("为社区老人提供助餐和上门探访服务，每周五天")
    form.get_by_label("申报主体类型").select_option(label="社会组织")
    form.get_by_label("申报单位或团体").fill("幸福里社区营造中心")
    form.get_by_label("运营单位").select_option(value="SO-001")
    form.get_by_label("项目所在网格").select_option(value="XF-01")
    form.get_by_label("申请金额（元）").fill("40000")
    click(worker, "登记申报")
    heading = main(worker).get_by_role("heading", level=1)
    expect(heading).to_contain_text("幸福里长者助餐点")
    code = heading.locator(".code").inner_text().strip()

    # 立项: the chair puts it on a sitting's agenda and records every member's vote.
    chair = people.staff("yishi")
    chair.get_by_role("link", name="议事会议").click()
    expect(main(chair)).to_contain_text("幸福里长者助餐点")
    main(chair).get_by_label("会议名称").fill("项目立项评审会")
    main(chair).get_by_label("会议时间").fill("2026-03-05T19:00")
    main(chair).get_by_label("议事成员（每行一人）").fill("\n".join(MEMBERS))
    click(chair, "安排会议")
    item = main(chair).locator("fieldset.agenda-item").filter(has_text="幸福里长者助餐点")
    item.get_by_label("通过", exact=True).check()
    for member in MEMBERS:
        item.get_by_label(f"{member} 赞成").check()
    item.get_by_label("决议内容").fill("同意立项，按申报内容实施")
    click(chair, "保存会议记录")
    expect(main(chair)).to_contain_text("会议记录已保存")

    # 预算: the street office claims the task, then funds it from 公益创投.
    office = people.staff("dudao")
    open_task(office, code, "核定预算")
    click(office, "认领")
    expect(main(office)).to_contain_text("您已认领此任务")
    form = main(office).locator("form").filter(has=office.get_by_role("button", name="提交", exact=True))
    form.get_by_label("资金来源", exact=True).select_option(label="公益创投")
    form.get_by_label("预算明细（每行：事项 金额）", exact=True).fill("助餐补贴 30000\n物料 2000")
    form.get_by_label("服务期内第三方评估次数（每半年一次）", exact=True).fill("1")
    submit_task(office, code, "核定预算")

    # 实施 and 验收.
    do_task(office, code, "项目实施记录", choose={"实施状态": "实施完成，申请验收"},
            fill={"里程碑 / 实施进展": "助餐点开业，首月服务 620 人次", "支出事项": "助餐补贴（首月）",
                  "支出金额（元）": "6000", "票据编号": "FP-2026-0001"})
    do_task(office, code, "项目验收", choose={"验收结论": "验收合格"},
            fill={"参加验收的居民代表": "居民代表 5 人（楼栋长推选）", "验收意见": "服务台账齐全，居民反映良好"})

    # Half a year later the third-party evaluation falls due; the auditor enters it.
    Driver(CaseService(db, clock), clock).later(days=183)
    auditor = people.staff("jiandu")
    do_task(auditor, code, "第三方评估（每半年）", choose={"评估结论": "合格"},
            fill={"评估机构": "明德社会工作评估中心", "评估得分（0–100）": "86", "评估发现的问题及整改要求": "个别台账签字不全"})

    # The finding becomes a rectification item on the project's page.
    auditor.goto(f"/projects/{code}")
    expect(main(auditor)).to_contain_text("已结项")
    main(auditor).get_by_role("link", name="列入整改清单").last.click()
    main(auditor).get_by_label("问题清单（每行一条）").fill("个别台账签字不全 | 2099-12-31")
    click(auditor, "列入整改清单")
    expect(main(auditor)).to_contain_text("个别台账签字不全")
    auditor.goto(f"/projects/{code}")
    expect(main(auditor)).to_contain_text("幸福里社区营造中心")

    # The board: the project with its budget and spending, no personal data.
    resident = people.resident()
    resident.goto("/board/幸福里社区")
    projects = main(resident).locator("section", has_text="治理项目与资金")
    expect(projects).to_contain_text("幸福里长者助餐点")
    expect(projects).to_contain_text("已结项")
    expect(projects).to_contain_text("32,000.00")
    expect(projects).to_contain_text("6,000.00")
    expect(main(resident)).not_to_contain_text("wangge")
