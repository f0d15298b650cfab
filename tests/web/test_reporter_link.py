"""Only the reporter acts on a case: the private link with the per-report key, never the public tracking code.

The attack (issue 15 point 3): a stranger lists every tracking code through Open311 (no login), then rates
cases with them — 不满意 sends a stranger's case back to triage, 满意 closes it, and the record shows the
stranger as the resident.
"""
from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from engine import Actor
from engine.cases.models import Case
from engine.clock import FixedClock
from engine.demo.driver import Driver
from engine import CaseService

SUPERVISOR = Actor("dudao", "supervisor")
V2 = "/open311/v2"


def page(response) -> str:
    return response.get_data(as_text=True)


def _waiting_for_rating(driver: Driver) -> Case:
    case = driver.report("垃圾桶满了没人清运", "环境卫生")
    driver.do(case, "triage", triage_decision="on_spot")
    return case


def _events(service: CaseService, case: Case) -> list[tuple[str, str]]:
    return [(e.type, e.actor) for e in service.events(case.id)]


@pytest.mark.parametrize("rating", ["dissatisfied", "satisfied"])
def test_a_stranger_who_lists_the_tracking_codes_cannot_rate_a_case(csrf_app: Flask, driver: Driver,
                                                                   service: CaseService, rating: str) -> None:
    case = _waiting_for_rating(driver)
    item = driver.item(case, "rate").id
    stranger = csrf_app.test_client()
    listed = [r["service_request_id"] for r in stranger.get(f"{V2}/requests.json").get_json()]
    assert case.tracking_code in listed  # the public identifier stays public …
    before = _events(service, case)
    for path in (f"/track/{case.tracking_code}/rate", f"/track/{case.tracking_code}"):
        response = stranger.post(path, data={"item": item, "rating": rating, "rating_comment": "攻击"})
        assert response.status_code in (404, 405), path  # … but it opens nothing
    assert _events(service, case) == before
    assert [i.bpmn_id for i in service.work_items(case.id)] == ["rate"]
    assert service.case(case.id).status == "open"


def test_the_public_tracking_page_offers_no_action_and_no_key(client: FlaskClient, driver: Driver) -> None:
    case = _waiting_for_rating(driver)
    html = page(client.get(f"/track/{case.tracking_code}"))
    assert "等待评价" in html or "评价" in html
    assert 'name="rating"' not in html and "/my/" not in html
    assert driver.reporter_key(case) not in html
    rate = client.get(f"/track/{case.tracking_code}/rate")
    assert rate.status_code == 200 and 'name="rating"' not in page(rate)
    assert "专用链接" in page(rate)


def test_public_listings_carry_nothing_that_lets_a_stranger_act(client: FlaskClient, driver: Driver) -> None:
    case = _waiting_for_rating(driver)
    key = driver.reporter_key(case)
    for path in (f"{V2}/requests.json", f"{V2}/requests.xml", f"{V2}/requests/{case.tracking_code}.json",
                 f"{V2}/requests/{case.tracking_code}.xml", f"/track/{case.tracking_code}"):
        body = page(client.get(path))
        assert key not in body and "/my/" not in body, path


def test_the_reporter_rates_through_the_private_link_and_is_recorded_as_verified(
        csrf_app: Flask, driver: Driver, service: CaseService, login_as) -> None:
    case = _waiting_for_rating(driver)
    key = driver.reporter_key(case)
    client = csrf_app.test_client()
    mine = page(client.get(f"/my/{key}"))
    assert case.tracking_code in mine and "去评价" in mine
    form = page(client.get(f"/my/{key}/rate"))
    item = re.search(r'name="item" type="hidden" value="(\d+)"', form) or re.search(r'value="(\d+)"[^>]*name="item"', form)
    assert item, form
    response = client.post(f"/my/{key}/rate", data={"item": item.group(1), "rating": "dissatisfied",
                                                      "rating_comment": "还是没清运"})
    assert response.status_code == 302 and response.headers["Location"] == f"/my/{key}/rate/thanks"
    assert "谢谢您的评价" in page(client.get(response.headers["Location"]))
    rated = [e for e in service.events(case.id) if e.type == "task_completed"][-1]
    assert (rated.actor, rated.role) == (f"reporter:{case.tracking_code}", "resident")
    staff_page = page(login_as("dudao").get(f"/cases/{case.tracking_code}"))
    assert "反映人（凭专用链接核实）" in staff_page


def test_an_unknown_or_malformed_key_finds_nothing(csrf_app: Flask, driver: Driver, service: CaseService) -> None:
    case = _waiting_for_rating(driver)
    item = driver.item(case, "rate").id
    client = csrf_app.test_client()
    for key in ("A" * 24, "short", case.tracking_code, "%3Cscript%3E"):
        assert client.get(f"/my/{key}").status_code == 404, key
        assert client.post(f"/my/{key}/rate", data={"item": item, "rating": "satisfied"}).status_code == 404, key
    assert service.case(case.id).status == "open"


