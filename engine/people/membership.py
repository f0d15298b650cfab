"""Which department or grid an account with a given role belongs to, checked before anything is written."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import ValidationError
from engine.people.models import Department, Grid
from engine.people.roles import Role

_ROLES = {r.value for r in Role}


def check_membership(session: Session, role: str, department_code: str | None, grid_code: str | None, *,
                     current_department: str | None = None) -> tuple[str | None, str | None]:
    """The ``(department_code, grid_code)`` to store for an account with ``role``.

    A department user must belong to an active department and a grid worker to an
    existing grid; other roles belong to neither (a value given for them is dropped,
    so changing a user's role never leaves a stale department that would route work
    to them). A deactivated department is refused unless it is ``current_department``,
    the one the account already has (so its other details can still be edited).
    Raises :class:`ValidationError` naming the bad field — never the database's
    foreign-key error.
    """
    department_code = (department_code or "").strip() or None
    grid_code = (grid_code or "").strip() or None
    errors: dict[str, str] = {}
    if role not in _ROLES:
        errors["role"] = f"未知角色 {role}"
    if role == Role.DEPARTMENT.value:
        if department_code is None:
            errors["department_code"] = "职能部门用户必须属于一个部门"
        else:
            department = session.scalar(select(Department).where(Department.code == department_code))
            if department is None:
                errors["department_code"] = f"部门 {department_code} 不存在"
            elif not department.active and department_code != current_department:
                errors["department_code"] = f"部门 {department_code} 已停用"
    if role == Role.GRID_WORKER.value:
        if grid_code is None:
            errors["grid_code"] = "网格员必须负责一个网格"
        elif session.scalar(select(Grid.id).where(Grid.code == grid_code)) is None:
            errors["grid_code"] = f"网格 {grid_code} 不存在"
    if errors:
        raise ValidationError("用户信息有误", errors)
    return (department_code if role == Role.DEPARTMENT.value else None,
            grid_code if role == Role.GRID_WORKER.value else None)


def membership_or_errors(session: Session, role: str, department_code: str | None, grid_code: str | None,
                         errors: dict[str, str]) -> tuple[str | None, str | None]:
    """:func:`check_membership` for a form that gathers every field's error: a bad membership adds its
    errors to ``errors`` (and answers the values as given) instead of raising."""
    try:
        return check_membership(session, role, department_code, grid_code)
    except ValidationError as exc:
        errors.update(exc.field_errors)
        return department_code, grid_code
