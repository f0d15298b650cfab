"""The case page (summary, masked parties, current tasks, timeline, diagram), its access rule and case search."""
from __future__ import annotations

import pytest

import html as html_lib
import json
import re
from datetime import timedelta

from engine.calendar import china_date
from engine.cases.intake import Intake
from engine.cases.models import Case
from engine.demo.driver import Driver
from engine.demo.scenarios import adopted_assigned_and_satisfied
from engine.people.actor import Actor
from engine import CaseService
from tests.web.conftest import LoginAs

WANGGE = Actor("wangge", "grid_worker", None, "XF-01")
DUDAO = Actor("dudao", "supervisor")


def reported(driver: Driver, **fields: object) -> Case:
    return driver.report("小区门口路灯不亮已一周", "公共设施", address="幸福里3号楼", reporter_name="王阿姨",
                         reporter_phone="13812345678", **fields)


def adopted(driver: Driver, department: str = "chengguan") -> Case:
    case = reported(driver)
    driver.do(case, "triage", triage_decision="negotiate", triage_note="需协调城管")
    driver.do(case, "deliberate", decision="adopt", responsible_department=department,
              deadline=(china_date(driver.clock.now()) + timedelta(days=10)).isoformat(),
              votes_for=7, votes_against=1, votes_abstain=1)
    return case


def page(client, case: Case) -> str:  # type: ignore[no-untyped-def]
    response = client.get(f"/cases/{case.tracking_code}")
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def diagram_elements(html: str) -> dict[str, list[str]]:
    match = re.search(r'data-elements="([^"]*)"', html)
    assert match, "no diagram on the page"
    return json.loads(html_lib.unescape(match.group(1)))


def test_the_summary_shows_status_category_grid_address_and_department(driver: Driver, login_as: LoginAs) -> None:
    case = adopted(driver)
    html = page(login_as("dudao"), case)
    for shown in (case.tracking_code, "办理中", "交办落实", "公共设施", "幸福里社区 / 幸福里一网格", "幸福里3号楼",
                  "城管执法中队", "网格员入户走访", "2026-03-02 09:00", "签收时限"):
        assert shown in html, shown


def test_the_reporters_name_and_phone_are_masked(driver: Driver, login_as: LoginAs) -> None:
    html = page(login_as("dudao"), reported(driver))
    assert "王**" in html and "138****5678" in html
    assert "13812345678" not in html and "王阿姨" not in html


def test_the_current_tasks_show_who_holds_them_and_the_deadline(driver: Driver, login_as: LoginAs) -> None:
    case = adopted(driver)
    login_as("chengguan").post(f"/inbox/tasks/{driver.item(case, 'accept').id}/claim")
    html = page(login_as("dudao"), case)
    tasks = html[html.index("当前任务"):html.index("流程图")]
    assert "签收交办" in tasks and "职能部门 · 城管执法中队" in tasks and "城管中队" in tasks
    assert "还剩 1 个工作日" in tasks


def test_the_timeline_tells_what_happened_in_words(driver: Driver, login_as: LoginAs) -> None:
    case = adopted(driver)
    timeline = page(login_as("dudao"), case).split("办理记录", 1)[1]
    assert "李网格员 登记了案件" in timeline
    assert "李网格员 完成了 分拨研判：提交议事" in timeline
    assert "张主任（议事会） 完成了 协商议定：通过" in timeline
    assert "#3" in timeline and "2026-03-02 09:00" in timeline  # seq and Beijing time


def test_the_timeline_tells_a_missed_deadline_and_its_escalation(driver: Driver, login_as: LoginAs) -> None:
    case = adopted(driver)
    driver.deadline_passes(case, "accept")
    timeline = page(login_as("dudao"), case).split("办理记录", 1)[1]
    assert "时限已到，系统自动处理" in timeline
    assert "签收交办 超过时限未办，已上报街道督办" in timeline


def test_the_diagram_data_marks_completed_and_current_elements(driver: Driver, login_as: LoginAs) -> None:
    case = adopted(driver)
    elements = diagram_elements(page(login_as("dudao"), case))
    assert {"triage", "deliberate"} <= set(elements["completed"])
    assert "accept" in elements["current"] and "accept" not in elements["completed"]
    assert "on_site" not in elements["completed"] + elements["current"]


def test_a_closed_case_shows_its_outcome_and_no_current_step(driver: Driver, login_as: LoginAs) -> None:
    case = adopted_assigned_and_satisfied(driver)
    html = page(login_as("jiandu"), case)
    assert "已结案" in html and "已解决" in html and "目前没有待办任务" in html
    elements = diagram_elements(html)
    assert elements["current"] == [] and {"accept", "on_site", "complete", "rate"} <= set(elements["completed"])


def test_the_page_loads_the_vendored_viewer_not_a_cdn(driver: Driver, login_as: LoginAs) -> None:
    html = page(login_as("dudao"), reported(driver))
    assert "/static/vendor/bpmn-js/bpmn-navigated-viewer.production.min.js" in html
    assert "/static/js/case_diagram.js" in html
    assert "unpkg" not in html and "cdn" not in html.lower()


def test_the_vendored_viewer_and_script_are_served(driver: Driver, login_as: LoginAs) -> None:
    client = login_as("dudao")
    for path in ("/static/vendor/bpmn-js/bpmn-navigated-viewer.production.min.js", "/static/js/case_diagram.js",
                 "/static/vendor/bpmn-js/assets/bpmn-js.css", "/static/vendor/bpmn-js/assets/bpmn-font/css/bpmn.css"):
        response = client.get(path)
        assert response.status_code == 200, path
        response.close()


