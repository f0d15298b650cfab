"""The household register (户籍底册) a household vote is drawn from: who lives in which building of a grid.

Grid workers keep it for their own grid; the council for any grid. Rows are entered as lines of
``楼栋,房号,户主姓名`` (the way a grid worker's paper list reads), checked as a whole — a bad line or
a room already registered names its line and nothing is written.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from engine.council.models import Household
from engine.errors import NotFound, PermissionDenied, ValidationError
from engine.people.actor import Actor
from engine.people.models import Grid

MAX_LINES = 2000
_SEPARATORS = re.compile(r"\s*[,，\t、]\s*")


@dataclass(frozen=True)
class BuildingRow:
    community: str
    grid_code: str | None
    building: str
    households: int


@dataclass(frozen=True)
class RegisterPage:
    grids: list[tuple[str, str]]  # (code, "name（community）") the actor may register for
    buildings: list[BuildingRow]


def _grids_for(session: Session, actor: Actor) -> list[Grid]:
    if actor.role == "grid_worker":
        if not actor.grid_code:
            raise PermissionDenied("您的账号没有所属网格，不能登记住户")
        return list(session.scalars(select(Grid).where(Grid.code == actor.grid_code)))
    if actor.role == "council":
        return list(session.scalars(select(Grid).order_by(Grid.code)))
    raise PermissionDenied("只有网格员和社区治理委员会可以登记住户")


def register_page(session: Session, actor: Actor) -> RegisterPage:
    grids = _grids_for(session, actor)
    codes = [g.code for g in grids]
    rows = session.execute(
        select(Household.community, Household.grid_code, Household.building, func.count())
        .where(Household.grid_code.in_(codes))
        .group_by(Household.community, Household.grid_code, Household.building)
        .order_by(Household.community, Household.building)).all()
    return RegisterPage(grids=[(g.code, f"{g.name}（{g.community}）") for g in grids],
                        buildings=[BuildingRow(c, g, b, n) for c, g, b, n in rows])


def _parse(text: str) -> list[tuple[int, str, str, str]]:
    lines = [(n, line.strip()) for n, line in enumerate((text or "").splitlines(), start=1) if line.strip()]
    if not lines:
        raise ValidationError("请填写住户", {"households": "每行一户：楼栋,房号,户主姓名"})
    if len(lines) > MAX_LINES:
        raise ValidationError("住户过多", {"households": f"一次最多登记 {MAX_LINES} 户"})
    rows, problems = [], []
    for n, line in lines:
        parts = _SEPARATORS.split(line)
        if len(parts) != 3 or not all(parts):
            problems.append(f"第 {n} 行应为“楼栋,房号,户主姓名”")
            continue
        building, room, head = parts
        if len(building) > 40 or len(room) > 40 or len(head) > 100:
            problems.append(f"第 {n} 行过长（楼栋、房号不超过 40 字，姓名不超过 100 字）")
            continue
        if any(ord(ch) < 32 or ord(ch) == 127 for ch in building + room + head):
            problems.append(f"第 {n} 行含有控制字符")
            continue
        rows.append((n, building, room, head))
    if problems:
        raise ValidationError("住户名单有误", {"households": "；".join(problems[:10])})
    return rows


def register_households(session: Session, *, grid_code: str, text: str, actor: Actor) -> int:
    """Register the households listed in ``text`` for ``grid_code``'s community; returns how many."""
    grid = next((g for g in _grids_for(session, actor) if g.code == grid_code), None)
    if grid is None:
        if session.scalar(select(Grid.id).where(Grid.code == grid_code)) is None:
            raise NotFound("网格不存在")
        raise PermissionDenied("只能为自己的网格登记住户")
    rows = _parse(text)
    seen: dict[tuple[str, str], int] = {}
    problems = []
    for n, building, room, _ in rows:
        if (building, room) in seen:
            problems.append(f"第 {n} 行与第 {seen[building, room]} 行是同一户（{building} {room}）")
        seen.setdefault((building, room), n)
    known = set(session.execute(select(Household.building, Household.room).where(
        Household.community == grid.community, Household.building.in_({b for _, b, _, _ in rows}))).tuples())
    problems += [f"第 {n} 行：{b} {r} 已登记" for n, b, r, _ in rows if (b, r) in known]
    if problems:
        raise ValidationError("住户名单有误", {"households": "；".join(problems[:10])})
    session.execute(insert(Household), [
        {"community": grid.community, "building": b, "room": r, "head_name": h, "grid_code": grid.code}
        for _, b, r, h in rows])
    return len(rows)
