"""The data-use log as an auditor's tool: filter by who, case, purpose and date range, page, export.

Reading only: entries are written by :func:`engine.audit.access_log.record_access` and nowhere else.
Dates are days in China (Asia/Shanghai), as the auditor means them: 2026-03-02 is from 00:00 to 24:00
Beijing time, whatever the server's clock zone. The exports neutralise spreadsheet formulas the way the
assessment exports do (:mod:`engine.spreadsheet_cells`): a reason is free text typed by staff.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session

from engine.audit.access_log import KINDS, AccessLogEntry, AccessLogPage, AccessRow
from engine.audit.purposes import MEDIATION_CONTACT, UNMASK_PURPOSES
from engine.calendar import CHINA_TZ, china_date
from engine.cases.models import Case
from engine.clock import as_utc, to_db
from engine.errors import ValidationError
from engine.people.models import User
from engine.people.roles import ROLE_LABELS, Role
from engine.spreadsheet_cells import csv_cell, guard_xlsx_cell

#: Purpose code → what the reasons of that purpose start with (the unmasking purposes, the mediator's own).
PURPOSES: dict[str, str] = {**UNMASK_PURPOSES, "mediation": MEDIATION_CONTACT}
#: The most rows one export holds; a wider range is refused (narrow the filter) rather than cut silently.
MAX_EXPORT_ROWS = 100_000
MAX_PAGE_SIZE = 200
KIND_LABELS = {"unmask": "查看敏感信息", "export": "导出记录", "download": "下载证据原件",
               "core_request": "申请查看核心数据", "core_approve": "批准查看核心数据", "core_refuse": "不批准查看核心数据"}
WHAT_LABELS = {"reporter_name": "反映人姓名", "reporter_phone": "反映人电话", "bundle": "完整签名记录",
               "party_phone": "当事人电话", "party_address": "当事人住址"}
HEADERS = ("时间（北京时间）", "人员", "用户名", "角色", "类型", "案件编号", "内容", "理由")


@dataclass(frozen=True)
class AccessLogFilter:
    #: A username or a display name (exact).
    who: str | None = None
    tracking_code: str | None = None
    kind: str | None = None
    #: A key of :data:`PURPOSES`.
    purpose: str | None = None
    #: First and last day (China time), both included.
    date_from: date | None = None
    date_to: date | None = None


def _day_start(day: date) -> datetime:
    start = to_db(datetime.combine(day, time.min, tzinfo=CHINA_TZ))
    assert start is not None
    return start


def _conditions(flt: AccessLogFilter) -> list[ColumnElement[bool]]:
    errors = {}
    if flt.kind and flt.kind not in KINDS:
        errors["kind"] = f"类型应为：{'、'.join(KIND_LABELS.values())}"
    if flt.purpose and flt.purpose not in PURPOSES:
        errors["purpose"] = "请从列表中选择目的"
    if flt.date_from and flt.date_to and flt.date_to < flt.date_from:
        errors["date_to"] = "结束日期不能早于开始日期"
    if errors:
        raise ValidationError("查询条件有误", errors)
    conditions: list[ColumnElement[bool]] = []
    if who := (flt.who or "").strip():
        conditions.append(or_(AccessLogEntry.username == who, User.display_name == who))
    if code := (flt.tracking_code or "").strip().upper():
        conditions.append(Case.tracking_code == code)
    if flt.kind:
        conditions.append(AccessLogEntry.kind == flt.kind)
    if flt.purpose:
        words = PURPOSES[flt.purpose]
        # An unmasking's reason is "<purpose>：<detail>"; the mediator's is the purpose alone.
        conditions.append(or_(AccessLogEntry.reason == words, AccessLogEntry.reason.startswith(f"{words}：",
                                                                                               autoescape=True)))
    if flt.date_from:
        conditions.append(AccessLogEntry.at >= _day_start(flt.date_from))
    if flt.date_to:
        conditions.append(AccessLogEntry.at < _day_start(flt.date_to + timedelta(days=1)))
    return conditions


def _query(flt: AccessLogFilter) -> Select[Any]:
    return (select(AccessLogEntry, Case.tracking_code, User.display_name)
            .outerjoin(Case, Case.id == AccessLogEntry.case_id)
            .outerjoin(User, User.username == AccessLogEntry.username)
            .where(*_conditions(flt))
            .order_by(AccessLogEntry.at.desc(), AccessLogEntry.id.desc()))


def _row(entry: AccessLogEntry, code: str | None, name: str | None) -> AccessRow:
    return AccessRow(entry.id, as_utc(entry.at), entry.username, name, entry.role, entry.kind, code, entry.what,
                     entry.reason)


def search_access_log(session: Session, flt: AccessLogFilter, *, page: int = 1, page_size: int = 50) -> AccessLogPage:
    """One page of the entries that match, newest first, with the total."""
    if page < 1 or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValidationError("分页参数有误", {"page": "页码必须是正整数"})
    query = _query(flt)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = session.execute(query.limit(page_size).offset((page - 1) * page_size)).all()
    return AccessLogPage(tuple(_row(e, code, name) for e, code, name in rows), page, page_size, total)


def matching_rows(session: Session, flt: AccessLogFilter) -> list[AccessRow]:
    """Every matching entry for an export; :class:`ValidationError` when there are too many to be useful."""
    query = _query(flt)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    if total > MAX_EXPORT_ROWS:
        raise ValidationError("记录太多", {"date_from": f"共 {total} 条，一次最多导出 {MAX_EXPORT_ROWS} 条，请缩小日期范围"})
    return [_row(e, code, name) for e, code, name in session.execute(query)]


# -- export ------------------------------------------------------------------------------------------

def _cells(row: AccessRow) -> list[str]:
    role = ROLE_LABELS[Role(row.role)] if row.role in Role._value2member_map_ else row.role
    moment = row.at.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M:%S")
    what = "、".join(WHAT_LABELS.get(part, part) for part in row.what.split(","))
    return [moment, row.display_name or row.username, row.username, role, KIND_LABELS.get(row.kind, row.kind),
            row.tracking_code or "", what, row.reason]


def file_stem(flt: AccessLogFilter, at: datetime) -> str:
    """access-log-20260302 (the day of the export), with the range when one was chosen."""
    if flt.date_from or flt.date_to:
        first = flt.date_from.strftime("%Y%m%d") if flt.date_from else "start"
        last = flt.date_to.strftime("%Y%m%d") if flt.date_to else "now"
        return f"access-log-{first}-{last}"
    return f"access-log-{china_date(at).strftime('%Y%m%d')}"


def to_csv(rows: list[AccessRow]) -> bytes:
    """UTF-8 with a BOM, so Excel and WPS show the Chinese."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    for row in rows:
        writer.writerow([csv_cell(value) for value in _cells(row)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _sheet_rows(rows: list[AccessRow]) -> Iterator[list[str]]:
    yield list(HEADERS)
    for row in rows:
        yield _cells(row)


def to_xlsx(rows: list[AccessRow]) -> bytes:
    # Imported here: openpyxl is slow to import and few requests write a workbook.
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = "数据使用记录"
    for values in _sheet_rows(rows):
        sheet.append(values)
        for cell in sheet[sheet.max_row]:  # names and reasons are data, never formulas
            guard_xlsx_cell(cell)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for column, width in enumerate((20, 12, 14, 12, 12, 16, 24, 60), start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
