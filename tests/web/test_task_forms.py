"""Task forms generated from the diagram: rendering, validation next to the fields, conflicts, completion."""
from __future__ import annotations

import re
from datetime import timedelta

from engine.calendar import china_date
from engine.cases.models import Case
from engine.db import Database
from engine.demo.driver import Driver
from engine.demo.organisation import add_demo_user
from engine import CaseService
from tests.web.conftest import LoginAs


def in_deliberation(driver: Driver) -> Case:
    """A case the grid worker sent to the council: its 协商议定 form waits for the council."""
    case = driver.report("小区门口路灯不亮已一周", "公共设施", address="幸福里3号楼")
    driver.do(case, "triage", triage_decision="negotiate", triage_note="需协调城管")
    return case


def adoption(driver: Driver, **changes: object) -> dict[str, object]:
    form: dict[str, object] = {
        "decision": "adopt", "responsible_department": "chengguan",
        "deadline": (china_date(driver.clock.now()) + timedelta(days=10)).isoformat(),
        "votes_for": "7", "votes_against": "1", "votes_abstain": "1", "resolution_text": "同意交办城管",
    }
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


def field_block(html: str, name: str) -> str:
    """The ``<div class="field">`` around the input called ``name``: where its label and error are."""
    for block in re.findall(r'<div class="field[^"]*">.*?</div>', html, flags=re.DOTALL):
        if f'name="{name}"' in block:
            return block
    raise AssertionError(f"no field {name}")


def events(service: CaseService, case: Case) -> int:
    return len(service.events(case.id))


