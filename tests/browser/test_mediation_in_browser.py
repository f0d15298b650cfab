"""Dispute mediation in a real browser: a grid worker registers a dispute and assigns a mediator; the
mediator accepts, records every party's consent, two sessions and the agreement with each party's
signature on the printed draft, brings it into force, prints it, and after the 30-day performance period
closes the case resolved. A party who will not sign leads to a choice the mediator confirms, never to a
silent failure; the inbox opens the same agreement form as the workspace."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from engine.calendar import china_date
from engine.clock import FixedClock
from engine.db import Database
from engine.demo.mediation_scenarios import seed_mediators
from engine import CaseService
from tests.browser.helpers import People, click, do_task, main


@pytest.fixture
def people(browser: Browser, live_server: str, db: Database) -> Iterator[People]:
    with db.transaction() as s:
        seed_mediators(s)
    crowd = People(browser, live_server)
    yield crowd
    crowd.close()


def party(page: Page, number: int):  # type: ignore[no-untyped-def]
    return main(page).get_by_role("group", name=f"第 {number} 方当事人")


def done(page: Page, task: str) -> None:
    """The workspace says the task was done and shows the mediation again."""
    expect(main(page).get_by_role("status").filter(has_text=f"已办理：{task}")).to_be_visible()


def register_dispute(page: Page) -> str:
    page.goto("/mediation/new")
    form = main(page)
    form.get_by_label("纠纷类型").select_option(label="邻里纠纷")
    form.get_by_label("纠纷情况").fill("楼上住户装修漏水，楼下天花板受损，双方就赔偿金额争执不下")
    form.get_by_label("所在网格").select_option(label="幸福里社区 / 幸福里一网格")
    form.get_by_label("纠纷发生地点").fill("幸福里3号楼")
    party(page, 1).get_by_label("姓名或单位名称").fill("王建国")
    party(page, 1).get_by_label("联系电话").fill("13800001111")
    party(page, 2).get_by_label("姓名或单位名称").fill("李春梅")
    party(page, 2).get_by_label("身份").select_option(label="被申请人")
    party(page, 2).get_by_label("联系电话").fill("13900002222")
    click(page, "登记")
    expect(main(page).get_by_role("status")).to_contain_text("请指派调解员")
    return main(page).locator("h1 .code").inner_text().strip()


def record_session(page: Page, notes: str, result: str) -> None:
    main(page).get_by_role("link", name="调解会谈").click()
    form = main(page).locator("form")
    form.get_by_label("调解日期").fill("2026-03-02")
    form.get_by_label("参加人员").fill("王建国、李春梅、陈调解员、李网格员")
    form.get_by_label("调解经过").fill(notes)
    form.get_by_label("本次调解结果").select_option(label=result)
    click(page, "保存调解记录")
    done(page, "调解会谈")


def draft_agreement(page: Page) -> None:
    """Write the terms, save the draft and print it: the printed draft says 草稿 across the page."""
    main(page).get_by_label("协议内容（各方权利义务）").fill("李春梅于十五日内赔偿王建国维修费人民币 3000 元。")
    main(page).get_by_label("履行期限").fill("2026-03-17")
    click(page, "保存协议草稿")
    expect(main(page).get_by_role("status")).to_contain_text("已保存第 1 份调解协议草稿")
    desk = page.url
    page.goto(main(page).get_by_role("link", name="打印协议草稿（标注“草稿”）").get_attribute("href") or "")
    document = main(page).locator("article.agreement-document")
    expect(document.locator(".watermark")).to_have_text("草稿")
    expect(document).to_contain_text("赔偿王建国维修费人民币 3000 元")
    page.goto(desk)


def sign(page: Page, party_name: str, clock: FixedClock, refuse: str | None = None) -> None:
    """Record one party's signature on the printed draft (or their refusal and why)."""
    form = main(page).locator("form.signature-form")
    form.get_by_label("当事人", exact=True).select_option(label=party_name)
    if refuse:
        form.get_by_label("拒绝签字", exact=True).check()
        form.get_by_label("不签字的原因").fill(refuse)
    else:
        form.get_by_label("已签字", exact=True).check()
        form.get_by_label("签字日期").fill(china_date(clock.now()).isoformat())
    click(page, "记录签字情况")
    expect(main(page).get_by_role("status")).to_contain_text("已记录签字情况")
    row = main(page).locator(".signing-table tr").filter(has_text=party_name)
    expect(row).to_contain_text("拒绝签字" if refuse else "已签字")


