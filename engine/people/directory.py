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

from engine.errors import NotFound, ValidationError
from engine.org.models import Unit
from engine.org.scope import path_contains, unit_path
from engine.people import accounts
from engine.people.accounts import Account
from engine.people.category import Category
from engine.people.membership import check_membership
from engine.people.models import Department, Grid, User
from engine.people.roles import Role, is_integration
from engine.people.units import grid_unit

log = logging.getLogger("casegrid.admin")

#: Department and grid codes: they appear in diagrams, URLs and exports.
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,39}")


@dataclass(frozen=True)
class DepartmentEntry:
    code: str
    name: str
    active: bool
    #: The name English pages show (None: the Chinese one).
    name_en: str | None = None


@dataclass(frozen=True)
class GridEntry:
    code: str
    name: str
    community: str
    name_en: str | None = None
    community_en: str | None = None


@dataclass(frozen=True)
class CategoryEntry:
    name: str
    active: bool
    #: The process its reports open (None: the civic loop).
    process_key: str | None = None
    name_en: str | None = None


@dataclass(frozen=True)
class Organisation:
    """Everything on the admin's organisation page, inactive entries included."""

    departments: list[DepartmentEntry]
    grids: list[GridEntry]
    categories: list[CategoryEntry]


def organisation(session: Session) -> Organisation:
    return Organisation(
        [_department_entry(d) for d in session.scalars(select(Department).order_by(Department.code))],
        [_grid_entry(g) for g in session.scalars(select(Grid).order_by(Grid.code))],
        [_category_entry(c) for c in _categories_in_order(session)],
    )


def _department_entry(d: Department) -> DepartmentEntry:
    return DepartmentEntry(d.code, d.name, d.active, d.name_en)


def _grid_entry(g: Grid) -> GridEntry:
    return GridEntry(g.code, g.name, g.community, g.name_en, g.community_en)


def _category_entry(c: Category) -> CategoryEntry:
    return CategoryEntry(c.name, c.active, c.process_key, c.name_en)


def active_categories(session: Session) -> list[str]:
    """The categories a new case may name, in the order forms list them."""
    return [c.name for c in _categories_in_order(session) if c.active]


def is_active_category(session: Session, name: str | None) -> bool:
    return session.scalar(select(Category.id).where(Category.name == name, Category.active.is_(True))) is not None


def category_process(session: Session, name: str | None) -> str | None:
    """The process a report of category ``name`` opens, when an admin bound one (else the caller's default)."""
    return session.scalar(select(Category.process_key).where(Category.name == name))


def bind_category(session: Session, name: str, process_key: str | None, *, allowed: set[str], by: str) -> CategoryEntry:
    """Reports of category ``name`` open cases of ``process_key`` (None: back to the civic loop).

    ``allowed`` are the processes a resident's report may open (published, and not opened through a
    domain's own intake such as mediation): the caller knows them, the directory does not."""
    category = _category(session, name)
    if process_key is not None and process_key not in allowed:
        raise ValidationError("类别信息有误", {"process_key": f"流程 {process_key} 未发布或不能由居民反映问题开启"})
    category.process_key = process_key
    log.info("%s bound category %s to %s", by, name, process_key or "civic_loop")
    return _category_entry(category)


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


def _english(errors: dict[str, str], field: str, value: str | None, label: str) -> str | None:
    """An optional English name: blank means none (pages then show the Chinese name)."""
    text = " ".join((value or "").split())
    if len(text) > 100:
        errors[field] = f"{label}最多 100 个字符"
    return text or None


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


def find_account(session: Session, username: str, *, by: str | None = None) -> Account:
    """The account, disabled or not (:func:`accounts.account_by_id` hides disabled ones from logins); given ``by``,
    only one that administrator administers."""
    return Account.of(_user(session, username) if by is None else _administered(session, username, by))


def _admin_unit(session: Session, by: str) -> Unit | None:
    """The unit whose subtree the administrator ``by`` administers (None: a command line or the engine, every unit)."""
    return session.scalar(select(Unit).join(User, User.unit_id == Unit.id).where(User.username == by))


