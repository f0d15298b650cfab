"""Administering the directory: accounts, departments, grids and categories (the admin's pages and CLI).

Every function runs in the caller's transaction and never commits. It checks its
input first — a :class:`ValidationError` names each bad field and nothing is
written — then changes the rows and logs who did what on the ``casegrid.admin``
logger. Nothing is ever deleted: events name users and departments, cases name
categories, so they are deactivated instead.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.cases.models import WorkItem
from engine.errors import NotFound, ValidationError
from engine.people import accounts
from engine.people.accounts import Account
from engine.people.category import Category
from engine.people.membership import check_membership
from engine.people.models import Department, Grid, User
from engine.people.roles import Role

log = logging.getLogger("casegrid.admin")

#: Department and grid codes: they appear in diagrams, URLs and exports.
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,39}")


@dataclass(frozen=True)
class DepartmentEntry:
    code: str
    name: str
    active: bool


@dataclass(frozen=True)
class GridEntry:
    code: str
    name: str
    community: str


@dataclass(frozen=True)
class CategoryEntry:
    name: str
    active: bool


@dataclass(frozen=True)
class Organisation:
    """Everything on the admin's organisation page, inactive entries included."""

    departments: list[DepartmentEntry]
    grids: list[GridEntry]
    categories: list[CategoryEntry]


def organisation(session: Session) -> Organisation:
    return Organisation(
        [DepartmentEntry(d.code, d.name, d.active)
         for d in session.scalars(select(Department).order_by(Department.code))],
        [GridEntry(g.code, g.name, g.community) for g in session.scalars(select(Grid).order_by(Grid.code))],
        [CategoryEntry(c.name, c.active) for c in _categories_in_order(session)],
    )


def active_categories(session: Session) -> list[str]:
    """The categories a new case may name, in the order forms list them."""
    return [c.name for c in _categories_in_order(session) if c.active]


def is_active_category(session: Session, name: str | None) -> bool:
    return session.scalar(select(Category.id).where(Category.name == name, Category.active.is_(True))) is not None


def seed_categories(session: Session, names: tuple[str, ...] | list[str]) -> None:
    """Add any of ``names`` that is missing, after the existing ones (idempotent)."""
    existing = set(session.scalars(select(Category.name)))
    for name in names:
        if name not in existing:
            session.add(Category(name=name, sort_order=_next_order(session), active=True))
            session.flush()


def _categories_in_order(session: Session) -> list[Category]:
    return list(session.scalars(select(Category).order_by(Category.sort_order, Category.id)))


def _next_order(session: Session) -> int:
    return (session.scalar(select(func.max(Category.sort_order))) or 0) + 10


def _text(errors: dict[str, str], field: str, value: str | None, label: str, max_length: int) -> str:
    text = (value or "").strip()
    if not text or len(text) > max_length:
        errors[field] = f"请填写{label}（最多 {max_length} 字）"
    return text


def _code(errors: dict[str, str], value: str | None) -> str:
    code = (value or "").strip()
    if not _CODE.fullmatch(code):
        errors["code"] = "代码为 1–40 个字母、数字、- 或 _，以字母或数字开头"
    return code


def _raise(errors: dict[str, str], message: str) -> None:
    if errors:
        raise ValidationError(message, errors)


# -- accounts ------------------------------------------------------------------------


def _user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"用户 {username} 不存在")
    return user


def find_account(session: Session, username: str) -> Account:
    """The account, disabled or not (:func:`accounts.account_by_id` hides disabled ones from logins)."""
    return Account.of(_user(session, username))


def create_account(session: Session, username: str, display_name: str, role: str, password: str, *,
                   department_code: str | None, grid_code: str | None, by: str) -> Account:
    account = accounts.add_account(session, username, display_name, role, password,
                                   department_code=department_code, grid_code=grid_code)
    log.info("%s created user %s (role %s, department %s, grid %s)", by, account.username, account.role,
             account.department_code, account.grid_code)
    return account


def _check_keeps_an_admin(session: Session, user: User, field: str) -> None:
    """Refuse a change that would leave nobody able to administer the system."""
    if user.role != Role.ADMIN.value or not user.active:
        return
    others = session.scalar(select(func.count(User.id)).where(
        User.role == Role.ADMIN.value, User.active.is_(True), User.id != user.id))
    if not others:
        raise ValidationError("必须保留一名启用的系统管理员", {field: "这是最后一名启用的系统管理员"})


def update_account(session: Session, username: str, *, display_name: str, role: str,
                   department_code: str | None, grid_code: str | None, by: str) -> Account:
    """Change the name, role and membership of an account (its username never changes)."""
    user = _user(session, username)
    errors: dict[str, str] = {}
    display_name = _text(errors, "display_name", display_name, "姓名", 100)
    try:
        department_code, grid_code = check_membership(session, role, department_code, grid_code,
                                                      current_department=user.department_code)
    except ValidationError as exc:
        errors.update(exc.field_errors)
    _raise(errors, "用户信息有误")
    if role != user.role:
        _check_keeps_an_admin(session, user, "role")
    user.display_name, user.role = display_name, role
    user.department_code, user.grid_code = department_code, grid_code
    session.flush()
    log.info("%s updated user %s: role %s, department %s, grid %s", by, username, role, department_code, grid_code)
    return Account.of(user)


