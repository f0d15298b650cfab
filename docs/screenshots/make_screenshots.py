"""Regenerate the README screenshots: ``python docs/screenshots/make_screenshots.py``.

Builds a throw-away SQLite demo database (the same demo as ``casegrid demo``, plus
a few fresh cases so every screen has something to show), serves the app on a
free local port, and saves the PNGs next to this file with Debian's Chromium
(``$CASEGRID_CHROMIUM`` or ``chromium`` on the PATH). Chinese text needs a CJK
font, e.g. ``apt-get install fonts-wqy-microhei`` (and ``chromium-l10n`` for date
fields in Chinese order).
"""
from __future__ import annotations

import logging
import os
import shutil
import socket
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))  # tests.browser.helpers, when run from anywhere

from playwright.sync_api import Page, expect, sync_playwright
from werkzeug.serving import make_server

from engine.bootstrap import init_database
from engine.calendar import china_date
from engine.cases.models import Case
from engine.clock import FixedClock, SystemClock
from engine.db import Database
from engine.demo.driver import Driver
from engine.demo.run import run_demo
from engine.dispatch.service import DispatchService
from engine import CaseService
from tests.browser.conftest import CHROMIUM_ARGS
from tests.browser.helpers import PHONE, People, main
from web import create_app


@dataclass
class Showcase:
    council_case: str  # waits for the council's resolution (the task form)
    reopened_case: str  # rated 不满意 once, back with the department (case page, tracking page)
    whistled_case: str  # 吹哨: a lead and two co-departments, two reported in, one overdue (the dispatch board)


def _adopt(d: Driver, case: Case, note: str) -> None:
    d.do(case, "triage", triage_decision="negotiate", triage_note=note)
    d.clock.advance(hours=3)
    d.do(case, "deliberate", decision="adopt", responsible_department="chengguan",
         deadline=(china_date(d.clock.now()) + timedelta(days=10)).isoformat(),
         votes_for=7, votes_against=1, votes_abstain=1, resolution_text="同意交城管执法中队办理")


def seed(db: Database) -> Showcase:
    """The demo, then a few cases from the last week, most of them with the 城管执法中队.

    The clock only moves forward here (no sweep), so the deadlines that have passed
    show as overdue in the inbox rather than having been escalated already.
    """
    run_demo(db, rounds=1)
    clock = FixedClock(SystemClock().now() - timedelta(days=7))
    d = Driver(CaseService(db, clock), clock)

    blocked = d.report("楼道里堆满纸箱和旧家具，消防通道被堵", "安全隐患", address="和平苑 5 号楼 1 单元",
                       grid_code="HP-01")
    _adopt(d, blocked, "占用消防通道，需执法清理")
    clock.advance(days=4)

    reopened = d.report("3 号楼南侧三盏路灯不亮，老人晚上出门不方便", "公共设施", address="幸福里 3 号楼南侧",
                        reporter_name="王阿姨", reporter_phone="13800001234")
    _adopt(d, reopened, "涉及公共照明维修，提交议事会协商")
    d.clock.advance(hours=2)
    d.do(reopened, "accept", accept_decision="accepted")
    d.clock.advance(hours=3)
    d.do(reopened, "on_site", on_site_note="已到现场，三盏路灯不亮，线路老化")
    d.clock.advance(hours=18)
    d.do(reopened, "complete", completion_report="已更换路灯线路，路灯恢复照明", evidence="photo://xf01-lamp.jpg")
    d.clock.advance(hours=4)
    d.do(reopened, "rate", rating="dissatisfied", rating_comment="只亮了两盏，还有一盏不亮")
    d.clock.advance(hours=2)
    d.do(reopened, "accept", accept_decision="accepted")

    council = d.report("小区里电动车在楼道充电，建议增设集中充电桩", "公共设施", address="幸福里 4 号楼北侧空地")
    d.do(council, "triage", triage_decision="negotiate", triage_note="需占用公共场地，提交议事会协商")

    flooding = d.report("小区东门下雨就积水，老人出门要绕路", "公共设施", address="幸福里东门")
    _adopt(d, flooding, "需疏通市政雨水管")
    d.do(flooding, "accept", accept_decision="accepted")
    d.clock.advance(hours=4)
    d.do(flooding, "on_site", on_site_note="雨水箅子被落叶堵塞，需清掏并加装挡板")
    d.clock.advance(hours=2)
    d.report("晚上十点以后还有装修电钻声", "噪音扰民", address="幸福里 2 号楼")

    whistled = d.report("小区消防通道被违章搭建和车辆长期占用，电动车也堵在楼道里", "安全隐患",
                        address="幸福里 6 号楼东侧")
    DispatchService(d.service.db, clock).blow_whistle(
        whistled.tracking_code, lead="chengguan", co_departments=["zhujian", "wuye"],
        actor=d.actor_for_role("grid_worker", "XF-01"), reason="违章搭建和占道涉及城管、住建和物业，需联合处置")
    d.clock.advance(minutes=40)
    d.do_for(whistled, "accept", "chengguan", accept_decision="accepted")
    d.clock.advance(minutes=25)
    d.do_for(whistled, "accept", "wuye", accept_decision="accepted")
    d.clock.advance(hours=2)
    d.do_for(whistled, "on_site", "chengguan", on_site_note="已到现场，违建约 20 平方米")
    d.clock.advance(days=1)
    return Showcase(council.tracking_code, reopened.tracking_code, whistled.tracking_code)