def test_one_reports_key_cannot_rate_another_case(csrf_app: Flask, driver: Driver, service: CaseService) -> None:
    mine, other = _waiting_for_rating(driver), _waiting_for_rating(driver)
    response = csrf_app.test_client().post(f"/my/{driver.reporter_key(mine)}/rate",
                                           data={"item": driver.item(other, "rate").id, "rating": "dissatisfied"})
    assert response.status_code == 404
    assert [i.bpmn_id for i in service.work_items(other.id)] == ["rate"]


def test_nobody_rating_within_7_days_still_records_the_default(driver: Driver, service: CaseService,
                                                                clock: FixedClock, client: FlaskClient) -> None:
    case = _waiting_for_rating(driver)
    clock.advance(days=8)
    service.tick()
    closed = service.case(case.id)
    assert (closed.status, closed.outcome) == ("closed", "resolved")
    assert "逾期未评价，默认基本满意" in page(client.get(f"/track/{case.tracking_code}"))
    assert page(client.get(f"/my/{driver.reporter_key(case)}")).count("去评价") == 0


def _report(client: FlaskClient) -> str:
    client.post("/report?new=1", data={"category": "公共设施"})
    client.post("/report/where", data={"grid_code": "XF-01"})
    client.post("/report/what", data={"description": "楼道灯坏了，晚上很黑"})
    client.post("/report/contact", data={})
    assert client.post("/report/review").headers["Location"] == "/report/done"
    return page(client.get("/report/done"))


def _private_link(html: str) -> str:
    match = re.search(r'<a href="(http://localhost/my/[A-Za-z0-9_-]{24})">', html)
    assert match, html
    return match.group(1).removeprefix("http://localhost")


def test_the_done_page_gives_the_resident_the_private_link(csrf_app: Flask, service: CaseService) -> None:
    client = csrf_app.test_client()
    html = _report(client)
    link = _private_link(html)
    assert "以后无法再查到它" in html and "查询码只能查看进度，不能评价" in html
    code = re.search(r'class="tracking-code"[^>]*>([0-9A-Z-]+)<', html).group(1)
    assert code in page(client.get(link))
    mine = client.get(link)
    assert mine.headers["Cache-Control"] == "no-store" and mine.headers["Referrer-Policy"] == "no-referrer"
    assert "这是您的专用链接" in page(mine)
    assert _private_link(_report(client)) != link  # each report has its own key


def test_a_grid_worker_filing_on_behalf_gets_the_link_to_hand_to_the_resident(login_as) -> None:
    html = _report(login_as("wangge"))
    assert "居民的专用链接" in html and "请现在把这个链接抄给或发给居民本人" in html
    assert _private_link(html)


def test_an_open311_integration_gets_the_private_link_only_in_its_post_answer(
        client: FlaskClient, app: Flask, service: CaseService) -> None:
    api_key = app.extensions["casegrid.tokens"].issue("wangge", "微信小程序", by="admin").secret
    answer = client.post(f"{V2}/requests.json", data={
        "api_key": api_key, "service_code": "2", "description": "门口垃圾", "address_string": "幸福里"})
    assert answer.status_code == 201
    row = answer.get_json()[0]
    link = row["reporter_url"].removeprefix("http://localhost")
    actor = service.reporter(link.removeprefix("/my/"))
    assert actor.tracking_code == row["service_request_id"]
    xml_answer = page(client.post(f"{V2}/requests.xml", data={
        "api_key": api_key, "service_code": "2", "description": "门口垃圾", "address_string": "幸福里"}))
    assert "<reporter_url>http://localhost/my/" in xml_answer
    for path in (f"{V2}/requests.json", f"{V2}/requests/{row['service_request_id']}.json"):
        assert "/my/" not in page(client.get(path))


def test_the_staff_timeline_tells_a_verified_reporter_from_a_mere_code_holder(
        driver: Driver, service: CaseService, login_as) -> None:
    case = _waiting_for_rating(driver)
    driver.do(case, "rate", rating="dissatisfied")
    html = page(login_as("dudao").get(f"/cases/{case.tracking_code}"))
    assert "反映人（凭专用链接核实） 完成了" in html
    assert "持查询码者" not in html


def test_a_grid_worker_gives_a_reporter_who_lost_the_link_a_new_one(
        csrf_app: Flask, driver: Driver, service: CaseService, login_as) -> None:
    case = _waiting_for_rating(driver)
    old = driver.reporter_key(case)
    grid_worker = login_as("wangge")
    assert "补发反映人专用链接" in page(grid_worker.get(f"/cases/{case.tracking_code}"))
    answer = grid_worker.post(f"/cases/{case.tracking_code}/reporter-link")
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    link = _private_link(page(answer))
    resident = csrf_app.test_client()
    assert resident.get(f"/my/{old}").status_code == 404  # the old link no longer works
    assert "去评价" in page(resident.get(link))
    assert "为反映人补发了专用链接（旧链接作废）" in page(login_as("dudao").get(f"/cases/{case.tracking_code}"))
    assert service.events(case.id)[-1].type == "reporter_key_replaced"


