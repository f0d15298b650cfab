"""The supervisor's process pages: versions, editor saves, checks, publishing, diff, migration (issue 7)."""
from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from engine.demo import scenarios
from engine.demo.driver import Driver
from engine import CaseService
from engine.specs.service import ProcessService
from tests.fixtures.process_versions import (  # noqa: F401  (fixture)
    civic_loop,
    versions_restored,
    with_accept_timer,
    with_label,
    without_rating_timer,
)
from tests.web.conftest import LoginAs

pytestmark = pytest.mark.usefixtures("versions_restored")


@pytest.fixture
def supervisor(login_as: LoginAs) -> FlaskClient:
    return login_as("dudao")


@pytest.fixture
def processes(app: Flask) -> ProcessService:
    return app.extensions["casegrid.processes"]


def _v1(processes: ProcessService) -> int:
    return processes.processes()[0].versions[-1].id


def _draft(processes: ProcessService, xml: str) -> int:
    return processes.save_draft(_v1(processes), xml, by="dudao").id


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return response.get_data(as_text=True)


# -- the list ----------------------------------------------------------------------------------

def test_the_list_shows_each_version_with_status_publisher_and_open_cases(
        supervisor: FlaskClient, driver: Driver) -> None:
    scenarios.waiting_for_department(driver)
    page = _text(supervisor.get("/processes"))
    assert "社区议题闭环" in page and "v1" in page and "已发布" in page and "系统初始化" in page and "casegrid init" not in page
    assert re.search(r'id="version-\d+".*?<td>1\s', page, re.S)


@pytest.mark.parametrize("username", ["wangge", "chengguan", "jiandu", "admin", "yishi"])
def test_only_supervisors_see_the_process_pages(login_as: LoginAs, username: str) -> None:
    assert login_as(username).get("/processes").status_code == 403


def test_the_top_bar_links_supervisors_to_the_process_pages(supervisor: FlaskClient) -> None:
    assert 'href="/processes"' in _text(supervisor.get("/processes"))


# -- the editor --------------------------------------------------------------------------------

def test_the_editor_page_loads_the_modeler_bundle_and_the_version_xml(supervisor: FlaskClient,
                                                                      processes: ProcessService) -> None:
    v1 = _v1(processes)
    page = _text(supervisor.get(f"/processes/versions/{v1}/edit"))
    assert "vendor/bpmn-modeler/bpmn-modeler.min.js" in page and "properties-panel.css" in page
    assert f'data-xml-url="/processes/versions/{v1}/diagram.xml"' in page
    xml = supervisor.get(f"/processes/versions/{v1}/diagram.xml")
    assert xml.mimetype == "application/xml" and _text(xml) == civic_loop()


def test_the_modeler_bundle_and_its_styles_are_served_from_the_app(client: FlaskClient) -> None:
    for path in ("vendor/bpmn-modeler/bpmn-modeler.min.js", "vendor/bpmn-modeler/assets/properties-panel.css",
                 "vendor/bpmn-modeler/assets/bpmn-js.css", "vendor/bpmn-modeler/assets/bpmn-font/css/bpmn.css",
                 "js/process_editor.js", "js/process_diff.js", "css/processes.css"):
        response = client.get(f"/static/{path}")
        assert response.status_code == 200, path
        response.close()


def test_saving_a_published_version_creates_a_draft_and_leaves_the_version_alone(
        supervisor: FlaskClient, processes: ProcessService) -> None:
    v1 = _v1(processes)
    response = supervisor.post(f"/processes/versions/{v1}/draft", json={"xml": "<half-done/>"})
    assert response.status_code == 200
    saved = response.get_json()
    assert saved["status"] == "draft" and saved["version"] == 2 and saved["id"] != v1
    assert processes.version(saved["id"]).xml == "<half-done/>"
    assert processes.version(v1).xml == civic_loop()
    again = supervisor.post(saved["save_url"], json={"xml": civic_loop()}).get_json()
    assert again["id"] == saved["id"]


def test_saving_needs_the_csrf_token_in_the_header(app: Flask, processes: ProcessService) -> None:
    client = app.test_client()
    login = client.get("/login")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', _text(login)).group(1)
    client.post("/login", data={"username": "dudao", "password": "casegrid-demo", "csrf_token": token})
    url = f"/processes/versions/{_v1(processes)}/draft"
    refused = client.post(url, json={"xml": civic_loop()}, headers={"Accept": "application/json"})
    assert refused.status_code == 400 and len(processes.versions("civic_loop")) == 1
    page = _text(client.get(f"/processes/versions/{_v1(processes)}/edit"))
    header = re.search(r'data-csrf="([^"]+)"', page).group(1)
    accepted = client.post(url, json={"xml": civic_loop()}, headers={"X-CSRFToken": header})
    assert accepted.status_code == 200 and len(processes.versions("civic_loop")) == 2


@pytest.mark.parametrize("body", [{"json": {"diagram": "x"}}, {"data": "not json"}, {"json": {"xml": 5}},
                                  {"json": {"xml": "   "}}])