def _administered(session: Session, username: str, by: str) -> User:
    """The account ``username`` if ``by`` administers it: an admin only their unit's subtree (else :class:`NotFound`)."""
    user = _user(session, username)
    scope = _admin_unit(session, by)
    if scope is not None and not path_contains(scope.path, unit_path(session, user.unit_id)):
        raise NotFound(f"用户 {username} 不存在")
    return user


def create_account(session: Session, username: str, display_name: str, role: str, password: str, *,
                   department_code: str | None, grid_code: str | None, by: str) -> Account:
    """A new account, held at the unit of the administrator who creates it (a command line: the default rule)."""
    account = accounts.add_account(session, username, display_name, role, password,
                                   department_code=department_code, grid_code=grid_code)
    scope = _admin_unit(session, by)
    if scope is not None:
        user = _user(session, account.username)
        user.unit = scope
        session.flush()
        account = Account.of(user)
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
    user = _administered(session, username, by)
    errors: dict[str, str] = {}
    display_name = _text(errors, "display_name", display_name, "姓名", 100)
    if is_integration(user.role) or is_integration(role):
        # an integration account stays one (no password, tokens only), and a person's account never becomes one
        if role != user.role:
            errors["role"] = "接口账号与人员账号不能互相改变角色"
        department_code = grid_code = None
    else:
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
    user = _administered(session, username, by)
    if not active:
        if username == by:
            raise ValidationError("不能停用自己的账号", {"active": "不能停用自己的账号"})
        _check_keeps_an_admin(session, user, "active")
        accounts.end_sessions(user)  # enabling again later must not revive a session from before
    user.active = active
    session.flush()
    log.info("%s %s user %s", by, "enabled" if active else "disabled", username)
    return Account.of(user)


def reset_password(session: Session, username: str, password: str, *, by: str) -> Account:
    _administered(session, username, by)
    account = accounts.set_password(session, username, password)
    log.info("%s reset the password of %s", by, username)
    return account


# -- departments and grids ----------------------------------------------------------


def _department(session: Session, code: str) -> Department:
    department = session.scalar(select(Department).where(Department.code == code))
    if department is None:
        raise NotFound(f"部门 {code} 不存在")
    return department


def add_department(session: Session, code: str, name: str, *, name_en: str | None = None,
                   by: str) -> DepartmentEntry:
    errors: dict[str, str] = {}
    code, name = _code(errors, code), _text(errors, "name", name, "部门名称", 100)
    name_en = _english(errors, "name_en", name_en, "部门英文名称")
    if "code" not in errors and session.scalar(select(Department.id).where(Department.code == code)):
        errors["code"] = f"部门代码 {code} 已存在"
    _raise(errors, "部门信息有误")
    department = Department(code=code, name=name, name_en=name_en, active=True)
    session.add(department)
    session.flush()
    log.info("%s added department %s %s", by, code, name)
    return _department_entry(department)


def rename_department(session: Session, code: str, name: str, *, name_en: str | None = None,
                      by: str) -> DepartmentEntry:
    department = _department(session, code)
    errors: dict[str, str] = {}
    name = _text(errors, "name", name, "部门名称", 100)
    name_en = _english(errors, "name_en", name_en, "部门英文名称")
    _raise(errors, "部门信息有误")
    department.name, department.name_en = name, name_en
    log.info("%s renamed department %s to %s (%s)", by, code, name, name_en or "no English name")
    return _department_entry(department)


def set_department_active(session: Session, code: str, active: bool, *, by: str) -> DepartmentEntry:
    """A deactivated department disappears from form options; its cases and users stay as they are."""
    department = _department(session, code)
    department.active = active
    log.info("%s %s department %s", by, "activated" if active else "deactivated", code)
    return _department_entry(department)


def _grid_fields(errors: dict[str, str], name: str, community: str, name_en: str | None,
                 community_en: str | None) -> tuple[str, str, str | None, str | None]:
    return (_text(errors, "name", name, "网格名称", 100), _text(errors, "community", community, "所属社区", 100),
            _english(errors, "name_en", name_en, "网格英文名称"),
            _english(errors, "community_en", community_en, "社区英文名称"))