def test_only_the_cases_grid_worker_and_supervisors_give_new_links(driver: Driver, login_as,
                                                                 service: CaseService) -> None:
    case = _waiting_for_rating(driver)
    assert "补发反映人专用链接" not in page(login_as("chengguan").get(f"/cases/{case.tracking_code}"))
    before = len(service.events(case.id))
    for user, status in (("chengguan", 403), ("jiandu", 403), ("yishi", 403)):
        assert login_as(user).post(f"/cases/{case.tracking_code}/reporter-link").status_code == status, user
    assert len(service.events(case.id)) == before
    assert login_as("dudao").post(f"/cases/{case.tracking_code}/reporter-link").status_code == 200


def test_a_new_link_needs_the_csrf_token(app: Flask, driver: Driver, service: CaseService) -> None:
    from engine.demo.organisation import DEMO_PASSWORD
    case = _waiting_for_rating(driver)
    client = app.test_client()
    app.config["WTF_CSRF_ENABLED"] = False
    client.post("/login", data={"username": "wangge", "password": DEMO_PASSWORD})
    app.config["WTF_CSRF_ENABLED"] = True
    before = len(service.events(case.id))
    assert client.post(f"/cases/{case.tracking_code}/reporter-link").status_code == 400
    assert len(service.events(case.id)) == before


def test_a_rating_recorded_before_reporter_keys_shows_as_an_unverified_code_holder(
        app: Flask, driver: Driver, service: CaseService) -> None:
    from engine.cases.chain import append_event
    from engine.cases.queries import lock_case
    from web.cases.timeline import who
    case = driver.report()
    with service.db.transaction() as s:  # as the old /track/<code>/rate recorded it: the code was the actor
        append_event(s, lock_case(s, case.id), type="rating", actor=f"resident:{case.tracking_code}",
                     role="resident", at=driver.clock.now(), payload={"value": "dissatisfied", "default": False})
    timeline = service.case_page(case.tracking_code, SUPERVISOR).timeline
    assert [e.actor_kind for e in timeline] == ["user", "code_holder"]
    with app.test_request_context():
        assert who(timeline[-1]) == "持查询码者（未核实是否为反映人）"
    assert service.verify(case.id)[0].ok


def test_the_reporter_adds_information_through_the_private_link_and_only_staff_read_it(
        csrf_app: Flask, driver: Driver, service: CaseService, login_as) -> None:
    case = driver.report()
    mine = f"/my/{driver.reporter_key(case)}"
    client = csrf_app.test_client()
    assert "补充情况" in page(client.get(mine))
    assert "不会公开" in page(client.get(f"{mine}/add"))
    response = client.post(f"{mine}/add", data={"text": "晚上八点以后整栋楼都黑了，电话13800138000"})
    assert response.headers["Location"] == f"{mine}?added=1"
    assert "已收到您补充的情况" in page(client.get(response.headers["Location"]))
    event = service.events(case.id)[-1]
    assert (event.type, event.actor) == ("information_added", f"reporter:{case.tracking_code}")
    staff = page(login_as("wangge").get(f"/cases/{case.tracking_code}"))
    assert "反映人（凭专用链接核实） 补充了情况：晚上八点以后整栋楼都黑了" in staff
    for public in (f"/track/{case.tracking_code}", f"/open311/v2/requests/{case.tracking_code}.json"):
        assert "整栋楼都黑了" not in page(client.get(public))


def test_adding_information_needs_text_the_key_and_an_open_case(csrf_app: Flask, driver: Driver,
                                                                 service: CaseService) -> None:
    case = _waiting_for_rating(driver)
    mine = f"/my/{driver.reporter_key(case)}"
    client = csrf_app.test_client()
    before = len(service.events(case.id))
    assert client.post(f"{mine}/add", data={"text": "  "}).status_code == 400
    assert "最多 600 字" in page(client.post(f"{mine}/add", data={"text": "多" * 601}))
    assert client.post(f"/my/{'A' * 24}/add", data={"text": "冒充"}).status_code == 404
    assert client.post(f"/track/{case.tracking_code}/add", data={"text": "冒充"}).status_code == 404
    assert len(service.events(case.id)) == before
    driver.do(case, "rate", rating="satisfied")
    closed = client.post(f"{mine}/add", data={"text": "谢谢"})
    assert closed.status_code == 400 and "案件已结案，不能再补充情况" in page(closed)