def test_a_mediator_runs_a_dispute_from_intake_to_resolved(people: People, db: Database, clock: FixedClock) -> None:
    grid_worker = people.staff("wangge")
    code = register_dispute(grid_worker)
    main(grid_worker).get_by_role("link", name="指派调解员").click()
    main(grid_worker).get_by_label("调解员", exact=True).select_option(label="陈调解员（tiaojie）")
    click(grid_worker, "指派")
    expect(main(grid_worker).get_by_role("status")).to_contain_text("已办理：指派调解员")

    mediator = people.staff("tiaojie")
    mediator.goto("/mediation")
    main(mediator).get_by_role("link", name=code).click()
    parties = main(mediator).get_by_role("table").first
    expect(parties).to_contain_text("王建国")  # the mediator in charge sees the names …
    expect(parties).not_to_contain_text("13800001111")  # … and the phones only when asking (logged)
    click(mediator, "显示当事人联系方式")
    expect(main(mediator).get_by_role("table").first).to_contain_text("13800001111")
    expect(main(mediator)).to_contain_text("已记入数据使用记录")
    do_task(mediator, code, "受理调解（回避声明）", choose={"回避声明": "与当事人无利害关系，受理调解"})

    mediator.goto(f"/mediation/{code}")
    main(mediator).get_by_role("link", name="征询调解意愿").click()
    for name in ("王建国（申请人）", "李春梅（被申请人）"):
        main(mediator).get_by_role("radiogroup", name=name).get_by_label("同意调解", exact=True).check()
    click(mediator, "记录调解意愿")
    done(mediator, "征询调解意愿")

    record_session(mediator, "第一次调解：双方情绪激动，对赔偿金额分歧较大", "需再次调解")
    record_session(mediator, "第二次调解：释法明理后双方同意按维修报价赔偿", "达成调解协议")
    expect(main(mediator).locator(".sessions li")).to_have_count(2)

    main(mediator).get_by_role("link", name="制作调解协议书").click()
    draft_agreement(mediator)
    sign(mediator, "王建国（申请人）", clock)
    sign(mediator, "李春梅（被申请人）", clock)
    click(mediator, "协议生效")
    expect(main(mediator).get_by_role("status")).to_contain_text("调解协议已生效")
    agreement = main(mediator).locator("article.agreement")
    expect(agreement).to_contain_text("已生效，履行中")
    expect(agreement.locator(".confirmed")).to_have_count(2)

    main(mediator).get_by_role("link", name="打印调解协议书").click()
    document = main(mediator).locator("article.agreement-document")
    expect(document.get_by_role("heading", level=1)).to_have_text("人民调解协议书")
    expect(document).to_contain_text("赔偿王建国维修费人民币 3000 元")
    expect(document.locator(".signature")).to_have_count(3)
    expect(document.locator(".watermark")).to_have_count(0)  # in force: no 草稿, no 未生效
    mediator.emulate_media(media="print")
    expect(mediator.locator(".topbar")).to_be_hidden()
    expect(main(mediator).get_by_role("button", name="打印")).to_be_hidden()
    mediator.emulate_media(media="screen")

    clock.advance(days=30, minutes=1)  # the performance period ends; the SLA sweep opens the follow-up
    CaseService(db, clock).tick()
    mediator.goto(f"/mediation/{code}")
    main(mediator).get_by_role("link", name="回访履行情况").click()
    main(mediator).get_by_label("履行情况", exact=True).select_option(label="已按协议履行")
    main(mediator).get_by_label("回访记录", exact=True).fill("电话回访：赔偿款已付清，双方和好")
    click(mediator, "提交")
    mediator.goto(f"/mediation/{code}")
    expect(main(mediator).get_by_role("heading", level=1)).to_contain_text("调解成功")
    expect(main(mediator).locator("article.agreement")).to_contain_text("已履行")

    grid_worker.goto(f"/mediation/{code}")  # everyone else sees the parties masked
    expect(main(grid_worker).get_by_role("table").first).to_contain_text("王**")
    expect(main(grid_worker).get_by_role("table").first).not_to_contain_text("13800001111")