def test_the_form_shows_the_diagrams_fields_with_their_chinese_labels(driver: Driver, login_as: LoginAs) -> None:
    case = in_deliberation(driver)
    response = login_as("yishi").get(f"/inbox/tasks/{driver.item(case, 'deliberate').id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<select" in field_block(html, "decision") and "议定结果" in field_block(html, "decision")
    assert ">通过<" in field_block(html, "decision") and ">暂缓<" in field_block(html, "decision")
    assert 'type="checkbox"' in field_block(html, "major_matter") and "重大事项" in html
    assert "城管执法中队" in field_block(html, "responsible_department")
    assert 'type="date"' in field_block(html, "deadline") and "完成时限" in html
    assert 'type="number"' in field_block(html, "votes_for") and 'min="0"' in field_block(html, "votes_for")
    assert "<textarea" in field_block(html, "resolution_text")


def test_the_form_shows_the_case_and_the_earlier_decisions(driver: Driver, login_as: LoginAs) -> None:
    case = in_deliberation(driver)
    html = login_as("yishi").get(f"/inbox/tasks/{driver.item(case, 'deliberate').id}").get_data(as_text=True)
    assert "小区门口路灯不亮已一周" in html and "幸福里3号楼" in html and "公共设施" in html
    assert "分拨研判" in html and "提交议事" in html and "需协调城管" in html


def test_a_department_task_shows_the_councils_resolution(driver: Driver, login_as: LoginAs) -> None:
    case = in_deliberation(driver)
    driver.do(case, "deliberate", **adoption(driver))
    html = login_as("chengguan").get(f"/inbox/tasks/{driver.item(case, 'accept').id}").get_data(as_text=True)
    assert "协商议定" in html and "同意交办城管" in html and "城管执法中队" in html


def test_a_missing_required_field_is_400_next_to_the_field_and_nothing_is_written(
        driver: Driver, login_as: LoginAs, service: CaseService) -> None:
    case = in_deliberation(driver)
    before = events(service, case)
    item = driver.item(case, "deliberate").id
    response = login_as("yishi").post(f"/inbox/tasks/{item}", data=adoption(driver, decision=None, case_version=case_version(service, case)))
    assert response.status_code == 400
    assert "请选择一项" in field_block(response.get_data(as_text=True), "decision")
    assert events(service, case) == before


def test_a_wrong_type_is_400_next_to_the_field_and_nothing_is_written(
        driver: Driver, login_as: LoginAs, service: CaseService) -> None:
    case = in_deliberation(driver)
    before = events(service, case)
    response = login_as("yishi").post(f"/inbox/tasks/{driver.item(case, 'deliberate').id}",
                                      data=adoption(driver, votes_for="七", deadline="下周五",
                                                    case_version=case_version(service, case)))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "不是有效的整数" in field_block(html, "votes_for")
    assert "不能小于" not in field_block(html, "votes_for")  # one clear reason, not two
    assert 'class="error"' in field_block(html, "deadline")
    assert 'class="error"' not in field_block(html, "votes_against")
    assert events(service, case) == before


def test_a_number_below_the_diagrams_minimum_is_refused(driver: Driver, login_as: LoginAs, service: CaseService) -> None:
    case = in_deliberation(driver)
    response = login_as("yishi").post(f"/inbox/tasks/{driver.item(case, 'deliberate').id}",
                                      data=adoption(driver, votes_against="-1", case_version=case_version(service, case)))
    assert response.status_code == 400
    assert "不能小于 0" in field_block(response.get_data(as_text=True), "votes_against")


def test_an_unknown_department_is_refused(driver: Driver, login_as: LoginAs, service: CaseService) -> None:
    case = in_deliberation(driver)
    response = login_as("yishi").post(f"/inbox/tasks/{driver.item(case, 'deliberate').id}",
                                      data=adoption(driver, responsible_department="mars",
                                                    case_version=case_version(service, case)))
    assert response.status_code == 400
    assert 'class="error"' in field_block(response.get_data(as_text=True), "responsible_department")


def test_an_engine_rule_error_is_shown_next_to_its_field(driver: Driver, login_as: LoginAs,
                                                        service: CaseService) -> None:
    case = in_deliberation(driver)
    before = events(service, case)
    response = login_as("yishi").post(f"/inbox/tasks/{driver.item(case, 'deliberate').id}",
                                      data=adoption(driver, responsible_department="",
                                                    case_version=case_version(service, case)))
    assert response.status_code == 400
    assert "通过的决议必须明确责任部门" in field_block(response.get_data(as_text=True), "responsible_department")
    assert events(service, case) == before


def test_completing_the_task_moves_the_case_on(driver: Driver, login_as: LoginAs, service: CaseService) -> None:
    case = in_deliberation(driver)
    response = login_as("yishi").post(f"/inbox/tasks/{driver.item(case, 'deliberate').id}",
                                      data=adoption(driver, case_version=case_version(service, case)),
                                      follow_redirects=True)
    assert response.status_code == 200
    assert "已办理：协商议定" in response.get_data(as_text=True)
    [accept] = service.work_items(case.id)
    assert accept.bpmn_id == "accept" and accept.department_code == "chengguan"


def test_an_unclaimed_item_of_my_team_can_be_completed_without_claiming(driver: Driver, login_as: LoginAs,
                                                                       service: CaseService) -> None:
    case = in_deliberation(driver)
    driver.do(case, "deliberate", **adoption(driver))
    item = driver.item(case, "accept")
    assert item.assignee is None
    response = login_as("chengguan").post(f"/inbox/tasks/{item.id}", data={
        "accept_decision": "accepted", "case_version": case_version(service, case)})
    assert response.status_code == 302
    assert driver.open_ids(case) == ["on_site"]


def test_a_task_someone_else_completed_meanwhile_is_409_naming_them(
        db: Database, driver: Driver, login_as: LoginAs, service: CaseService) -> None:
    with db.transaction() as s:
        add_demo_user(s, "yishi2", "孙委员", "council")
    case = in_deliberation(driver)
    item = driver.item(case, "deliberate").id
    version = case_version(service, case)
    first, second = login_as("yishi"), login_as("yishi2")
    assert first.post(f"/inbox/tasks/{item}", data=adoption(driver, case_version=version)).status_code == 302
    before = events(service, case)
    response = second.post(f"/inbox/tasks/{item}", data=adoption(driver, decision="reject", reason="不同意",
                                                                 case_version=version))
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "该任务已由 张主任（议事会） 于" in html and "办理完成" in html
    assert events(service, case) == before


def test_a_stale_form_is_409_and_shown_again_with_the_latest_case(driver: Driver, login_as: LoginAs,
                                                                 service: CaseService) -> None:
    case = in_deliberation(driver)
    item = driver.item(case, "deliberate").id
    client = login_as("yishi")
    stale = case_version(service, case)
    client.post(f"/inbox/tasks/{item}/claim")  # the case moved on (claimed in another tab)
    response = client.post(f"/inbox/tasks/{item}", data=adoption(driver, case_version=stale))
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "已被他人更新" in html
    assert f'name="case_version" type="hidden" value="{case_version(service, case)}"' in html
    assert client.post(f"/inbox/tasks/{item}", data=adoption(driver, case_version=case_version(service, case))
                       ).status_code == 302


def test_opening_a_finished_task_is_409_naming_who_did_it(driver: Driver, login_as: LoginAs) -> None:
    case = in_deliberation(driver)
    item = driver.item(case, "deliberate").id
    driver.do(case, "deliberate", **adoption(driver))
    response = login_as("yishi").get(f"/inbox/tasks/{item}")
    assert response.status_code == 409
    assert "该任务已由 张主任（议事会）" in response.get_data(as_text=True)


def test_another_departments_task_is_404(driver: Driver, login_as: LoginAs) -> None:
    case = in_deliberation(driver)
    driver.do(case, "deliberate", **adoption(driver))
    item = driver.item(case, "accept").id
    assert login_as("zhujian").get(f"/inbox/tasks/{item}").status_code == 404
    assert login_as("zhujian").post(f"/inbox/tasks/{item}", data={"accept_decision": "accepted"}).status_code == 404


def test_another_grids_task_is_404(driver: Driver, login_as: LoginAs) -> None:
    case = driver.report("楼道灯坏了", grid_code="XF-01")
    assert login_as("wangge2").get(f"/inbox/tasks/{driver.item(case, 'triage').id}").status_code == 404


def test_a_missing_task_is_404(login_as: LoginAs) -> None:
    assert login_as("yishi").get("/inbox/tasks/999999").status_code == 404


def test_a_task_of_another_role_is_403(driver: Driver, login_as: LoginAs) -> None:
    case = in_deliberation(driver)
    assert login_as("wangge").get(f"/inbox/tasks/{driver.item(case, 'deliberate').id}").status_code == 403


def test_a_task_a_colleague_claimed_is_403_naming_them(db: Database, driver: Driver, login_as: LoginAs,
                                                       service: CaseService) -> None:
    with db.transaction() as s:
        add_demo_user(s, "yishi2", "孙委员", "council")
    case = in_deliberation(driver)
    item = driver.item(case, "deliberate").id
    login_as("yishi2").post(f"/inbox/tasks/{item}/claim")
    response = login_as("yishi").get(f"/inbox/tasks/{item}")
    assert response.status_code == 403
    assert "该任务已由 孙委员 认领" in response.get_data(as_text=True)
    post = login_as("yishi").post(f"/inbox/tasks/{item}", data=adoption(driver, case_version=case_version(service, case)))
    assert post.status_code == 403


def test_a_post_without_the_case_version_is_400(driver: Driver, login_as: LoginAs, service: CaseService) -> None:
    case = in_deliberation(driver)
    before = events(service, case)
    response = login_as("yishi").post(f"/inbox/tasks/{driver.item(case, 'deliberate').id}", data=adoption(driver))
    assert response.status_code == 400
    assert "缺少案件版本" in response.get_data(as_text=True)
    assert events(service, case) == before


def test_fields_not_in_the_diagram_are_ignored(driver: Driver, login_as: LoginAs, service: CaseService) -> None:
    case = in_deliberation(driver)
    response = login_as("yishi").post(f"/inbox/tasks/{driver.item(case, 'deliberate').id}",
                                      data=adoption(driver, outcome="resolved", case_version=case_version(service, case)))
    assert response.status_code == 302
    assert service.case(case.id).outcome is None


def test_the_form_chrome_is_english_when_chosen(driver: Driver, login_as: LoginAs) -> None:
    case = in_deliberation(driver)
    client = login_as("yishi")
    client.post("/lang/en", data={"next": "/"})
    html = client.get(f"/inbox/tasks/{driver.item(case, 'deliberate').id}").get_data(as_text=True)
    assert "Earlier steps" in html and "Submit" in html
    assert "Council decision" in html  # labels come from the diagram (its label_en)


def case_version(service: CaseService, case: Case) -> int:
    return service.case(case.id).version
