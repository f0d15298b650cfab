"""The admin pages: users, departments, grids and categories — for the admin role only."""
from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from engine import CaseService, Intake, ValidationError
from engine.demo.driver import Driver
from engine import PeopleService
from tests.web.conftest import LoginAs

PASSWORD = "a-good-password"


@pytest.fixture
def admin(login_as: LoginAs) -> FlaskClient:
    return login_as("admin")


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return response.get_data(as_text=True)


def field_error(html: str, field_id: str) -> str:
    """The error shown right under the field ``field_id`` ('' if none)."""
    match = re.search(rf'<p class="error" id="{re.escape(field_id)}-error">([^<]*)</p>', html)
    return match.group(1) if match else ""


def new_user(client: FlaskClient, **fields: str) -> object:
    data = {"username": "sunwg", "display_name": "孙网格员", "role": "grid_worker", "grid_code": "XF-02",
            "department_code": "", "password": PASSWORD, "confirm": PASSWORD}
    data.update(fields)
    return client.post("/admin/users/new", data=data)


# -- who may use the pages -----------------------------------------------------------


@pytest.mark.parametrize("username", ["wangge", "chengguan", "dudao", "jiandu"])
def test_other_roles_get_403_on_every_admin_page_and_action(login_as: LoginAs, username: str,
                                                           csrf_app: Flask) -> None:
    client = login_as(username)
    assert client.get("/admin/users").status_code == 403
    assert client.get("/admin/organisation").status_code == 403
    assert client.post("/admin/categories", data={"cat-name": "垃圾分类"}).status_code == 403
    assert client.post("/admin/users/wangge/active", data={"active": "0"}).status_code == 403
    assert "垃圾分类" not in csrf_app.extensions["casegrid.people"].categories()


def test_the_user_list_shows_role_department_grid_and_state(admin: FlaskClient) -> None:
    html = _text(admin.get("/admin/users"))
    row = re.search(r'<tr class="" id="user-chengguan">(.*?)</tr>', html, re.DOTALL)
    assert row is not None
    assert "职能部门" in row.group(1) and "城管执法中队" in row.group(1) and "在用" in row.group(1)
    assert "幸福里社区 / 幸福里一网格" in html


def test_an_unknown_user_is_404(admin: FlaskClient) -> None:
    assert admin.get("/admin/users/nobody").status_code == 404


# -- creating and editing users -----------------------------------------------------


def test_a_created_user_can_log_in(admin: FlaskClient, csrf_app: Flask) -> None:
    response = new_user(admin)
    assert response.status_code == 302
    assert "sunwg" in _text(admin.get("/admin/users"))
    login = csrf_app.test_client().post("/login", data={"username": "sunwg", "password": PASSWORD})
    assert login.status_code == 302


def test_a_duplicate_username_is_refused_next_to_the_field(admin: FlaskClient) -> None:
    response = new_user(admin, username="wangge")
    assert response.status_code == 400
    assert field_error(_text(response), "username") == "用户名 wangge 已被使用"


def test_a_department_user_needs_a_department(admin: FlaskClient) -> None:
    response = new_user(admin, role="department", grid_code="")
    assert response.status_code == 400
    assert field_error(_text(response), "department_code") == "职能部门用户必须属于一个部门"


def test_a_grid_worker_needs_a_grid(admin: FlaskClient) -> None:
    response = new_user(admin, grid_code="")
    assert response.status_code == 400
    assert field_error(_text(response), "grid_code") == "网格员必须负责一个网格"


def test_a_short_or_mistyped_password_is_refused(admin: FlaskClient) -> None:
    short = new_user(admin, password="short", confirm="short")
    assert short.status_code == 400 and field_error(_text(short), "password") == "密码至少 10 位"
    mistyped = new_user(admin, confirm="something-else")
    assert mistyped.status_code == 400 and field_error(_text(mistyped), "confirm") == "两次输入的密码不一致"


def test_editing_a_user_changes_role_and_department(admin: FlaskClient, csrf_app: Flask) -> None:
    response = admin.post("/admin/users/wangge2", data={
        "display_name": "赵干事", "role": "department", "department_code": "minzheng", "grid_code": "HP-01"})
    assert response.status_code == 302
    account = csrf_app.extensions["casegrid.people"].find_account("wangge2")
    assert (account.display_name, account.role, account.department_code, account.grid_code) == \
        ("赵干事", "department", "minzheng", None)


def test_a_reset_password_replaces_the_old_one(admin: FlaskClient, csrf_app: Flask) -> None:
    response = admin.post("/admin/users/wangge/password", data={"pw-password": PASSWORD, "pw-confirm": PASSWORD})
    assert response.status_code == 302
    client = csrf_app.test_client()
    assert client.post("/login", data={"username": "wangge", "password": "casegrid-demo"}).status_code == 400
    assert client.post("/login", data={"username": "wangge", "password": PASSWORD}).status_code == 302


