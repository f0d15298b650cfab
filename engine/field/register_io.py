"""Households in and out as CSV or XLSX (the grid worker's spreadsheet of their grid): all or nothing.

Columns: 楼栋, 房号, 户主, 标识 (flag labels separated by 、 or ;). A row naming a household already in the
register updates its head and flags; any other adds one. Every line is checked first: one bad line names
its line number (the header is line 1) and nothing at all is written.
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.council.models import Household
from engine.errors import NotFound, PermissionDenied, ValidationError
from engine.field import access
from engine.field.flags import FLAGS, flag_code, flags_of, set_flags
from engine.people.actor import Actor
from engine.people.models import Grid
from engine.people.roles import Role
from engine.spreadsheet_cells import csv_cell, guard_xlsx_cell

HEADER = ("楼栋", "房号", "户主", "标识")
EXPORT_HEADER = ("网格", "社区", *HEADER)
MAX_ROWS = 5000
MAX_BYTES = 2 * 1024 * 1024
_SPLIT = re.compile(r"\s*[、;；,，]\s*")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Imported:
    added: int
    updated: int


def _refuse(problem: str) -> ValidationError:
    return ValidationError("住户表有误，未导入任何一行", {"file": problem})


def _rows_of(data: bytes, name: str) -> list[list[str]]:
    if len(data) > MAX_BYTES:
        raise _refuse(f"文件不能超过 {MAX_BYTES // 1024 // 1024} MB")
    if name.lower().endswith(".xlsx"):
        from openpyxl import load_workbook
        try:
            sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
            return [["" if v is None else str(v).strip() for v in row]
                    for row in sheet.iter_rows(max_row=MAX_ROWS + 2, values_only=True)]
        except (zipfile.BadZipFile, KeyError, ValueError, OSError, IndexError, TypeError):
            raise _refuse("不是有效的 XLSX 文件") from None
    if not name.lower().endswith(".csv"):
        raise _refuse("请上传 .csv 或 .xlsx 文件")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")  # WPS and Excel in China save CSV as GBK by default
        except UnicodeDecodeError:
            raise _refuse("CSV 文件应为 UTF-8 或 GBK 编码") from None
    if "\x00" in text:
        raise _refuse("CSV 文件含有空字符")
    try:
        return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text))]
    except csv.Error as exc:
        raise _refuse(f"CSV 格式有误：{exc}") from None


def _grid_for(session: Session, grid_code: str, actor: Actor) -> Grid:
    if actor.role not in (Role.GRID_WORKER.value, Role.SUPERVISOR.value):
        raise PermissionDenied("只有网格员和街道督办可以导入住户")
    grid = session.scalar(select(Grid).where(Grid.code == (grid_code or "").strip()))
    if grid is None:
        raise NotFound("网格不存在")
    access.check_grid(actor, grid.code)
    return grid


def import_households(session: Session, grid_code: str, data: bytes, name: str, *, actor: Actor,
                      at: datetime) -> Imported:
    grid = _grid_for(session, grid_code, actor)
    rows = [r for r in _rows_of(data, name)]
    while rows and not any(rows[-1]):
        rows.pop()
    # The export's own layout (网格, 社区 first) comes back in as it went out.
    offset = 2 if rows and tuple(rows[0][:2]) == EXPORT_HEADER[:2] else 0
    if not rows or tuple(rows[0][offset:offset + 4]) != HEADER:
        raise _refuse(f"第 1 行应为表头：{','.join(HEADER)}")
    if len(rows) - 1 > MAX_ROWS:
        raise _refuse(f"一次最多导入 {MAX_ROWS} 户")
    parsed: list[tuple[int, str, str, str, list[str]]] = []
    seen: dict[tuple[str, str], int] = {}
    for n, row in enumerate(rows[1:], start=2):
        if not any(row):
            continue
        if offset and row[0] and row[0] != grid.code:
            raise _refuse(f"第 {n} 行：网格 {row[0][:20]} 不是所选的网格 {grid.code}")
        row = row[offset:]
        cells = (row + ["", "", "", ""])[:4]
        if len(row) > 4 and any(row[4:]):
            raise _refuse(f"第 {n} 行多出了列（只应有 {len(HEADER)} 列）")
        building, room, head, flag_text = cells
        if not building or not room or not head:
            raise _refuse(f"第 {n} 行：楼栋、房号、户主都必须填写")
        if len(building) > 40 or len(room) > 40 or len(head) > 100:
            raise _refuse(f"第 {n} 行过长（楼栋、房号不超过 40 字，户主不超过 100 字）")
        if any(_CONTROL.search(c) for c in cells):
            raise _refuse(f"第 {n} 行含有控制字符")
        codes = []
        for label in filter(None, _SPLIT.split(flag_text)):
            code = flag_code(label)
            if code is None:
                raise _refuse(f"第 {n} 行：未知的标识“{label[:20]}”（可选：{'、'.join(FLAGS.values())}）")
            codes.append(code)
        if (building, room) in seen:
            raise _refuse(f"第 {n} 行与第 {seen[building, room]} 行是同一户（{building} {room}）")
        seen[building, room] = n
        parsed.append((n, building, room, head, codes))
    if not parsed:
        raise _refuse("表中没有住户")
    known = {(h.building, h.room): h for h in session.scalars(select(Household).where(
        Household.community == grid.community, Household.building.in_({p[1] for p in parsed})))}
    for n, building, room, _head, _codes in parsed:
        home = known.get((building, room))
        if home is not None and home.grid_code not in (None, grid.code):
            raise _refuse(f"第 {n} 行：{building} {room} 属于网格 {home.grid_code}，不能在此导入")
    added = updated = 0
    for _n, building, room, head, codes in parsed:
        home = known.get((building, room))
        if home is None:
            home = Household(community=grid.community, building=building, room=room, head_name=head,
                             grid_code=grid.code)
            session.add(home)
            session.flush()
            added += 1
        else:
            home.head_name, home.grid_code = head, grid.code
            updated += 1
        set_flags(session, home, codes, actor=actor, at=at)
    return Imported(added, updated)


def export_rows(session: Session, actor: Actor) -> list[tuple[str, str, str, str, str, str]]:
    """(网格, 社区, 楼栋, 房号, 户主, 标识) of the households the actor may see."""
    scope = access.grid_scope(actor)
    stmt = select(Household).order_by(Household.community, Household.building, Household.room)
    if scope is not None:
        stmt = stmt.where(Household.grid_code == scope)
    homes = list(session.scalars(stmt))
    flags = flags_of(session, [h.id for h in homes])
    return [(h.grid_code or "", h.community, h.building, h.room, h.head_name,
             "、".join(FLAGS[f] for f in flags[h.id])) for h in homes]



def to_csv(rows: Sequence[tuple[str, ...]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_HEADER)
    writer.writerows([csv_cell(c) for c in row] for row in rows)
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(rows: Sequence[tuple[str, ...]]) -> bytes:
    from openpyxl import Workbook
    book = Workbook()
    sheet = book.active
    sheet.title = "住户"
    sheet.append(EXPORT_HEADER)
    for row in rows:
        sheet.append(list(row))
    for line in sheet.iter_rows(min_row=2):
        for cell in line:
            guard_xlsx_cell(cell)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
