"""The JSON API: HTTP Basic on every request, the UI's access rules, JSON errors, an OpenAPI document."""
from __future__ import annotations

import base64
import re
from datetime import datetime
from typing import Any

import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient

from engine.cases.models import Case
from engine.demo.driver import Driver
from engine.demo.organisation import DEMO_PASSWORD, add_demo_user
from tests.web.conftest import LoginAs


def basic(username: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


class Api:
    """The test client with one user's Basic credentials on every request."""

    def __init__(self, client: FlaskClient, username: str) -> None:
        self.client, self.headers = client, basic(username)

    def get(self, url: str) -> Any:
        return self.client.get(url, headers=self.headers)

    def post(self, url: str, body: Any = None) -> Any:
        return self.client.post(url, headers=self.headers, json={} if body is None else body)


@pytest.fixture
def api(client: FlaskClient) -> Any:
    return lambda username: Api(client, username)


@pytest.fixture
def assigned(driver: Driver) -> Case:
    """A case the council adopted and assigned to 城管 (chengguan): its ``accept`` item waits."""
    case = driver.report("小区门口路灯不亮已一周", "公共设施")
    driver.do(case, "triage", triage_decision="negotiate", triage_note="需协调相关部门")
    driver.do(case, "deliberate", decision="adopt", responsible_department="chengguan", deadline="2026-03-20",
              votes_for=7, votes_against=1, votes_abstain=1, resolution_text="同意交办处理")
    return case


def accept_id(driver: Driver, case: Case) -> int:
    return driver.item(case, "accept").id


# -- authentication --------------------------------------------------------------------


def test_a_request_without_credentials_gets_401_with_a_basic_challenge(client: FlaskClient) -> None:
    response = client.get("/api/inbox")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith('Basic realm="casegrid"')
    assert response.get_json()["status"] == 401


def test_a_wrong_password_gets_401(client: FlaskClient) -> None:
    response = client.get("/api/inbox", headers=basic("chengguan", "wrong-password"))
    assert response.status_code == 401


def test_a_disabled_account_gets_401(api: Any, app: Flask) -> None:
    app.extensions["casegrid.people"].set_account_active("chengguan", False, by="admin")
    assert api("chengguan").get("/api/inbox").status_code == 401


def test_basic_auth_sets_no_session_cookie(api: Any) -> None:
    response = api("chengguan").get("/api/inbox")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


def test_a_logged_in_browser_session_is_accepted_too(login_as: LoginAs) -> None:
    assert login_as("chengguan").get("/api/inbox").status_code == 200


@pytest.mark.parametrize("username", ["jiandu", "admin"])
def test_roles_without_an_inbox_get_403(api: Any, username: str) -> None:
    response = api(username).get("/api/inbox")
    assert response.status_code == 403
    assert response.get_json()["status"] == 403


# -- inbox and work items ----------------------------------------------------------------


def test_the_inbox_lists_a_department_users_open_work_items(api: Any, assigned: Case) -> None:
    body = api("chengguan").get("/api/inbox").get_json()
    assert body["total"] == 1
    item = body["items"][0]
    assert item["case"] == assigned.tracking_code
    assert item["task"]["bpmn_id"] == "accept"
    assert (item["role"], item["department"], item["assignee"], item["state"]) == \
        ("department", "chengguan", None, "ready")
    assert datetime.fromisoformat(item["due_at"]).utcoffset() is not None


def test_another_departments_inbox_does_not_show_the_item(api: Any, assigned: Case) -> None:
    assert api("zhujian").get("/api/inbox").get_json() == {"items": [], "total": 0, "limit": 50, "offset": 0}


def test_the_inbox_pages_with_limit_and_offset(api: Any, driver: Driver) -> None:
    codes = [driver.report(f"第{i}件事", "环境卫生").tracking_code for i in range(3)]
    wangge = api("wangge")
    assert [i["case"] for i in wangge.get("/api/inbox?limit=2").get_json()["items"]] == codes[:2]
    page = wangge.get("/api/inbox?limit=1&offset=1").get_json()
    assert ([i["case"] for i in page["items"]], page["total"]) == ([codes[1]], 3)
    assert [i["case"] for i in wangge.get("/api/inbox?limit=2&offset=1").get_json()["items"]] == codes[1:]


def test_a_bad_limit_is_400_naming_the_parameter(api: Any) -> None:
    response = api("wangge").get("/api/inbox?limit=0")
    assert response.status_code == 400
    assert "limit" in response.get_json()["field_errors"]


def test_a_work_item_comes_with_its_form_fields(api: Any, driver: Driver, assigned: Case) -> None:
    body = api("chengguan").get(f"/api/work-items/{accept_id(driver, assigned)}").get_json()
    assert body["task"] == {"bpmn_id": "accept", "name": body["task"]["name"]}
    field = next(f for f in body["form"] if f["id"] == "accept_decision")
    assert field["type"] == "enum" and field["required"] is True
    assert "accepted" in [o["id"] for o in field["options"]]


def test_department_options_in_a_form_are_the_active_departments(api: Any, driver: Driver, app: Flask) -> None:
    case = driver.report()
    driver.do(case, "triage", triage_decision="negotiate")
    app.extensions["casegrid.people"].set_department_active("wuye", False, by="admin")
    body = api("yishi").get(f"/api/work-items/{driver.item(case, 'deliberate').id}").get_json()
    field = next(f for f in body["form"] if f["id"] == "responsible_department")
    codes = [o["id"] for o in field["options"]]
    assert "chengguan" in codes and "wuye" not in codes


def test_another_departments_work_item_is_404_as_in_the_ui(api: Any, app: Flask, login_as: LoginAs,
                                                          driver: Driver, assigned: Case) -> None:
    item_id = accept_id(driver, assigned)
    zhujian = api("zhujian")
    assert zhujian.get(f"/api/work-items/{item_id}").status_code == 404
    assert zhujian.post(f"/api/work-items/{item_id}/claim").status_code == 404
    assert zhujian.post(f"/api/work-items/{item_id}/complete", {"data": {"accept_decision": "accepted"}}) \
        .status_code == 404
    with app.test_request_context():
        task_page = url_for("inbox.task", item_id=item_id)
    assert login_as("zhujian").get(task_page).status_code == 404  # the UI says the same


def test_another_roles_work_item_is_403(api: Any, driver: Driver, assigned: Case) -> None:
    assert api("wangge").get(f"/api/work-items/{accept_id(driver, assigned)}").status_code == 403


def test_an_unknown_work_item_is_404(api: Any) -> None:
    response = api("chengguan").get("/api/work-items/999999")
    assert response.status_code == 404
    assert response.get_json()["code"] == "not_found"


def test_claim_and_release_move_the_item_between_me_and_my_team(api: Any, driver: Driver, assigned: Case) -> None:
    item_id, chengguan = accept_id(driver, assigned), api("chengguan")
    claimed = chengguan.post(f"/api/work-items/{item_id}/claim")
    assert claimed.status_code == 200
    assert (claimed.get_json()["assignee"], claimed.get_json()["state"]) == ("chengguan", "claimed")
    released = chengguan.post(f"/api/work-items/{item_id}/release").get_json()
    assert (released["assignee"], released["state"]) == (None, "ready")


def test_an_item_a_colleague_claimed_cannot_be_completed(api: Any, app: Flask, driver: Driver,
                                                         assigned: Case) -> None:
    with app.config["DATABASE"].transaction() as s:
        add_demo_user(s, "chengguan2", "城管二队", "department", department_code="chengguan")
    item_id = accept_id(driver, assigned)
    api("chengguan").post(f"/api/work-items/{item_id}/claim")
    response = api("chengguan2").post(f"/api/work-items/{item_id}/complete",
                                      {"data": {"accept_decision": "accepted"}})
    assert response.status_code == 403
    assert "chengguan" in response.get_json()["message"]


# -- completing ------------------------------------------------------------------------


def test_completing_moves_the_case_and_returns_the_next_work_items(api: Any, driver: Driver,
                                                                   assigned: Case) -> None:
    response = api("chengguan").post(f"/api/work-items/{accept_id(driver, assigned)}/complete",
                                     {"data": {"accept_decision": "accepted"}})
    assert response.status_code == 200
    body = response.get_json()
    assert body["case"]["tracking_code"] == assigned.tracking_code
    assert (body["case"]["status"], body["case"]["phase"]) == ("open", "assign")
    assert [i["task"]["bpmn_id"] for i in body["next_work_items"]] == ["on_site"]
    assert driver.open_ids(assigned) == ["on_site"]


def test_bad_data_is_400_with_field_errors_and_nothing_moves(api: Any, driver: Driver, assigned: Case) -> None:
    response = api("chengguan").post(f"/api/work-items/{accept_id(driver, assigned)}/complete",
                                     {"data": {"accept_decision": "maybe", "colour": "red"}})
    assert response.status_code == 400
    errors = response.get_json()["field_errors"]
    assert set(errors) == {"accept_decision", "colour"}
    assert driver.open_ids(assigned) == ["accept"]


@pytest.mark.parametrize("body, field", [
    ([1, 2], "body"), ({"data": "accepted"}, "data"), ({"data": {}, "expected_version": "3"}, "expected_version"),
    ({"data": {}, "extra": 1}, "extra"),
])
def test_a_malformed_body_is_400_naming_the_key(api: Any, driver: Driver, assigned: Case, body: Any,
                                               field: str) -> None:
    response = api("chengguan").post(f"/api/work-items/{accept_id(driver, assigned)}/complete", body)
    assert response.status_code == 400
    assert field in response.get_json()["field_errors"]


def test_a_second_completion_is_409_saying_who_completed_it(api: Any, driver: Driver, assigned: Case) -> None:
    url, body = f"/api/work-items/{accept_id(driver, assigned)}/complete", {"data": {"accept_decision": "accepted"}}
    assert api("chengguan").post(url, body).status_code == 200
    again = api("chengguan").post(url, body)
    assert again.status_code == 409
    assert again.get_json()["code"] == "conflict"
    assert "chengguan" in again.get_json()["message"]


def test_a_stale_expected_version_is_409(api: Any, driver: Driver, assigned: Case) -> None:
    item_id, chengguan = accept_id(driver, assigned), api("chengguan")
    version = chengguan.get(f"/api/work-items/{item_id}").get_json()["case_version"]
    chengguan.post(f"/api/work-items/{item_id}/claim")  # moves the case's version on
    response = chengguan.post(f"/api/work-items/{item_id}/complete",
                              {"data": {"accept_decision": "accepted"}, "expected_version": version})
    assert response.status_code == 409


def test_a_post_that_is_not_json_is_415(client: FlaskClient, driver: Driver, assigned: Case) -> None:
    response = client.post(f"/api/work-items/{accept_id(driver, assigned)}/complete", headers=basic("chengguan"),
                           data={"accept_decision": "accepted"})
    assert response.status_code == 415
    assert driver.open_ids(assigned) == ["accept"]


# -- cases -----------------------------------------------------------------------------


def test_a_case_shows_its_summary_and_open_work_items(api: Any, assigned: Case) -> None:
    response = api("chengguan").get(f"/api/cases/{assigned.tracking_code}")
    assert response.status_code == 200
    body = response.get_json()
    assert (body["tracking_code"], body["status"], body["category"]) == (assigned.tracking_code, "open", "公共设施")
    assert [i["task"]["bpmn_id"] for i in body["work_items"]] == ["accept"]


@pytest.mark.parametrize("username", ["dudao", "yishi", "jiandu", "wangge"])
def test_supervisors_council_auditors_and_the_cases_grid_worker_see_the_case(api: Any, assigned: Case,
                                                                            username: str) -> None:
    assert api(username).get(f"/api/cases/{assigned.tracking_code}").status_code == 200


@pytest.mark.parametrize("username", ["zhujian", "wangge2"])
def test_another_department_or_grid_does_not_see_the_case(api: Any, assigned: Case, username: str) -> None:
    assert api(username).get(f"/api/cases/{assigned.tracking_code}").status_code == 404


# -- errors and the OpenAPI document -------------------------------------------------------


def test_an_unknown_api_path_is_a_json_404(api: Any) -> None:
    response = api("chengguan").get("/api/nothing-here")
    assert response.status_code == 404
    assert response.is_json


def test_the_openapi_document_is_public_and_openapi_3_1(client: FlaskClient) -> None:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.1")
    schemes = document["components"]["securitySchemes"]
    assert {name: (s["type"], s["scheme"]) for name, s in schemes.items()} == \
        {"bearerAuth": ("http", "bearer"), "basicAuth": ("http", "basic"), "residentToken": ("http", "bearer")}


def test_the_openapi_document_lists_every_api_route_and_method(client: FlaskClient, app: Flask) -> None:
    registered = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
            registered.setdefault(path, set()).update(m.lower() for m in rule.methods - {"HEAD", "OPTIONS"})
    paths = client.get("/api/openapi.json").get_json()["paths"]
    documented = {path: set(operations) for path, operations in paths.items()}
    assert documented == registered


def test_every_schema_the_document_refers_to_is_defined(client: FlaskClient) -> None:
    document = client.get("/api/openapi.json").get_json()
    refs = set(re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', str(document).replace("'", '"')))
    assert refs and refs <= set(document["components"]["schemas"])