def test_a_too_short_reset_password_is_shown_on_the_edit_page(admin: FlaskClient) -> None:
    response = admin.post("/admin/users/wangge/password", data={"pw-password": "short", "pw-confirm": "short"})
    assert response.status_code == 400
    assert field_error(_text(response), "pw-password") == "密码至少 10 位"


def test_a_disabled_user_cannot_log_in_and_loses_their_session(admin: FlaskClient, login_as: LoginAs,
                                                              csrf_app: Flask) -> None:
    session = login_as("wangge")
    assert admin.post("/admin/users/wangge/active", data={"active": "0"}).status_code == 302
    assert "已停用" in _text(admin.get("/admin/users/wangge"))
    refused = csrf_app.test_client().post("/login", data={"username": "wangge", "password": "casegrid-demo"})
    assert refused.status_code == 400
    assert session.get("/admin/users").status_code == 302  # logged out: sent to the login page


def test_a_disabled_user_can_be_enabled_again(admin: FlaskClient, csrf_app: Flask) -> None:
    admin.post("/admin/users/wangge/active", data={"active": "0"})
    assert admin.post("/admin/users/wangge/active", data={"active": "1"}).status_code == 302
    login = csrf_app.test_client().post("/login", data={"username": "wangge", "password": "casegrid-demo"})
    assert login.status_code == 302


def test_the_admin_cannot_disable_their_own_account(admin: FlaskClient) -> None:
    response = admin.post("/admin/users/admin/active", data={"active": "0"})
    assert response.status_code == 400
    assert "不能停用自己的账号" in _text(response)


def test_the_last_admin_cannot_be_given_another_role(admin: FlaskClient) -> None:
    response = admin.post("/admin/users/admin", data={"display_name": "管理员", "role": "auditor"})
    assert response.status_code == 400
    assert field_error(_text(response), "role") == "这是最后一名启用的系统管理员"


def test_the_edit_page_warns_about_work_the_user_holds(admin: FlaskClient, driver: Driver,
                                                      service: CaseService) -> None:
    case = driver.report()
    service.claim(driver.item(case, "triage").id, driver.actor_for_role("grid_worker", "XF-01"))
    assert "持有 1 项已认领的待办" in _text(admin.get("/admin/users/wangge"))


# -- departments and grids ----------------------------------------------------------


def test_a_deactivated_department_disappears_from_the_options(admin: FlaskClient, csrf_app: Flask) -> None:
    assert 'value="wuye"' in _text(admin.get("/admin/users/new"))
    assert admin.post("/admin/departments/wuye/active", data={"active": "0"}).status_code == 302
    assert 'value="wuye"' not in _text(admin.get("/admin/users/new"))
    assert "wuye" not in csrf_app.extensions["casegrid.people"].departments()
    response = new_user(admin, username="wuye2", role="department", department_code="wuye", grid_code="")
    assert response.status_code == 400


def test_a_user_of_a_deactivated_department_can_still_be_edited(admin: FlaskClient) -> None:
    admin.post("/admin/departments/wuye/active", data={"active": "0"})
    page = _text(admin.get("/admin/users/wuye"))
    assert 'value="wuye"' in page and "已停用" in page
    response = admin.post("/admin/users/wuye", data={"display_name": "物业中心", "role": "department",
                                                     "department_code": "wuye"})
    assert response.status_code == 302


def test_a_new_department_can_be_chosen_for_users(admin: FlaskClient) -> None:
    response = admin.post("/admin/departments", data={"dept-code": "wenjiao", "dept-name": "文教办"})
    assert response.status_code == 302
    assert "文教办" in _text(admin.get("/admin/organisation"))
    assert 'value="wenjiao"' in _text(admin.get("/admin/users/new"))


def test_a_duplicate_department_code_is_refused_next_to_the_field(admin: FlaskClient) -> None:
    response = admin.post("/admin/departments", data={"dept-code": "chengguan", "dept-name": "又一个城管"})
    assert response.status_code == 400
    assert field_error(_text(response), "dept-code") == "部门代码 chengguan 已存在"


def test_a_department_code_with_spaces_is_refused(admin: FlaskClient) -> None:
    response = admin.post("/admin/departments", data={"dept-code": "wen jiao", "dept-name": "文教办"})
    assert response.status_code == 400
    assert field_error(_text(response), "dept-code").startswith("代码为")


def test_renaming_a_department_keeps_its_code(admin: FlaskClient, csrf_app: Flask) -> None:
    assert admin.post("/admin/departments/minzheng", data={"name": "民政和社会事务办"}).status_code == 302
    assert csrf_app.extensions["casegrid.people"].departments()["minzheng"] == "民政和社会事务办"