def _name_community(session: Session, community: str, community_en: str | None) -> None:
    """A community's English name is the community's, not one grid's: every grid of it gets the same."""
    for grid in session.scalars(select(Grid).where(Grid.community == community)):
        grid.community_en = community_en


def add_grid(session: Session, code: str, name: str, community: str, *, name_en: str | None = None,
             community_en: str | None = None, by: str) -> GridEntry:
    """A new grid. Its community's English name, when left blank, is the one the community already has."""
    errors: dict[str, str] = {}
    code = _code(errors, code)
    name, community, name_en, community_en = _grid_fields(errors, name, community, name_en, community_en)
    if "code" not in errors and session.scalar(select(Grid.id).where(Grid.code == code)):
        errors["code"] = f"网格代码 {code} 已存在"
    _raise(errors, "网格信息有误")
    if community_en is None:
        community_en = session.scalar(select(Grid.community_en).where(
            Grid.community == community, Grid.community_en.is_not(None)).limit(1))
    grid = Grid(code=code, name=name, community=community, name_en=name_en, unit_id=grid_unit(session, community))
    session.add(grid)
    session.flush()
    _name_community(session, community, community_en)
    log.info("%s added grid %s %s/%s", by, code, community, name)
    return _grid_entry(grid)


def update_grid(session: Session, code: str, name: str, community: str, *, name_en: str | None = None,
                community_en: str | None = None, by: str) -> GridEntry:
    """Rename a grid (and its English names); the community's English name changes on all its grids."""
    grid = session.scalar(select(Grid).where(Grid.code == code))
    if grid is None:
        raise NotFound(f"网格 {code} 不存在")
    errors: dict[str, str] = {}
    name, community, name_en, community_en = _grid_fields(errors, name, community, name_en, community_en)
    _raise(errors, "网格信息有误")
    if community != grid.community:  # the grid moves to that community of its own street
        own = session.get(Unit, grid.unit_id) if grid.unit_id is not None else None
        grid.unit_id = grid_unit(session, community, session.get(Unit, own.parent_id) if own and own.parent_id else None)
    grid.name, grid.community, grid.name_en = name, community, name_en
    session.flush()
    _name_community(session, community, community_en)
    log.info("%s renamed grid %s to %s/%s", by, code, community, name)
    return _grid_entry(grid)


# -- categories ---------------------------------------------------------------------


def _category(session: Session, name: str) -> Category:
    category = session.scalar(select(Category).where(Category.name == name))
    if category is None:
        raise NotFound(f"类别 {name} 不存在")
    return category


def add_category(session: Session, name: str, *, name_en: str | None = None, by: str) -> CategoryEntry:
    errors: dict[str, str] = {}
    name = _text(errors, "name", name, "类别名称", 40)
    name_en = _english(errors, "name_en", name_en, "类别英文名称")
    if "name" not in errors and session.scalar(select(Category.id).where(Category.name == name)):
        errors["name"] = f"类别 {name} 已存在"
    _raise(errors, "类别信息有误")
    category = Category(name=name, name_en=name_en, sort_order=_next_order(session), active=True)
    session.add(category)
    session.flush()
    log.info("%s added category %s", by, name)
    return _category_entry(category)


def name_category_in_english(session: Session, name: str, name_en: str | None, *, by: str) -> CategoryEntry:
    """The category's English name (blank: none). Its Chinese name, which cases store, stays."""
    category = _category(session, name)
    errors: dict[str, str] = {}
    name_en = _english(errors, "name_en", name_en, "类别英文名称")
    _raise(errors, "类别信息有误")
    category.name_en = name_en
    log.info("%s named category %s in English: %s", by, name, name_en or "(none)")
    return _category_entry(category)


def set_category_active(session: Session, name: str, active: bool, *, by: str) -> CategoryEntry:
    """An inactive category is refused for new cases; cases that have it keep it."""
    category = _category(session, name)
    category.active = active
    log.info("%s %s category %s", by, "activated" if active else "deactivated", name)
    return _category_entry(category)


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
