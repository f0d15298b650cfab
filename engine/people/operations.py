"""Creating the organisation: departments, grids, users."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import ValidationError
from engine.org.models import Unit
from engine.people.category import Category
from engine.people.models import Department, Grid, User
from engine.people.roles import Role
from engine.people.units import grid_unit


def ensure_department(session: Session, code: str, name: str) -> Department:
    department = session.scalar(select(Department).where(Department.code == code))
    if department is None:
        department = Department(code=code, name=name, active=True)
        session.add(department)
        session.flush()
    return department


def ensure_grid(session: Session, code: str, name: str, community: str, *, street: Unit | None = None) -> Grid:
    """The grid ``code``, created under its community in ``street`` (default: the default street) if new."""
    grid = session.scalar(select(Grid).where(Grid.code == code))
    if grid is None:
        grid = Grid(code=code, name=name, community=community, unit_id=grid_unit(session, community, street))
        session.add(grid)
        session.flush()
    return grid


def name_in_english(session: Session, english: dict[str, str]) -> None:
    """Give categories, departments, grids and communities named in ``english`` (Chinese → English) that
    English name, where they have none yet (an admin's own choice is kept; idempotent)."""
    for row in session.scalars(select(Category).where(Category.name_en.is_(None))):
        row.name_en = english.get(row.name)
    for department in session.scalars(select(Department).where(Department.name_en.is_(None))):
        department.name_en = english.get(department.name)
    for grid in session.scalars(select(Grid)):
        grid.name_en = grid.name_en or english.get(grid.name)
        grid.community_en = grid.community_en or english.get(grid.community)
    session.flush()


def ensure_user(session: Session, username: str, display_name: str, role: str, *,
                department_code: str | None = None, grid_code: str | None = None,
                password_hash: str | None = None, unit_id: int | None = None) -> User:
    """Create the user unless one with this name exists (then it is returned unchanged). ``unit_id``: the unit
    the role is held at (None: the department's unit, else the default street; :mod:`engine.people.units`)."""
    if role not in {r.value for r in Role}:
        raise ValidationError("用户信息有误", {"role": f"未知角色 {role}"})
    if role == Role.DEPARTMENT.value and not department_code:
        raise ValidationError("用户信息有误", {"department_code": "职能部门用户必须属于一个部门"})
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        user = User(username=username, display_name=display_name, role=role, department_code=department_code,
                    grid_code=grid_code, password_hash=password_hash, active=True, unit_id=unit_id)
        session.add(user)
        session.flush()
    return user