def test_an_unknown_department_is_404(admin: FlaskClient) -> None:
    assert admin.get("/admin/departments/nosuch").status_code == 404
    assert admin.post("/admin/departments/nosuch/active", data={"active": "0"}).status_code == 404


def test_a_new_grid_can_be_given_to_a_grid_worker(admin: FlaskClient) -> None:
    response = admin.post("/admin/grids", data={"grid-code": "HP-02", "grid-name": "和平苑二网格",
                                                "grid-community": "和平苑社区"})
    assert response.status_code == 302
    assert new_user(admin, grid_code="HP-02").status_code == 302


def test_a_grid_can_be_renamed(admin: FlaskClient, csrf_app: Flask) -> None:
    response = admin.post("/admin/grids/XF-02", data={"name": "幸福里东网格", "community": "幸福里社区"})
    assert response.status_code == 302
    assert csrf_app.extensions["casegrid.people"].grids()["XF-02"] == "幸福里社区 / 幸福里东网格"


def test_a_grid_without_community_is_refused(admin: FlaskClient) -> None:
    response = admin.post("/admin/grids", data={"grid-code": "HP-02", "grid-name": "和平苑二网格"})
    assert response.status_code == 400
    assert field_error(_text(response), "grid-community") == "请填写此项"


# -- categories ---------------------------------------------------------------------


def test_an_added_category_is_accepted_by_intake(admin: FlaskClient, service: CaseService, driver: Driver) -> None:
    reporter = driver.actor_for_role("grid_worker", "XF-01")
    with pytest.raises(ValidationError):
        service.open_case(Intake(description="垃圾没有分类投放", category="垃圾分类"), reporter)
    assert admin.post("/admin/categories", data={"cat-name": "垃圾分类"}).status_code == 302
    case = service.open_case(Intake(description="垃圾没有分类投放", category="垃圾分类"), reporter)
    assert case.category == "垃圾分类"


def test_a_deactivated_category_is_refused_by_intake_and_hidden(admin: FlaskClient, service: CaseService,
                                                               driver: Driver, csrf_app: Flask) -> None:
    response = admin.post("/admin/categories/change", data={"name": "养老服务", "action": "deactivate"})
    assert response.status_code == 302
    assert "养老服务" not in csrf_app.extensions["casegrid.people"].categories()
    with pytest.raises(ValidationError) as refused:
        service.open_case(Intake(description="助餐点", category="养老服务"), driver.actor_for_role("grid_worker"))
    assert "category" in refused.value.field_errors


def test_categories_keep_the_order_the_admin_gives_them(admin: FlaskClient, csrf_app: Flask) -> None:
    people: PeopleService = csrf_app.extensions["casegrid.people"]
    assert people.categories()[:2] == ["物业管理", "环境卫生"]
    admin.post("/admin/categories/change", data={"name": "环境卫生", "action": "up"})
    assert people.categories()[:2] == ["环境卫生", "物业管理"]


def test_a_duplicate_category_is_refused_next_to_the_field(admin: FlaskClient) -> None:
    response = admin.post("/admin/categories", data={"cat-name": "物业管理"})
    assert response.status_code == 400
    assert field_error(_text(response), "cat-name") == "类别 物业管理 已存在"


def test_an_unknown_category_action_is_400(admin: FlaskClient) -> None:
    response = admin.post("/admin/categories/change", data={"name": "物业管理", "action": "delete"})
    assert response.status_code == 400


def test_an_unknown_category_is_404(admin: FlaskClient) -> None:
    response = admin.post("/admin/categories/change", data={"name": "天气", "action": "deactivate"})
    assert response.status_code == 404


# -- language and CSRF --------------------------------------------------------------


def test_the_admin_pages_are_in_english_when_chosen(admin: FlaskClient) -> None:
    admin.post("/lang/en", data={"next": "/"})
    html = _text(admin.get("/admin/organisation"))
    assert "Departments, grids and issue categories" in html and "Issue categories" in html
    users = _text(admin.get("/admin/users"))
    assert "New user" in users and ">Department<" in users and ">Grid worker<" in users


def test_an_admin_form_without_a_csrf_token_is_refused(app: Flask) -> None:
    client = app.test_client()
    app.config["WTF_CSRF_ENABLED"] = False
    client.post("/login", data={"username": "admin", "password": "casegrid-demo"})
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post("/admin/categories", data={"cat-name": "垃圾分类"})
    assert response.status_code == 400
    assert "垃圾分类" not in app.extensions["casegrid.people"].categories()


def test_the_engines_fixed_messages_are_translated_too(admin: FlaskClient) -> None:
    admin.post("/lang/en", data={"next": "/"})
    response = new_user(admin, role="department", grid_code="")
    assert field_error(_text(response), "department_code") == "A department user must belong to a department"