def test_the_diagram_xml_of_the_pinned_version_is_served(driver: Driver, login_as: LoginAs) -> None:
    case = reported(driver)
    response = login_as("dudao").get(f"/cases/{case.tracking_code}/diagram.xml")
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    body = response.get_data(as_text=True)
    assert 'id="civic_loop"' in body and 'id="triage"' in body


def test_the_responsible_department_sees_its_case(driver: Driver, login_as: LoginAs) -> None:
    page(login_as("chengguan"), adopted(driver, "chengguan"))


def test_another_department_gets_404_for_the_page_and_the_diagram(driver: Driver, login_as: LoginAs) -> None:
    case = adopted(driver, "chengguan")
    client = login_as("zhujian")
    assert client.get(f"/cases/{case.tracking_code}").status_code == 404
    assert client.get(f"/cases/{case.tracking_code}/diagram.xml").status_code == 404


def test_a_department_keeps_seeing_a_case_reassigned_away_from_it(driver: Driver, login_as: LoginAs,
                                                                  service: CaseService) -> None:
    case = adopted(driver, "chengguan")
    service.reassign(driver.item(case, "accept").id, DUDAO, "城管人手不足", department="zhujian")
    page(login_as("zhujian"), case)
    page(login_as("chengguan"), case)
    assert login_as("wuye").get(f"/cases/{case.tracking_code}").status_code == 404


def test_a_grid_worker_sees_their_grids_cases_and_those_they_registered(driver: Driver, login_as: LoginAs,
                                                                        service: CaseService) -> None:
    mine = reported(driver)
    elsewhere = service.open_case(Intake(description="二网格的井盖松动", category="安全隐患", grid_code="XF-02",
                                         channel="grid_visit"), WANGGE)
    page(login_as("wangge"), mine)
    page(login_as("wangge"), elsewhere)
    assert login_as("wangge2").get(f"/cases/{mine.tracking_code}").status_code == 404
    assert login_as("wangge2").get(f"/cases/{elsewhere.tracking_code}").status_code == 404


def test_the_council_supervisor_and_auditor_see_every_case(driver: Driver, login_as: LoginAs) -> None:
    case = reported(driver, grid_code="HP-01")
    for username in ("yishi", "dudao", "jiandu"):
        page(login_as(username), case)


def test_a_missing_case_is_404(login_as: LoginAs) -> None:
    assert login_as("jiandu").get("/cases/260302-ZZZZZZ").status_code == 404
    assert login_as("jiandu").get("/cases/260302-ZZZZZZ/diagram.xml").status_code == 404


def test_admins_and_logged_out_visitors_cannot_open_case_pages(driver: Driver, login_as: LoginAs, client) -> None:  # type: ignore[no-untyped-def]
    case = reported(driver)
    assert login_as("admin").get(f"/cases/{case.tracking_code}").status_code == 403
    assert client.get(f"/cases/{case.tracking_code}").status_code == 302


def test_search_finds_cases_by_title_and_by_tracking_code(driver: Driver, login_as: LoginAs) -> None:
    lamp = reported(driver)
    rubbish = driver.report("垃圾桶满了没人清运", "环境卫生")
    client = login_as("jiandu")
    by_title = client.get("/cases", query_string={"q": "路灯"}).get_data(as_text=True)
    assert lamp.tracking_code in by_title and rubbish.tracking_code not in by_title
    by_code = client.get("/cases", query_string={"q": rubbish.tracking_code.lower()}).get_data(as_text=True)
    assert rubbish.tracking_code in by_code and lamp.tracking_code not in by_code


def test_search_filters_by_status(driver: Driver, login_as: LoginAs) -> None:
    closed = adopted_assigned_and_satisfied(driver)
    still_open = reported(driver)
    html = login_as("jiandu").get("/cases?status=closed").get_data(as_text=True)
    assert closed.tracking_code in html and still_open.tracking_code not in html


def test_search_lists_only_the_cases_the_user_may_see(driver: Driver, login_as: LoginAs) -> None:
    ours, theirs = adopted(driver, "chengguan"), adopted(driver, "zhujian")
    html = login_as("chengguan").get("/cases").get_data(as_text=True)
    assert ours.tracking_code in html and theirs.tracking_code not in html


def test_bad_search_input_is_400_with_a_message(login_as: LoginAs) -> None:
    client = login_as("jiandu")
    for query in ("status=lost", "page=-3", "page=x", "q=" + "长" * 101):
        response = client.get(f"/cases?{query}")
        assert response.status_code == 400, query
        assert "查询条件有误" in response.get_data(as_text=True), query


def test_the_timeline_is_english_when_chosen(driver: Driver, login_as: LoginAs) -> None:
    case = adopted(driver)
    client = login_as("dudao")
    client.post("/lang/en", data={"next": "/"})
    html = page(client, case)
    assert "李网格员 completed Triage: Submit to the council" in html and "Process diagram" in html


@pytest.mark.parametrize("ref", ["²", "99999999999999999999", "9" * 300, "٣"])
def test_a_case_reference_that_is_no_id_nor_code_is_404_not_500(login_as, ref: str) -> None:
    assert login_as("dudao").get(f"/cases/{ref}").status_code == 404