@contextmanager
def serve(db: Database, instance: Path) -> Iterator[str]:
    app = create_app({"DATABASE": db, "DATABASE_URL": db.url, "SECRET_KEY": "screenshots",
                      "INSTANCE": str(instance), "RATELIMIT_ENABLED": False})
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


def top(page: Page) -> None:
    """Back to the top of the page, no field focused (filling fields scrolls and leaves a focus ring)."""
    page.evaluate("document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0)")


def save(page: Page, name: str) -> None:
    path = HERE / name
    page.screenshot(path=str(path), type="png", full_page=False, animations="disabled", caret="hide")
    print(f"{path.relative_to(ROOT)}  {path.stat().st_size // 1024} KB")


def shoot(people: People, show: Showcase) -> None:
    department = people.staff("chengguan")
    department.goto("/inbox")
    row = main(department).get_by_role("row").filter(has_text="东门下雨就积水")
    row.get_by_role("button", name="认领", exact=True).click()
    expect(main(department).get_by_role("status")).to_contain_text("已认领")
    department.goto("/inbox")
    save(department, "inbox.png")

    council = people.staff("yishi")
    council.goto("/inbox")
    main(council).get_by_role("row").filter(has_text=show.council_case).get_by_role(
        "link", name="协商议定", exact=True).click()
    form = main(council).locator("form").filter(has=council.get_by_role("button", name="提交", exact=True))
    form.get_by_label("议定结果", exact=True).select_option(label="通过")
    form.get_by_label("责任部门", exact=True).select_option(label="物业服务中心")
    form.get_by_label("赞成票", exact=True).fill("8")
    form.get_by_label("反对票", exact=True).fill("1")
    form.get_by_label("弃权票", exact=True).fill("0")
    form.get_by_label("完成时限", exact=True).fill("2026-12-15")
    top(council)
    save(council, "task_form.png")

    supervisor = people.staff("dudao")
    supervisor.goto(f"/cases/{show.reopened_case}")
    expect(main(supervisor).locator("#case-diagram[data-loaded=true]")).to_be_visible()
    # From the heading down to the end of the diagram (taller than the other shots, the diagram is the point).
    bottom = supervisor.locator("#case-diagram").evaluate("e => e.getBoundingClientRect().bottom + window.scrollY")
    supervisor.set_viewport_size({"width": 1280, "height": int(bottom) + 40})
    expect(main(supervisor).locator("#case-diagram[data-loaded=true]")).to_be_visible()
    top(supervisor)
    save(supervisor, "case_page.png")

    supervisor.set_viewport_size({"width": 1280, "height": 900})
    supervisor.goto(f"/cases/{show.whistled_case}")
    board = main(supervisor).get_by_role("region", name="派单与报到")
    expect(board).to_be_visible()
    board.screenshot(path=str(HERE / "dispatch_board.png"), animations="disabled", caret="hide")
    print(f"{(HERE / 'dispatch_board.png').relative_to(ROOT)}")

    resident = people.window(PHONE)
    resident.goto("/report?new=1")
    save(resident, "resident_report.png")
    resident.goto(f"/track/{show.reopened_case}")
    save(resident, "tracking.png")