def test_a_save_without_a_diagram_is_a_400(supervisor: FlaskClient, processes: ProcessService,
                                           body: dict[str, object]) -> None:
    response = supervisor.post(f"/processes/versions/{_v1(processes)}/draft", headers={"Accept": "application/json"},
                               **body)  # type: ignore[arg-type]
    assert response.status_code == 400 and len(processes.versions("civic_loop")) == 1


def test_an_oversized_save_is_refused(supervisor: FlaskClient, processes: ProcessService) -> None:
    response = supervisor.post(f"/processes/versions/{_v1(processes)}/draft", headers={"Accept": "application/json"},
                               json={"xml": "<x>" + "a" * (3 * 1024 * 1024) + "</x>"})
    assert response.status_code in (400, 413) and len(processes.versions("civic_loop")) == 1


def test_the_check_lists_problems_with_element_ids(supervisor: FlaskClient, processes: ProcessService) -> None:
    draft = _draft(processes, civic_loop().replace("accept_decision == 'return'", "${accept_decision == 'return'}"))
    result = supervisor.get(f"/processes/versions/{draft}/problems.json").get_json()
    assert result["publishable"] is False
    assert result["problems"][0]["element_id"] == "gw_accept" and "JUEL" in result["problems"][0]["message"]
    fine = supervisor.get(f"/processes/versions/{_draft(processes, civic_loop())}/problems.json").get_json()
    assert fine == {"problems": [], "publishable": True, "message": "检查通过，可以发布。"}


def test_missing_versions_are_404(supervisor: FlaskClient) -> None:
    for url in ("/processes/versions/999999", "/processes/versions/999999/edit",
                "/processes/versions/999999/diagram.xml", "/processes/versions/999999/problems.json",
                "/processes/nothing/diff"):
        assert supervisor.get(url).status_code == 404, url
    assert supervisor.post("/processes/versions/999999/draft", json={"xml": "<x/>"}).status_code == 404


# -- publishing --------------------------------------------------------------------------------

def test_a_draft_page_shows_its_problems_and_no_publish_button(supervisor: FlaskClient,
                                                               processes: ProcessService) -> None:
    draft = _draft(processes, civic_loop().replace("accept_decision == 'return'", "__import__('os').system('id')"))
    page = _text(supervisor.get(f"/processes/versions/{draft}"))
    assert "__import__" in page and f'href="/processes/versions/{draft}/edit?element=gw_accept"' in page
    assert "发布为新版本" not in page


def test_publishing_needs_a_change_note(supervisor: FlaskClient, processes: ProcessService) -> None:
    draft = _draft(processes, with_accept_timer(civic_loop(), "workdays(2)"))
    response = supervisor.post(f"/processes/versions/{draft}/publish", data={"change_note": ""})
    assert response.status_code == 400 and "请写明本次修改了什么" in _text(response)
    assert processes.version(draft).status == "draft"


def test_an_invalid_draft_is_not_published_and_the_page_names_the_elements(
        supervisor: FlaskClient, processes: ProcessService) -> None:
    draft = _draft(processes, civic_loop().replace('name="职能部门"', 'name="财务科"'))
    response = supervisor.post(f"/processes/versions/{draft}/publish", data={"change_note": "试试"})
    assert response.status_code == 400 and "财务科" in _text(response) and "<code>accept</code>" in _text(response)
    assert processes.version(draft).status == "draft"


def test_publishing_makes_new_cases_use_the_new_version_and_old_ones_stay(
        supervisor: FlaskClient, processes: ProcessService, driver: Driver, service: CaseService) -> None:
    old = scenarios.waiting_for_department(driver)
    draft = _draft(processes, with_label(civic_loop(), "现场情况", "现场核实情况"))
    response = supervisor.post(f"/processes/versions/{draft}/publish", data={"change_note": "到场表单改名"})
    assert response.status_code == 302
    listing = _text(supervisor.get(response.headers["Location"]))
    assert "第 2 版" in listing and "到场表单改名" in listing and "刘书记（街道督办）" in listing
    new = scenarios.waiting_for_department(driver)
    assert service.case(new.id).process_version_id == draft
    assert service.case(old.id).process_version_id == _v1(processes)


def test_retiring_and_discarding_from_the_list(supervisor: FlaskClient, processes: ProcessService) -> None:
    v2 = processes.publish(_draft(processes, civic_loop()), "同图", by="dudao").id
    draft = _draft(processes, "<x/>")
    assert supervisor.post(f"/processes/versions/{draft}/discard").status_code == 302
    assert supervisor.post(f"/processes/versions/{v2}/retire").status_code == 302
    assert [v.status for v in processes.versions("civic_loop")] == ["retired", "published"]
    refused = supervisor.post(f"/processes/versions/{_v1(processes)}/retire")
    assert refused.status_code == 409 and "唯一的已发布版本" in _text(refused)


def test_new_draft_from_a_version_opens_the_editor(supervisor: FlaskClient, processes: ProcessService) -> None:
    response = supervisor.post(f"/processes/versions/{_v1(processes)}/new-draft")
    draft = processes.versions("civic_loop")[0]
    assert draft.status == "draft" and response.headers["Location"].endswith(f"/processes/versions/{draft.id}/edit")


