"""``casegrid users …``: accounts from the command line, with a clear error and exit status 1 for bad input."""
from __future__ import annotations

from collections.abc import Callable

import pytest
from click.testing import CliRunner

from engine.cli import main
from engine.db import Database
from engine import PeopleService

PASSWORD = "long-enough-1"

RunUsers = Callable[..., tuple[int, str]]


@pytest.fixture
def users(db: Database) -> RunUsers:
    """Run ``casegrid users ARGS --db <the test database>``; returns (exit code, stdout + stderr)."""
    def run(*args: str) -> tuple[int, str]:
        result = CliRunner().invoke(main, ["users", *args, "--db", db.url])
        return result.exit_code, result.output
    return run


def test_add_creates_an_account_that_can_log_in(users: RunUsers, db: Database) -> None:
    code, out = users("add", "zhao", "--name", "赵干事", "--role", "department", "--department", "minzheng",
                      "--password", PASSWORD)
    assert (code, out.strip()) == (0, "created zhao (department)")
    assert PeopleService(db).authenticate("zhao", PASSWORD).department_code == "minzheng"


def test_add_with_an_unknown_department_names_the_option_not_a_database_error(users: RunUsers) -> None:
    code, out = users("add", "zhao", "--name", "赵干事", "--role", "department", "--department", "nosuch",
                      "--password", PASSWORD)
    assert code == 1
    assert "--department：部门 nosuch 不存在" in out
    assert "IntegrityError" not in out and "Traceback" not in out
    assert "zhao" not in users("list")[1]


def test_add_a_department_user_without_a_department_is_refused(users: RunUsers) -> None:
    code, out = users("add", "zhao", "--name", "赵干事", "--role", "department", "--password", PASSWORD)
    assert code == 1
    assert "--department：职能部门用户必须属于一个部门" in out


def test_add_a_grid_worker_with_an_unknown_grid_is_refused(users: RunUsers) -> None:
    code, out = users("add", "sun", "--name", "孙网格员", "--role", "grid_worker", "--grid", "ZZ-99",
                      "--password", PASSWORD)
    assert code == 1
    assert "--grid：网格 ZZ-99 不存在" in out


def test_add_an_existing_username_is_refused(users: RunUsers) -> None:
    code, out = users("add", "wangge", "--name", "又一个", "--role", "council", "--password", PASSWORD)
    assert code == 1
    assert "USERNAME：用户名 wangge 已被使用" in out


def test_add_with_a_short_password_is_refused(users: RunUsers) -> None:
    code, out = users("add", "qian", "--name", "钱委员", "--role", "council", "--password", "short")
    assert code == 1
    assert "--password：密码至少 10 位" in out


def test_list_shows_every_account_with_role_department_and_grid(users: RunUsers) -> None:
    code, out = users("list")
    assert code == 0
    rows = {line.split()[0]: line.split()[1:4] for line in out.splitlines()}
    assert rows["chengguan"] == ["department", "chengguan", "-"]
    assert rows["wangge"] == ["grid_worker", "-", "XF-01"]


def test_passwd_sets_a_new_password(users: RunUsers, db: Database) -> None:
    code, out = users("passwd", "wangge", "--password", "a-new-password")
    assert (code, out.strip()) == (0, "password of wangge changed")
    assert PeopleService(db).authenticate("wangge", "a-new-password") is not None
    assert PeopleService(db).authenticate("wangge", "casegrid-demo") is None


def test_passwd_asks_twice_when_no_password_is_given(db: Database) -> None:
    result = CliRunner().invoke(main, ["users", "passwd", "wangge", "--db", db.url],
                                input="a-new-password\na-new-password\n")
    assert result.exit_code == 0, result.output
    assert PeopleService(db).authenticate("wangge", "a-new-password") is not None


def test_passwd_for_an_unknown_user_fails(users: RunUsers) -> None:
    code, out = users("passwd", "nobody", "--password", PASSWORD)
    assert code == 1
    assert "用户 nobody 不存在" in out


def test_disable_stops_logins_and_enable_restores_them(users: RunUsers, db: Database) -> None:
    assert users("disable", "wangge") == (0, "disabled wangge\n")
    assert PeopleService(db).authenticate("wangge", "casegrid-demo") is None
    assert "(disabled)" in next(line for line in users("list")[1].splitlines() if line.startswith("wangge "))
    assert users("enable", "wangge") == (0, "enabled wangge\n")
    assert PeopleService(db).authenticate("wangge", "casegrid-demo") is not None


def test_disabling_the_last_admin_is_refused(users: RunUsers) -> None:
    code, out = users("disable", "admin")
    assert code == 1
    assert "最后一名启用的系统管理员" in out


def test_disable_an_unknown_user_fails(users: RunUsers) -> None:
    code, out = users("disable", "nobody")
    assert code == 1
    assert "用户 nobody 不存在" in out
