"""English names for the organisation: an admin may give categories, departments, grids and communities
an English name; English pages show it, Chinese pages and names without one show the Chinese."""
from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from engine.demo.driver import Driver
from tests.web.conftest import LoginAs


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def _organisation(app: Flask):  # type: ignore[no-untyped-def]
    return app.extensions["casegrid.people"].organisation()


@pytest.fixture
def admin(login_as: LoginAs) -> FlaskClient:
    return login_as("admin")


def test_the_demo_names_its_organisation_in_english(csrf_app: Flask) -> None:
    org = _organisation(csrf_app)
    assert {d.code: d.name_en for d in org.departments}["chengguan"] == "Urban Management Squad"
    grid = next(g for g in org.grids if g.code == "XF-01")
    assert (grid.name_en, grid.community_en) == ("Xingfuli Grid 1", "Xingfuli Community")
    assert {c.name: c.name_en for c in org.categories}["环境卫生"] == "Sanitation"


def test_a_grid_worker_reads_categories_and_grids_in_english(driver: Driver, login_as: LoginAs) -> None:
    case = driver.report(category="环境卫生")
    client = login_as("wangge")
    chinese = _text(client.get("/inbox"))
    assert "环境卫生" in chinese and "幸福里社区 / 幸福里一网格" in chinese and "Sanitation" not in chinese
    client.post("/lang/en", data={"next": "/inbox"})
    inbox = _text(client.get("/inbox"))
    assert "Sanitation" in inbox and "Xingfuli Community / Xingfuli Grid 1" in inbox
    assert "环境卫生" not in inbox and "幸福里" not in inbox
    page = _text(client.get(f"/cases/{case.tracking_code}"))
    assert "Sanitation" in page and "Xingfuli Community / Xingfuli Grid 1" in page and "幸福里" not in page


def test_a_department_named_in_english_by_the_admin_reads_so_and_blank_falls_back(
        admin: FlaskClient, csrf_app: Flask) -> None:
    response = admin.post("/admin/departments", data={"dept-code": "wenjiao", "dept-name": "文教办",
                                                      "dept-name_en": "  Education   Office "})
    assert response.status_code == 302
    assert {d.code: d.name_en for d in _organisation(csrf_app).departments}["wenjiao"] == "Education Office"
    admin.post("/lang/en", data={"next": "/"})
    assert re.search(r'value="wenjiao">Education Office\W', admin.get("/admin/users/new").get_data(as_text=True))
    # Cleared: English pages show the Chinese name again.
    assert admin.post("/admin/departments/wenjiao", data={"name": "文教办", "name_en": ""}).status_code == 302
    assert {d.code: d.name_en for d in _organisation(csrf_app).departments}["wenjiao"] is None
    assert re.search(r'value="wenjiao">文教办\W', admin.get("/admin/users/new").get_data(as_text=True))


def test_a_communitys_english_name_is_the_same_on_all_its_grids(admin: FlaskClient, csrf_app: Flask) -> None:
    response = admin.post("/admin/grids/XF-02", data={"name": "幸福里二网格", "name_en": "Xingfuli East",
                                                      "community": "幸福里社区", "community_en": "Happy Lane"})
    assert response.status_code == 302
    grids = {g.code: g for g in _organisation(csrf_app).grids}
    assert grids["XF-02"].name_en == "Xingfuli East"
    assert grids["XF-01"].community_en == grids["XF-02"].community_en == "Happy Lane"
    assert grids["HP-01"].community_en == "Hepingyuan Community"
    # A new grid of the community takes the community's English name when none is typed.
    admin.post("/admin/grids", data={"grid-code": "XF-09", "grid-name": "幸福里九网格", "grid-community": "幸福里社区"})
    grid = next(g for g in _organisation(csrf_app).grids if g.code == "XF-09")
    assert (grid.name_en, grid.community_en) == (None, "Happy Lane")
    admin.post("/lang/en", data={"next": "/"})
    assert "Happy Lane / Xingfuli East" in _text(admin.get("/admin/users/new"))
    assert "Happy Lane / Xingfuli Grid 1" in _text(admin.get("/admin/users"))  # 李网格员's grid


def test_a_category_is_named_in_english_next_to_it(admin: FlaskClient, csrf_app: Flask, driver: Driver,
                                                    login_as: LoginAs) -> None:
    response = admin.post("/admin/categories/english", data={"name": "养老服务", "name_en": "Care for the elderly"})
    assert response.status_code == 302
    assert {c.name: c.name_en for c in _organisation(csrf_app).categories}["养老服务"] == "Care for the elderly"
    assert "已保存类别 养老服务 的英文名称" in _text(admin.get("/admin/organisation"))
    driver.report(category="养老服务")
    supervisor = login_as("dudao")
    supervisor.post("/lang/en", data={"next": "/"})
    assert "Care for the elderly" in _text(supervisor.get("/cases?q="))
    # The name cases store is the Chinese one: a renamed English name changes every page at once.
    admin.post("/admin/categories/english", data={"name": "养老服务", "name_en": "Elderly care"})
    assert "Elderly care" in _text(supervisor.get("/cases?q="))


def test_a_category_added_without_an_english_name_shows_its_chinese(admin: FlaskClient, driver: Driver,
                                                                     login_as: LoginAs) -> None:
    assert admin.post("/admin/categories", data={"cat-name": "垃圾分类"}).status_code == 302
    driver.report(category="垃圾分类")
    client = login_as("wangge")
    client.post("/lang/en", data={"next": "/inbox"})
    assert "垃圾分类" in _text(client.get("/inbox"))


@pytest.mark.parametrize("path, data, field", [
    ("/admin/departments/minzheng", {"name": "民政办", "name_en": "x" * 101}, "name_en"),
    ("/admin/grids/XF-01", {"name": "幸福里一网格", "community": "幸福里社区", "community_en": "y" * 101}, "community_en"),
])
def test_an_english_name_too_long_is_refused_next_to_the_field(admin: FlaskClient, csrf_app: Flask, path: str,
                                                               data: dict[str, str], field: str) -> None:
    before = _organisation(csrf_app)
    response = admin.post(path, data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f'id="{field}-error"' in html and "100" in html
    assert _organisation(csrf_app) == before


def test_a_bad_category_english_name_is_said_and_nothing_changes(admin: FlaskClient, csrf_app: Flask) -> None:
    before = _organisation(csrf_app)
    response = admin.post("/admin/categories/english", data={"name": "养老服务", "name_en": "z" * 101},
                          follow_redirects=True)
    assert response.status_code == 200 and "100" in _text(response)
    assert admin.post("/admin/categories/english", data={"name": "天气", "name_en": "Weather"}).status_code == 404
    assert _organisation(csrf_app) == before
