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
from engine.service import CaseService
from tests.browser.conftest import CHROMIUM_ARGS
from tests.browser.helpers import PHONE, People, main
from web import create_app


@dataclass
class Showcase:
    council_case: str  # waits for the council's resolution (the task form)
    reopened_case: str  # rated 不满意 once, back with the department (case page, tracking page)


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
    return Showcase(council.tracking_code, reopened.tracking_code)


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

    resident = people.window(PHONE)
    resident.goto("/report?new=1")
    save(resident, "resident_report.png")
    resident.goto(f"/track/{show.reopened_case}")
    save(resident, "tracking.png")


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
            finally:
                people.close()
                browser.close()
        db.dispose()


if __name__ == "__main__":
    run()