def shoot_daily_screens(db: Database, people: People, show: Showcase) -> None:
    """The mediator's agreement being signed, the auditor's filtered access log, the supervisor's escalation.

    Seeded after the other shots: the escalation needs the sweep, which would escalate the inbox's overdue rows.
    """
    from engine.demo import mediation_scenarios as ms
    from engine.demo.scenarios import _dispatch
    from engine.people.actor import Actor

    from engine.audit.service import AuditService

    clock = FixedClock(SystemClock().now() - timedelta(days=8))  # all of it in the past when the pages are read
    d = Driver(CaseService(db, clock), clock)
    late = d.report("共享单车堆放堵住人行道，轮椅过不去", "停车交通", address="幸福里东门人行道")
    _dispatch(d, late)
    d.deadline_passes(late, "accept")
    d.later(days=2)
    dispute = ms.register(d)
    ms.assign_and_accept(d, dispute)
    ms.everyone_agrees(d, dispute)
    ms.session(d, dispute, "agreement", "双方同意按维修报价赔偿，约定十五日内付清")
    item = d.item(dispute, "draft_agreement")
    mediator = Actor(item.assignee, item.role)
    service = ms.mediation(d)
    service.save_agreement_draft(item.id, "一、李春梅于十五日内一次性赔偿王建国维修费人民币 3000 元；\n"
                                 "二、双方今后互相体谅，不再因此事发生争执。", mediator,
                                 performance_deadline=china_date(clock.now()) + timedelta(days=15))
    first = service.mediation_page(dispute.tracking_code, mediator).parties[0]
    service.record_signature(item.id, first.id, mediator, signed=True, signed_on=china_date(clock.now()))

    service.mediation_page(dispute.tracking_code, mediator, show_contacts=True)  # the mediator phones a party
    audit = AuditService(db, clock)
    audit.unmask_reporter(show.reopened_case, Actor("dudao", "supervisor"), "revisit",
                          "反映人评价不满意，称还有一盏路灯不亮，电话核实具体位置")
    clock.advance(hours=3)
    audit.unmask_reporter(show.reopened_case, Actor("wangge", "grid_worker", None, "XF-01"), "contact",
                          "上门查看路灯前与反映人约定时间")


    desk = people.staff(item.assignee)
    desk.goto(f"/mediation/tasks/{item.id}/agreement")
    panel = main(desk).locator("section.task-form")  # the agreement's four steps, from the terms to 协议生效
    panel.screenshot(path=str(HERE / "mediation_agreement.png"), animations="disabled", caret="hide")
    print(f"{(HERE / 'mediation_agreement.png').relative_to(ROOT)}")

    auditor = people.staff("jiandu")
    auditor.goto("/audit/access-log")
    save(auditor, "access_log.png")

    supervisor = people.staff("dudao")
    supervisor.goto("/inbox")
    main(supervisor).get_by_role("row").filter(has_text=late.tracking_code).get_by_role(
        "link", name="部门超时处置", exact=True).click()
    top(supervisor)
    save(supervisor, "escalation_form.png")


def shoot_people_terms(db: Database, people: People, show: Showcase) -> None:
    """Issue 21: the replay in labels and Beijing time, an assessment run from the UI with its chart and
    its meeting report, and a staff page in English."""
    auditor = people.staff("jiandu")
    auditor.goto(f"/audit/cases/{show.reopened_case}?seq=2")
    main(auditor).locator("#step-2 .data-changes").scroll_into_view_if_needed()
    save(auditor, "replay.png")

    supervisor = people.staff("dudao")
    supervisor.goto("/assessments/run")
    main(supervisor).get_by_label("评估类型").select_option("quarterly")
    main(supervisor).get_by_role("button", name="开始评估").click()
    main(supervisor).get_by_role("link", name="查看评估结果").click(timeout=60_000)
    main(supervisor).locator("#units-chart").scroll_into_view_if_needed()
    supervisor.wait_for_function("() => Chart.getChart('units-chart') !== undefined")
    # Canvas animations are not CSS ones: draw the charts' final frame before the shot.
    supervisor.evaluate("() => ['units-chart', 'history-chart'].forEach(id => {"
                        " const c = Chart.getChart(id); c.stop(); c.options.animation = false; c.update('none'); })")
    save(supervisor, "assessment.png")
    main(supervisor).get_by_role("link", name="会议报告（打印）").click()
    save(supervisor, "assessment_report.png")

    english = people.staff("wangge")
    english.get_by_role("button", name="English").click()
    english.goto("/inbox")
    save(english, "inbox_english.png")


def run() -> None:
    chromium = os.environ.get("CASEGRID_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        sys.exit("no chromium: apt-get install chromium (and fonts-wqy-microhei for the Chinese text)")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    with tempfile.TemporaryDirectory(prefix="casegrid-shots-") as tmp:
        os.environ["CASEGRID_INSTANCE"] = str(Path(tmp) / "instance")  # keep the repo's instance folder clean
        db, _ = init_database(f"sqlite:///{Path(tmp) / 'demo.db'}")
        show = seed(db)
        with serve(db, Path(tmp) / "instance") as base_url, sync_playwright() as playwright:
            # Chromium draws date inputs in its own UI language: Chinese (2026/12/15, not 12/15/2026)
            # when LANGUAGE says so and chromium-l10n is installed; without it they show the US order.
            browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS,
                                                 env={**os.environ, "LANGUAGE": "zh_CN", "LANG": "zh_CN.UTF-8"})
            people = People(browser, base_url)
            try:
                shoot(people, show)
                shoot_daily_screens(db, people, show)
                shoot_people_terms(db, people, show)
            finally:
                people.close()
                browser.close()
        db.dispose()


if __name__ == "__main__":
    run()