def test_another_mediator_cannot_open_the_case(people: People) -> None:
    grid_worker = people.staff("wangge")
    code = register_dispute(grid_worker)
    main(grid_worker).get_by_role("link", name="指派调解员").click()
    main(grid_worker).get_by_label("调解员", exact=True).select_option(label="周调解员（tiaojie2）")
    click(grid_worker, "指派")
    other = people.staff("tiaojie")
    other.goto("/mediation")
    expect(main(other).get_by_text(code)).to_have_count(0)
    response = other.goto(f"/mediation/{code}")
    assert response is not None and response.status == 404


def test_an_unsigned_party_is_a_choice_the_mediator_confirms(people: People, db: Database, clock: FixedClock) -> None:
    from engine.demo import mediation_scenarios as ms
    from engine.demo.driver import Driver
    driver = Driver(CaseService(db, clock), clock)
    case = ms.register(driver)
    ms.assign_and_accept(driver, case)
    ms.everyone_agrees(driver, case)
    ms.session(driver, case, "agreement")
    code = case.tracking_code

    mediator = people.staff("tiaojie")
    mediator.goto("/inbox")  # the inbox leads to the same dedicated form as the workspace
    main(mediator).get_by_role("row").filter(has_text=code).get_by_role("link", name="制作调解协议书").click()
    expect(main(mediator).get_by_role("button", name="保存协议草稿")).to_be_visible()
    assert "/mediation/tasks/" in mediator.url
    draft_agreement(mediator)
    sign(mediator, "王建国（申请人）", clock)
    sign(mediator, "李春梅（被申请人）", clock, refuse="认为赔偿金额过高")

    click(mediator, "协议生效")  # not everyone signed: the mediator is asked, nothing moves
    expect(main(mediator).get_by_role("heading", level=2)).to_have_text("尚有当事人未签字，协议不能生效")
    expect(main(mediator)).to_contain_text("认为赔偿金额过高")
    main(mediator).get_by_role("link", name="继续等待签字").click()
    expect(main(mediator).get_by_role("button", name="协议生效")).to_be_visible()
    assert driver.open_ids(case) == ["draft_agreement"]

    click(mediator, "协议生效")
    main(mediator).get_by_role("link", name="记录拒签，转入调解不成处置").click()
    main(mediator).get_by_label("协议不能生效的原因").fill("李春梅坚持不签字，本次协议未生效")
    click(mediator, "确认协议未生效，转入调解不成处置")  # without ticking the confirmation: refused
    expect(main(mediator).locator(".field.has-error")).to_contain_text("请勾选确认后再提交")
    assert driver.open_ids(case) == ["draft_agreement"]
    main(mediator).get_by_label("我确认：协议未生效，案件转入“调解不成处置”").check()
    click(mediator, "确认协议未生效，转入调解不成处置")
    expect(main(mediator).get_by_role("status")).to_contain_text("调解协议未生效")
    expect(main(mediator).locator("article.agreement")).to_contain_text("未生效")
    assert driver.open_ids(case) == ["after_failure"]

    main(mediator).get_by_role("link", name="打印调解协议书").click()
    expect(main(mediator).locator("article.agreement-document .watermark")).to_have_text("未生效")
