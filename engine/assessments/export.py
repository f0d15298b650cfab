"""A run's results as CSV (UTF-8 with BOM, so Excel shows the Chinese) or as an XLSX workbook (openpyxl)."""
from __future__ import annotations

import csv
import io
import json
from typing import Any

from engine.assessments.formatting import KIND_LABELS, STATUS_LABELS, TREND_ARROWS, format_target, format_value
from engine.assessments.indicators import INDICATORS, UNIT_TYPE_LABELS
from engine.assessments.ranking import detail_text as ranking_text
from engine.assessments.store import ResultView, RunReport
from engine.spreadsheet_cells import csv_cell, guard_xlsx_cell

HEADERS = ("评估类型", "评估期", "单位类型", "单位代码", "单位", "指标", "数值", "分子", "分母", "目标", "状态",
           "上期", "趋势", "连续未达标期数", "连续未达标警示", "明细")
#: Background of the status cell in the workbook.
_FILL = {"met": "E3F1E4", "below": "FBE3E1"}


def file_stem(report: RunReport) -> str:
    return f"assessment-{report.run.kind}-{report.run.period}"


def _detail_text(detail: object) -> str:
    if not detail:
        return ""
    if isinstance(detail, list) and all(isinstance(d, dict) and "code" in d for d in detail):
        return "、".join(str(d["code"]) for d in detail)
    if isinstance(detail, dict) and "rank" in detail:
        return ranking_text(detail)
    return json.dumps(detail, ensure_ascii=False)


def _better(r: ResultView) -> str | None:
    return INDICATORS[r.indicator].better if r.indicator in INDICATORS else None


def _ordered(report: RunReport) -> list[ResultView]:
    order = {key: i for i, key in enumerate(INDICATORS)}
    return [unit.results[key] for unit in report.units()
            for key in sorted(unit.results, key=lambda k: order.get(k, 99))]


def _row(report: RunReport, r: ResultView) -> list[object]:
    return [KIND_LABELS.get(report.run.kind, report.run.kind), report.run.period,
            UNIT_TYPE_LABELS.get(r.unit_type, r.unit_type), r.unit_code, r.unit_name, r.label]


def to_csv(report: RunReport) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    for r in _ordered(report):
        writer.writerow([csv_cell(value) for value in _row(report, r) + [
            format_value(r.value, r.value_kind),
            "" if r.numerator is None else r.numerator, "" if r.denominator is None else r.denominator,
            format_target(r.target, r.value_kind, _better(r)), STATUS_LABELS.get(r.status, r.status),
            "" if r.previous_value is None else format_value(r.previous_value, r.value_kind),
            TREND_ARROWS.get(r.trend or "", ""), r.streak, "是" if r.flagged else "", _detail_text(r.detail)]])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _number_format(kind: str) -> str:
    return {"rate": "0.0%", "days": "0.0", "points": "0.0", "hours": "0.0"}.get(kind, "0")


def to_xlsx(report: RunReport) -> bytes:
    # Imported here, not at the top: openpyxl costs 0.1 s to import, and every ``casegrid``
    # command and web worker imports this package while few of them ever write a workbook.
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "评估结果"
    _fill_sheet(sheet, report, _ordered(report))
    flagged = [r for r in _ordered(report) if r.flagged]
    if report.run.kind == "quarterly":
        _fill_sheet(book.create_sheet("连续未达标警示"), report, flagged)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _fill_sheet(sheet: Any, report: RunReport, results: list[ResultView]) -> None:
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    sheet.append(list(HEADERS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for r in results:
        sheet.append(_row(report, r) + [
            r.value, r.numerator, r.denominator, r.target, STATUS_LABELS.get(r.status, r.status), r.previous_value,
            TREND_ARROWS.get(r.trend or "", ""), r.streak, "是" if r.flagged else "", _detail_text(r.detail)])
        row = sheet.max_row
        for cell in sheet[row]:  # names and details are data, never formulas
            guard_xlsx_cell(cell)
        for column in (7, 10, 12):
            sheet.cell(row, column).number_format = _number_format(r.value_kind)
        if r.value is None:
            sheet.cell(row, 7).value = "n/a"
        if r.status in _FILL:
            sheet.cell(row, 11).fill = PatternFill("solid", fgColor=_FILL[r.status])
    sheet.freeze_panes = "A2"
    for column, width in enumerate((8, 10, 12, 16, 24, 22, 10, 8, 8, 10, 8, 10, 6, 14, 8, 40), start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