def set_account_active(session: Session, username: str, active: bool, *, by: str) -> Account:
    """Disable an account (it can no longer log in; its history stays) or enable it again."""
    user = _user(session, username)
    if not active:
        if username == by:
            raise ValidationError("不能停用自己的账号", {"active": "不能停用自己的账号"})
        _check_keeps_an_admin(session, user, "active")
    user.active = active
    session.flush()
    log.info("%s %s user %s", by, "enabled" if active else "disabled", username)
    return Account.of(user)


def held_work_items(session: Session, username: str) -> int:
    """Open work items ``username`` has claimed: nobody else can act on them until a supervisor reassigns."""
    return session.scalar(select(func.count(WorkItem.id)).where(
        WorkItem.assignee == username, WorkItem.state.in_(WorkItem.OPEN_STATES))) or 0


def reset_password(session: Session, username: str, password: str, *, by: str) -> Account:
    _user(session, username)
    account = accounts.set_password(session, username, password)
    log.info("%s reset the password of %s", by, username)
    return account


# -- departments and grids ----------------------------------------------------------


def _department(session: Session, code: str) -> Department:
    department = session.scalar(select(Department).where(Department.code == code))
    if department is None:
        raise NotFound(f"部门 {code} 不存在")
    return department


def add_department(session: Session, code: str, name: str, *, by: str) -> DepartmentEntry:
    errors: dict[str, str] = {}
    code, name = _code(errors, code), _text(errors, "name", name, "部门名称", 100)
    if "code" not in errors and session.scalar(select(Department.id).where(Department.code == code)):
        errors["code"] = f"部门代码 {code} 已存在"
    _raise(errors, "部门信息有误")
    session.add(Department(code=code, name=name, active=True))
    session.flush()
    log.info("%s added department %s %s", by, code, name)
    return DepartmentEntry(code, name, True)


def rename_department(session: Session, code: str, name: str, *, by: str) -> DepartmentEntry:
    department = _department(session, code)
    errors: dict[str, str] = {}
    name = _text(errors, "name", name, "部门名称", 100)
    _raise(errors, "部门信息有误")
    department.name = name
    log.info("%s renamed department %s to %s", by, code, name)
    return DepartmentEntry(code, name, department.active)


def set_department_active(session: Session, code: str, active: bool, *, by: str) -> DepartmentEntry:
    """A deactivated department disappears from form options; its cases and users stay as they are."""
    department = _department(session, code)
    department.active = active
    log.info("%s %s department %s", by, "activated" if active else "deactivated", code)
    return DepartmentEntry(code, department.name, active)


def _grid_fields(errors: dict[str, str], name: str, community: str) -> tuple[str, str]:
    return _text(errors, "name", name, "网格名称", 100), _text(errors, "community", community, "所属社区", 100)


def add_grid(session: Session, code: str, name: str, community: str, *, by: str) -> GridEntry:
    errors: dict[str, str] = {}
    code = _code(errors, code)
    name, community = _grid_fields(errors, name, community)
    if "code" not in errors and session.scalar(select(Grid.id).where(Grid.code == code)):
        errors["code"] = f"网格代码 {code} 已存在"
    _raise(errors, "网格信息有误")
    session.add(Grid(code=code, name=name, community=community))
    session.flush()
    log.info("%s added grid %s %s/%s", by, code, community, name)
    return GridEntry(code, name, community)


def update_grid(session: Session, code: str, name: str, community: str, *, by: str) -> GridEntry:
    grid = session.scalar(select(Grid).where(Grid.code == code))
    if grid is None:
        raise NotFound(f"网格 {code} 不存在")
    errors: dict[str, str] = {}
    name, community = _grid_fields(errors, name, community)
    _raise(errors, "网格信息有误")
    grid.name, grid.community = name, community
    log.info("%s renamed grid %s to %s/%s", by, code, community, name)
    return GridEntry(code, name, community)


# -- categories ---------------------------------------------------------------------


def _category(session: Session, name: str) -> Category:
    category = session.scalar(select(Category).where(Category.name == name))
    if category is None:
        raise NotFound(f"类别 {name} 不存在")
    return category


def add_category(session: Session, name: str, *, by: str) -> CategoryEntry:
    errors: dict[str, str] = {}
    name = _text(errors, "name", name, "类别名称", 40)
    if "name" not in errors and session.scalar(select(Category.id).where(Category.name == name)):
        errors["name"] = f"类别 {name} 已存在"
    _raise(errors, "类别信息有误")
    session.add(Category(name=name, sort_order=_next_order(session), active=True))
    session.flush()
    log.info("%s added category %s", by, name)
    return CategoryEntry(name, True)


def set_category_active(session: Session, name: str, active: bool, *, by: str) -> CategoryEntry:
    """An inactive category is refused for new cases; cases that have it keep it."""
    _category(session, name).active = active
    log.info("%s %s category %s", by, "activated" if active else "deactivated", name)
    return CategoryEntry(name, active)


def move_category(session: Session, name: str, step: int, *, by: str) -> None:
    """Move a category ``step`` places down the list (negative: up), renumbering the rest."""
    ordered = _categories_in_order(session)
    category = _category(session, name)
    index = ordered.index(category)
    ordered.insert(max(0, min(len(ordered) - 1, index + step)), ordered.pop(index))
    for position, row in enumerate(ordered, start=1):
        row.sort_order = position * 10
    session.flush()
    log.info("%s moved category %s by %d", by, name, step)
