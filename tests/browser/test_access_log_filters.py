"""The auditor narrows the data-use log in a browser (who, purpose, Beijing days), pages through it and
downloads what the filter selects as CSV and XLSX."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime, timezone

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser, expect

from engine.audit.access_log import record_access
from engine.audit.purposes import unmask_reason
from engine.cases.models import Case
from engine.clock import FixedClock
from engine.db import Database
from engine.demo.driver import Driver
from engine.people.actor import Actor
from engine import CaseService
from tests.browser.helpers import People, click, main


@pytest.fixture
def people(browser: Browser, live_server: str) -> Iterator[People]:
    crowd = People(browser, live_server)
    yield crowd
    crowd.close()


def _log(db: Database, actor: Actor, case: Case, reason: str, at: datetime) -> None:
    with db.transaction() as s:
        record_access(s, actor, kind="unmask", case=s.get(Case, case.id), what="reporter_name,reporter_phone",
                      reason=reason, at=at)


def test_the_auditor_filters_pages_and_exports_the_access_log(people: People, db: Database,
                                                              clock: FixedClock) -> None:
    driver = Driver(CaseService(db, clock), clock)
    case = driver.report("楼道灯坏了，晚上很黑", "公共设施")
    supervisor, grid_worker = Actor("dudao", "supervisor"), Actor("wangge", "grid_worker", None, "XF-01")
    for minute in range(52):  # a busy morning of revisits by the supervisor: more than one page
        _log(db, supervisor, case, unmask_reason("revisit", f"第 {minute:02d} 次电话回访核实办理结果"),
             datetime(2026, 3, 1, 1, minute, tzinfo=timezone.utc))
    # 17:30 UTC on 1 March is 01:30 on 2 March in Beijing.
    _log(db, grid_worker, case, unmask_reason("contact", "上门处理前需要约好时间联系反映人"),
         datetime(2026, 3, 1, 17, 30, tzinfo=timezone.utc))

    auditor = people.staff("jiandu")
    auditor.goto("/audit/access-log")
    expect(main(auditor)).to_contain_text("共 53 条记录。")
    main(auditor).get_by_role("link", name="下一页").click()
    expect(main(auditor)).to_contain_text("第 2 / 2 页")

    filters = main(auditor).get_by_role("search")
    filters.get_by_label("人员（用户名或姓名）").fill("李网格员")
    filters.get_by_label("目的").select_option(label="处理本案需要联系当事人")
    filters.get_by_label("日期（起）").fill("2026-03-02")
    filters.get_by_label("日期（止）").fill("2026-03-02")
    click(auditor, "查询")
    expect(main(auditor)).to_contain_text("共 1 条记录。")
    row = main(auditor).locator("table.access-log tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("李网格员")
    expect(row).to_contain_text("上门处理前需要约好时间联系反映人")

    with auditor.expect_download() as download:
        main(auditor).get_by_role("link", name="CSV").click()
    assert download.value.suggested_filename == "access-log-20260302-20260302.csv"
    rows = list(csv.reader(io.StringIO(download.value.path().read_text(encoding="utf-8-sig"))))
    assert len(rows) == 2 and rows[1][0] == "2026-03-02 01:30:00" and rows[1][2] == "wangge"

    with auditor.expect_download() as download:
        main(auditor).get_by_role("link", name="Excel (XLSX)").click()
    sheet = load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    assert sheet.max_row == 2 and sheet.cell(2, 2).value == "李网格员"

    filters.get_by_label("日期（起）").fill("2026-03-05")
    click(auditor, "查询")  # the end before the start: said next to the field
    expect(main(auditor).locator(".field.has-error")).to_contain_text("结束日期不能早于开始日期")