# -- diff --------------------------------------------------------------------------------------

def test_the_diff_page_names_the_changes_and_shows_both_diagrams(supervisor: FlaskClient,
                                                                  processes: ProcessService) -> None:
    v1 = _v1(processes)
    draft = _draft(processes, with_label(with_accept_timer(civic_loop(), "workdays(2)"), "现场情况", "现场核实情况"))
    page = _text(supervisor.get(f"/processes/civic_loop/diff?old={v1}&new={draft}"))
    assert "新增 0 个、删除 0 个、修改 2 个元素" in page
    assert 'id="change-timer_accept"' in page and "timeDate: accept_due" in page and "timeDate: workdays(2)" in page
    assert "<code>on_site_note</code>" in page and "现场核实情况" in page
    assert page.count('class="diff-diagram"') == 2 and f"/processes/versions/{draft}/diagram.xml" in page


def test_the_diff_page_defaults_to_the_two_newest_versions(supervisor: FlaskClient, processes: ProcessService) -> None:
    _draft(processes, civic_loop())
    assert "两个版本的流程内容相同" in _text(supervisor.get("/processes/civic_loop/diff"))


@pytest.mark.parametrize("query", ["old=abc&new=1", "old=999999&new=999998"])
def test_a_diff_of_unknown_versions_is_a_400(supervisor: FlaskClient, processes: ProcessService, query: str) -> None:
    assert supervisor.get(f"/processes/civic_loop/diff?{query}").status_code == 400


# -- migration ---------------------------------------------------------------------------------

def test_the_migration_dry_run_then_migrating_the_ticked_cases(
        supervisor: FlaskClient, processes: ProcessService, driver: Driver, service: CaseService) -> None:
    movable = driver.report("路边违章搭建", "其他")  # at triage (a sub-process of departments is not re-hung)
    stuck = driver.report("垃圾桶满了")
    driver.do(stuck, "triage", triage_decision="on_spot")
    v1 = _v1(processes)
    v2 = processes.publish(_draft(processes, without_rating_timer(civic_loop())), "取消默认好评", by="dudao").id
    page = _text(supervisor.get(f"/processes/versions/{v1}/migrate"))
    assert movable.tracking_code in page and stuck.tracking_code in page
    assert "可以迁移" in page and "不能迁移" in page and "timer_rating" not in page  # names, not ids
    assert page.count('type="checkbox" name="cases"') == 1 and " checked" not in page  # nothing ticked for them
    confirm = _text(supervisor.post(f"/processes/versions/{v1}/migrate?to={v2}", data={"cases": [str(movable.id)]}))
    assert "将把 1 个案件从 v1 迁移到 v2" in confirm and movable.tracking_code in confirm
    assert service.case(movable.id).process_version_id == v1  # nothing moves before the confirmation
    report = supervisor.get(f"/processes/versions/{v1}/migrate.csv?to={v2}")
    assert report.mimetype == "text/csv" and "attachment" in report.headers["Content-Disposition"]
    assert movable.tracking_code in _text(report) and "不能迁移" in _text(report)
    done = supervisor.post(f"/processes/versions/{v1}/migrate?to={v2}",
                           data={"cases": [str(movable.id)], "confirmed": "yes"}, follow_redirects=True)
    assert f"已迁移 1 个案件：{movable.tracking_code}" in _text(done)
    assert service.case(movable.id).process_version_id == v2
    assert service.case(stuck.id).process_version_id == v1
    assert service.events(movable.id)[-1].actor == "dudao"


def test_a_case_that_cannot_move_cannot_be_ticked(supervisor: FlaskClient, processes: ProcessService,
                                                  driver: Driver) -> None:
    stuck = driver.report("垃圾桶满了")
    driver.do(stuck, "triage", triage_decision="on_spot")
    v2 = processes.publish(_draft(processes, without_rating_timer(civic_loop())), "取消默认好评", by="dudao").id
    response = supervisor.post(f"/processes/versions/{_v1(processes)}/migrate?to={v2}", data={"cases": [str(stuck.id)]})
    assert response.status_code == 400


@pytest.mark.parametrize("to", ["abc", "999999"])
def test_a_migration_to_an_unknown_version_is_refused(supervisor: FlaskClient, processes: ProcessService,
                                                      to: str) -> None:
    assert supervisor.get(f"/processes/versions/{_v1(processes)}/migrate?to={to}").status_code in (400, 404)


def test_without_a_newer_version_there_is_nothing_to_migrate_to(supervisor: FlaskClient,
                                                                 processes: ProcessService) -> None:
    response = supervisor.get(f"/processes/versions/{_v1(processes)}/migrate")
    assert response.status_code == 400 and "没有比它更新的已发布版本" in _text(response)


# -- English -----------------------------------------------------------------------------------

def test_the_pages_have_english(supervisor: FlaskClient, processes: ProcessService) -> None:
    supervisor.post("/lang/en", data={"next": "/processes"})
    page = _text(supervisor.get("/processes"))
    assert "Processes" in page and "Published" in page
    editor = _text(supervisor.get(f"/processes/versions/{_v1(processes)}/edit"))
    assert "Save draft" in editor and "Check" in editor
