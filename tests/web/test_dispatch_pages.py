"""Dispatch in the web UI and the JSON API (issue 14): the triage screen from the diagram with the routing
table's suggestion, 吹哨 from the case page, 申请延期 and its decision, 催办 — every refusal next to its field
with nothing changed, every route checking role and object."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from engine.calendar import china_date
from engine.cases.models import Case
from engine.db import Database
from engine.demo.driver import Driver
from engine.people.directory import set_department_active
from engine import CaseService
from tests.web.conftest import LoginAs
from tests.web.test_api import basic
from tests.web.test_task_forms import field_block


def text(response) -> str:  # type: ignore[no-untyped-def]
    return response.get_data(as_text=True)


def streetlight(driver: Driver) -> Case:
    """A broken streetlight in 幸福里一网格: the routing table suggests 住建办 (zhujian)."""
    return driver.report("3号楼2单元门口的路灯坏了一个多星期", "公共设施")


def dispatched(driver: Driver) -> Case:
    case = streetlight(driver)
    driver.do(case, "triage", triage_decision="dispatch", department="zhujian")
    return case


def unchanged(service: CaseService, case: Case):  # type: ignore[no-untyped-def]
    stored = service.case(case.id)
    return stored.version, stored.last_seq


# -- the triage screen -------------------------------------------------------------------------------------

def test_triage_offers_every_outcome_with_the_suggested_department_preselected(driver: Driver,
                                                                               login_as: LoginAs) -> None:
    case = streetlight(driver)
    html = text(login_as("wangge").get(f"/inbox/tasks/{driver.item(case, 'triage').id}"))
    decisions = field_block(html, "triage_decision")
    for outcome in ("就地解决", "直接派单", "吹哨报到", "提交议事", "合并重复", "不予受理"):
        assert f">{outcome}<" in decisions
    assert '<option selected value="zhujian">住建办</option>' in field_block(html, "department")
    assert "建议：住建办" in field_block(html, "department")
    assert 'multiple' in field_block(html, "co_departments")
    assert all(f">{p}<" in field_block(html, "triage_priority") for p in ("一般", "紧急", "特急"))
    assert "不予受理理由（向反映人公示）" in field_block(html, "refuse_reason")
    assert 'data-shown-when="triage_decision"' in field_block(html, "refuse_reason")
    assert re.search(r'class="deadline[^"]*"', html.split('id="form-heading"')[0]), "the first-response deadline"


def test_dispatching_elsewhere_without_a_reason_is_refused_next_to_the_reason(
        driver: Driver, login_as: LoginAs, service: CaseService) -> None:
    case = streetlight(driver)
    item = driver.item(case, "triage")
    before = unchanged(service, case)
    response = login_as("wangge").post(f"/inbox/tasks/{item.id}", data={
        "case_version": service.case(case.id).version, "triage_decision": "dispatch", "department": "chengguan",
        "triage_priority": "normal"})
    assert response.status_code == 400
    assert "权责清单" in field_block(text(response), "dispatch_reason")
    assert unchanged(service, case) == before


def test_dispatching_the_suggested_department_puts_it_in_that_inbox(driver: Driver, login_as: LoginAs,
                                                                    service: CaseService) -> None:
    case = streetlight(driver)
    response = login_as("wangge").post(f"/inbox/tasks/{driver.item(case, 'triage').id}", data={
        "case_version": service.case(case.id).version, "triage_decision": "dispatch", "department": "zhujian",
        "triage_priority": "normal"})
    assert response.status_code == 302
    assert case.tracking_code in text(login_as("zhujian").get("/inbox"))
    page = text(login_as("dudao").get(f"/cases/{case.tracking_code}"))
    assert "派单与报到" in page and "住建办" in page and "承办" in page
    assert "派单给 住建办" in page


# -- 吹哨 from the case page ---------------------------------------------------------------------------------

def test_a_grid_worker_blows_the_whistle_from_the_case_page(driver: Driver, login_as: LoginAs) -> None:
    case = streetlight(driver)
    code = case.tracking_code
    grid = login_as("wangge")
    assert f'href="/cases/{code}/whistle"' in text(grid.get(f"/cases/{code}"))
    form = text(grid.get(f"/cases/{code}/whistle"))
    assert "牵头部门" in form and "协办部门" in form
    response = grid.post(f"/cases/{code}/whistle", data={
        "lead": "chengguan", "co_departments": ["zhujian", "wuye"], "reason": "路灯线路涉及违建和物业"})
    assert response.status_code == 302 and response.location.startswith(f"/cases/{code}")
    page = text(grid.get(f"/cases/{code}"))
    board = page.split('id="dispatch-heading"')[1].split("</section>")[0]
    assert re.search(r"城管执法中队\s*<span class=\"badge part-lead\">牵头", board)
    assert re.search(r"住建办\s*<span class=\"badge part-co\">协办", board)
    assert re.search(r"物业服务中心\s*<span class=\"badge part-co\">协办", board)
    assert re.search("吹哨：城管执法中队 牵头，(住建办、物业服务中心|物业服务中心、住建办) 协办", page)


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"co_departments": ["zhujian"]}, "lead", "请选择牵头部门"),
    ({"lead": "chengguan"}, "co_departments", "请至少选择一个协办部门"),
    ({"lead": "chengguan", "co_departments": ["chengguan", "zhujian"]}, "co_departments", "牵头部门不能同时列为协办部门"),
    ({"lead": "weijian", "co_departments": ["zhujian"]}, "lead", "该部门不存在或已停用"),
    ({"lead": "chengguan", "co_departments": ["nosuch"]}, "co_departments", "不存在或已停用"),
    ({"lead": "chengguan", "co_departments": ["zhujian"], "reason": " "}, "reason", "请说明吹哨事由"),
])
def test_a_bad_whistle_is_refused_next_to_its_field_and_changes_nothing(
        data: dict[str, object], field: str, message: str, db: Database, driver: Driver, login_as: LoginAs,
        service: CaseService) -> None:
    with db.transaction() as s:
        set_department_active(s, "weijian", False, by="admin")
    case = streetlight(driver)
    before = unchanged(service, case)
    response = login_as("wangge").post(f"/cases/{case.tracking_code}/whistle",
                                       data={"reason": "联合处置", **data})
    assert response.status_code == 400
    assert message in field_block(text(response), field)
    assert unchanged(service, case) == before


def test_only_the_cases_own_grid_worker_the_community_and_the_street_may_whistle(
        driver: Driver, login_as: LoginAs) -> None:
    code = streetlight(driver).tracking_code
    assert login_as("wangge2").get(f"/cases/{code}/whistle").status_code == 404  # not a case of their grid
    assert login_as("zhujian").get(f"/cases/{code}/whistle").status_code == 403
    assert login_as("yishi").get(f"/cases/{code}/whistle").status_code == 200
    assert login_as("dudao").get(f"/cases/{code}/whistle").status_code == 200


def test_a_whistle_on_a_dispatched_case_summons_a_new_round(driver: Driver, login_as: LoginAs,
                                                            service: CaseService) -> None:
    case = dispatched(driver)
    street = login_as("dudao")
    assert f'href="/cases/{case.tracking_code}/whistle"' in text(street.get(f"/cases/{case.tracking_code}"))
    response = street.post(f"/cases/{case.tracking_code}/whistle", data={
        "lead": "chengguan", "co_departments": ["wuye"], "reason": "住建办一家处理不了，需联合处置"})
    assert response.status_code == 302
    assert sorted((i.bpmn_id, i.department_code) for i in service.work_items(case.id)) == [
        ("accept", "chengguan"), ("accept", "wuye")]


def test_a_whistle_while_the_council_deliberates_is_409_and_changes_nothing(
        driver: Driver, login_as: LoginAs, service: CaseService) -> None:
    case = streetlight(driver)
    driver.do(case, "triage", triage_decision="negotiate", triage_note="需议事")
    before = unchanged(service, case)
    street = login_as("dudao")
    assert f'href="/cases/{case.tracking_code}/whistle"' not in text(street.get(f"/cases/{case.tracking_code}"))
    response = street.post(f"/cases/{case.tracking_code}/whistle", data={
        "lead": "chengguan", "co_departments": ["wuye"], "reason": "联合处置"})
    assert response.status_code == 409 and "现在不能吹哨" in text(response)
    assert unchanged(service, case) == before


# -- 申请延期 and the decision -------------------------------------------------------------------------------

def test_a_department_asks_for_an_extension_and_the_street_approves_it(
        driver: Driver, login_as: LoginAs, service: CaseService) -> None:
    case = dispatched(driver)
    item = driver.item(case, "accept")
    department = login_as("zhujian")
    assert f"/dispatch/items/{item.id}/extension" in text(department.get(f"/cases/{case.tracking_code}"))
    wanted = (china_date(driver.clock.now()) + timedelta(days=5)).isoformat()
    response = department.post(f"/dispatch/items/{item.id}/extension", data={"new_due": wanted, "reason": "需等配件"})
    assert response.status_code == 302
    street = login_as("dudao")
    listing = text(street.get("/dispatch/extensions"))
    assert case.tracking_code in listing and "需等配件" in listing and "住建办" in listing
    extension = int(re.search(r'action="/dispatch/extensions/(\d+)"', listing).group(1))
    refused = street.post(f"/dispatch/extensions/{extension}", data={f"x{extension}-decision": "refuse"})
    assert refused.status_code == 400 and "不同意延期时请说明理由" in text(refused)
    assert street.post(f"/dispatch/extensions/{extension}",
                       data={f"x{extension}-decision": "approve"}).status_code == 302
    assert case.tracking_code not in text(street.get("/dispatch/extensions"))
    page = text(street.get(f"/cases/{case.tracking_code}"))
    assert f"已同意延期至 {wanted}" in page and "同意 住建办 延期至" in page


@pytest.mark.parametrize(("days", "message"), [(0, "延期日期必须晚于今天"), (-3, "延期日期必须晚于今天"),
                                               (90, "最多延期")])
def test_an_extension_to_a_bad_date_is_refused_next_to_the_date(days: int, message: str, driver: Driver,
                                                                login_as: LoginAs, service: CaseService) -> None:
    case = dispatched(driver)
    item = driver.item(case, "accept")
    before = unchanged(service, case)
    wanted = (china_date(driver.clock.now()) + timedelta(days=days)).isoformat()
    response = login_as("zhujian").post(f"/dispatch/items/{item.id}/extension",
                                        data={"new_due": wanted, "reason": "需等配件"})
    assert response.status_code == 400
    assert message in field_block(text(response), "new_due")
    assert unchanged(service, case) == before


def test_another_departments_item_cannot_be_extended(driver: Driver, login_as: LoginAs) -> None:
    item = driver.item(dispatched(driver), "accept")
    assert login_as("chengguan").get(f"/dispatch/items/{item.id}/extension").status_code == 404


# -- 催办 ----------------------------------------------------------------------------------------------------

def test_the_street_urges_an_open_assignment_and_it_is_on_record(driver: Driver, login_as: LoginAs,
                                                                 service: CaseService) -> None:
    case = dispatched(driver)
    item = driver.item(case, "accept")
    street = login_as("dudao")
    url = f"/cases/{case.tracking_code}/items/{item.id}/urge"
    assert url in text(street.get(f"/cases/{case.tracking_code}"))
    before = unchanged(service, case)
    empty = street.post(url, data={"message": ""})
    assert empty.status_code == 400 and "请填写催办意见" in field_block(text(empty), "message")
    assert unchanged(service, case) == before
    assert street.post(url, data={"message": "请今天内签收"}).status_code == 302
    page = text(street.get(f"/cases/{case.tracking_code}"))
    assert "已催办 1 次" in page and "催办 住建办：请今天内签收" in page
    assert url not in text(login_as("zhujian").get(f"/cases/{case.tracking_code}"))


def test_urging_an_item_of_another_case_is_404(driver: Driver, login_as: LoginAs) -> None:
    one, other = dispatched(driver), dispatched(driver)
    item = driver.item(other, "accept")
    street = login_as("dudao")
    assert street.get(f"/cases/{one.tracking_code}/items/{item.id}/urge").status_code == 404
    assert street.post(f"/cases/{one.tracking_code}/items/{item.id}/urge", data={"message": "请签收"}).status_code == 404
    assert "已催办" not in text(street.get(f"/cases/{other.tracking_code}"))


# -- urgency in the inbox ------------------------------------------------------------------------------------

def test_a_critical_matter_comes_first_with_its_badge_and_minutes(driver: Driver, login_as: LoginAs) -> None:
    ordinary = driver.report("路灯坏了", "公共设施")
    critical = driver.report("楼道燃气味很重", "公共设施", priority="critical")
    html = text(login_as("wangge").get("/inbox"))
    assert html.index(critical.tracking_code) < html.index(ordinary.tracking_code)
    row = html[html.index(critical.tracking_code):].split("</tr>")[0]
    assert '<span class="badge priority-critical">特急</span>' in row and "还剩 10 分钟" in row
    task = text(login_as("wangge").get(f"/inbox/tasks/{driver.item(critical, 'triage').id}"))
    assert "还剩 10 分钟" in task  # the task page and the case page count minutes too
    assert "还剩 10 分钟" in text(login_as("dudao").get(f"/cases/{critical.tracking_code}"))


# -- the JSON API --------------------------------------------------------------------------------------------

def test_the_api_blows_the_whistle_and_shows_the_board(client, driver: Driver) -> None:  # type: ignore[no-untyped-def]
    case = streetlight(driver)
    url = f"/api/cases/{case.tracking_code}/whistle"
    bad = client.post(url, headers=basic("wangge"), json={"lead": "chengguan", "co_departments": ["chengguan"],
                                                          "reason": "联合处置"})
    assert bad.status_code == 400 and "co_departments" in bad.get_json()["field_errors"]
    wrong = client.post(url, headers=basic("wangge"), json={"lead": 1, "co_departments": "zhujian", "x": 1})
    assert wrong.status_code == 400 and set(wrong.get_json()["field_errors"]) == {"lead", "co_departments", "x",
                                                                                   "reason"}
    done = client.post(url, headers=basic("wangge"), json={"lead": "chengguan", "co_departments": ["zhujian", "wuye"],
                                                           "reason": "联合处置"})
    assert done.status_code == 200
    parts = {d["department"]: d["part"] for d in done.get_json()["departments"]}
    assert parts == {"chengguan": "lead", "zhujian": "co", "wuye": "co"}
    board = client.get(f"/api/cases/{case.tracking_code}/dispatch", headers=basic("jiandu")).get_json()
    assert [d["state"] for d in board["departments"]] == ["pending"] * 3


def test_the_api_asks_decides_and_urges(client, driver: Driver) -> None:  # type: ignore[no-untyped-def]
    case = dispatched(driver)
    item = driver.item(case, "accept")
    wanted = (china_date(driver.clock.now()) + timedelta(days=3)).isoformat()
    past = client.post(f"/api/work-items/{item.id}/extension", headers=basic("zhujian"),
                       json={"new_due": "2020-01-01", "reason": "需等配件"})
    assert past.status_code == 400 and "new_due" in past.get_json()["field_errors"]
    asked = client.post(f"/api/work-items/{item.id}/extension", headers=basic("zhujian"),
                        json={"new_due": wanted, "reason": "需等配件"})
    assert asked.status_code == 201
    [pending] = client.get("/api/extensions", headers=basic("dudao")).get_json()["items"]
    assert (pending["case"], pending["department"]) == (case.tracking_code, "zhujian")
    decided = client.post(f"/api/extensions/{pending['id']}/decision", headers=basic("dudao"), json={"approve": True})
    assert decided.get_json()["state"] == "approved"
    urged = client.post(f"/api/work-items/{item.id}/urge", headers=basic("dudao"), json={"message": "请尽快签收"})
    assert urged.status_code == 200
    assert client.post(f"/api/work-items/{item.id}/urge", headers=basic("zhujian"),
                       json={"message": "x"}).status_code == 403


# -- 退单 (the department's 签收 form) ------------------------------------------------------------------------

def test_a_department_returns_once_with_a_reason_and_a_second_return_is_refused_next_to_the_field(
        driver: Driver, login_as: LoginAs, service: CaseService) -> None:
    case = dispatched(driver)
    department = login_as("zhujian")

    def post_return(reason: str):  # type: ignore[no-untyped-def]
        item = driver.item(case, "accept")
        return department.post(f"/inbox/tasks/{item.id}", data={
            "case_version": service.case(case.id).version, "accept_decision": "return", "return_reason": reason})

    before = unchanged(service, case)
    bare = post_return("")
    assert bare.status_code == 400 and "理由" in field_block(text(bare), "return_reason")
    assert unchanged(service, case) == before
    assert post_return("路灯属于供电公司资产，不归住建办").status_code == 302
    assert driver.open_ids(case) == ["triage"]  # back with the dispatcher, not another department
    page = text(login_as("dudao").get(f"/cases/{case.tracking_code}"))
    assert "已退单：路灯属于供电公司资产，不归住建办" in page and "住建办 退单" in page
    driver.do(case, "triage", triage_decision="dispatch", department="zhujian")
    before = unchanged(service, case)
    again = post_return("还是不归我们")
    assert again.status_code == 400 and "不能再次退" in field_block(text(again), "accept_decision")
    assert unchanged(service, case) == before


# -- bad input through HTTP: each refused next to its field (web) or with a 400 naming it (API), nothing changed --

@pytest.mark.parametrize("department", ["weijian", "nosuch"])  # disabled below; never existed
def test_a_direct_dispatch_to_a_disabled_or_unknown_department_is_refused_next_to_the_field(
        department: str, db: Database, driver: Driver, login_as: LoginAs, client, service: CaseService) -> None:  # type: ignore[no-untyped-def]
    with db.transaction() as s:
        set_department_active(s, "weijian", False, by="admin")
    case = streetlight(driver)
    item = driver.item(case, "triage")
    before = unchanged(service, case)
    form = {"triage_decision": "dispatch", "department": department, "dispatch_reason": "现场核实后改派",
            "triage_priority": "normal"}
    response = login_as("wangge").post(f"/inbox/tasks/{item.id}",
                                       data={"case_version": service.case(case.id).version, **form})
    assert response.status_code == 400 and field_block(text(response), "department").count('class="error"') >= 1
    api = client.post(f"/api/work-items/{item.id}/complete", headers=basic("wangge"), json={"data": form})
    assert api.status_code == 400 and "department" in api.get_json()["field_errors"]
    assert unchanged(service, case) == before and driver.open_ids(case) == ["triage"]


def test_the_api_refuses_a_whistle_without_a_lead_naming_the_field(client, driver: Driver,  # type: ignore[no-untyped-def]
                                                                   service: CaseService) -> None:
    case = streetlight(driver)
    before = unchanged(service, case)
    for body in ({"co_departments": ["zhujian"], "reason": "联合处置"},
                 {"lead": "", "co_departments": ["zhujian"], "reason": "联合处置"}):
        response = client.post(f"/api/cases/{case.tracking_code}/whistle", headers=basic("wangge"), json=body)
        assert response.status_code == 400 and "牵头部门" in response.get_json()["field_errors"]["lead"]
    assert unchanged(service, case) == before


@pytest.mark.parametrize(("days", "message"), [(-1, "不能早于今天"), (0, "应晚于当前时限"), (90, "最多延期")])
def test_the_api_refuses_an_extension_in_the_past_or_beyond_the_maximum(
        days: int, message: str, client, driver: Driver, service: CaseService) -> None:  # type: ignore[no-untyped-def]
    case = dispatched(driver)
    item = driver.item(case, "accept")
    before = unchanged(service, case)
    wanted = (china_date(driver.clock.now()) + timedelta(days=days)).isoformat()
    response = client.post(f"/api/work-items/{item.id}/extension", headers=basic("zhujian"),
                           json={"new_due": wanted, "reason": "需等配件"})
    assert response.status_code == 400 and message in response.get_json()["field_errors"]["new_due"]
    assert unchanged(service, case) == before
    assert client.get("/api/extensions", headers=basic("dudao")).get_json()["items"] == []


def test_the_api_refuses_a_second_return_of_the_same_dispatch(client, driver: Driver,  # type: ignore[no-untyped-def]
                                                              service: CaseService) -> None:
    case = dispatched(driver)
    returned = client.post(f"/api/work-items/{driver.item(case, 'accept').id}/complete", headers=basic("zhujian"),
                           json={"data": {"accept_decision": "return", "return_reason": "不属于住建办职责"}})
    assert returned.status_code == 200
    driver.do(case, "triage", triage_decision="dispatch", department="zhujian")
    before = unchanged(service, case)
    again = client.post(f"/api/work-items/{driver.item(case, 'accept').id}/complete", headers=basic("zhujian"),
                        json={"data": {"accept_decision": "return", "return_reason": "还是不归我们"}})
    assert again.status_code == 400 and "不能再次退" in again.get_json()["field_errors"]["accept_decision"]
    assert unchanged(service, case) == before
