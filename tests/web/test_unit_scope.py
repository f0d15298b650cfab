"""Scoped access across streets (issue 25): a street's staff get nothing of another street's cases, through the
pages, the JSON API, Open311 or an export; a district's supervisor sees both its streets; the city reads only."""
from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from engine import CaseService
from engine.cases.models import Case, WorkItem
from engine.clock import FixedClock
from engine.db import Database
from engine.demo.driver import Driver
from tests.fixtures.passwords import cheap_password_hashes  # noqa: F401
from tests.fixtures.units import ACTORS, seed_two_streets
from tests.web.conftest import LoginAs
from tests.web.test_object_access import _open, _state, _urls_naming

pytestmark = pytest.mark.usefixtures("cheap_password_hashes")


#: Bodies the case's POST routes ask for: an outsider's request that passes validation must still be refused by
#: the case's scope, not by a missing field. The JSON API refuses keys it does not know, so each is tried alone.
_FORM = {"message": "请尽快处理", "reason": "越权尝试", "name": "补充材料", "note": "越权", "approve": "1",
         "department": "chengguan", "text": "越权留言", "new_due": "2026-12-31"}
_JSON = ({"message": "请尽快处理"}, {"name": "补充材料", "data": {}}, {"reason": "越权尝试"}, {"data": {}},
         {"new_due": "2026-12-31", "reason": "越权尝试"})


def _assert_outsider_sees_nothing(app: Flask, client: FlaskClient, case: Case, item: WorkItem) -> None:
    answers = {url: client.get(url).status_code for method, url in _urls_naming(app, case, item) if method == "GET"}
    assert {url: status for url, status in answers.items() if status not in (403, 404)} == {}


def _assert_outsider_moves_nothing(app: Flask, client: FlaskClient, service: CaseService, case: Case,
                                   item: WorkItem) -> None:
    """Every POST naming the case or its item, with a body that passes validation: refused, nothing moves."""
    before = _state(service, case)
    answers = {}
    for url in (u for m, u in _urls_naming(app, case, item) if m == "POST"):
        if url.startswith("/api/"):
            answers.update({(url, str(body)): client.post(url, json=body).status_code for body in _JSON})
        else:
            answers[(url, "form")] = client.post(url, data=_FORM).status_code
    assert {key: status for key, status in answers.items() if status not in (400, 403, 404, 409)} == {}
    assert _state(service, case) == before


@pytest.fixture
def city_driver(db: Database, service: CaseService, clock: FixedClock) -> Driver:
    seed_two_streets(db)
    return Driver(service, clock, ACTORS)


def test_a_street_supervisor_gets_nothing_of_another_streets_case(
        csrf_app: Flask, login_as: LoginAs, city_driver: Driver, service: CaseService) -> None:
    case = city_driver.report("乙街道井盖丢了", grid_code="YI-01")
    item = city_driver.item(case, "triage")
    owner = login_as("wangge_b")
    for url in (f"/cases/{case.tracking_code}", f"/inbox/tasks/{item.id}", f"/api/work-items/{item.id}",
                f"/api/cases/{case.tracking_code}"):
        assert owner.get(url).status_code == 200, url
    assert login_as("dudao_b").get(f"/audit/cases/{case.tracking_code}/export").status_code == 200
    for outsider in ("dudao_a", "wangge_a", "admin_a"):
        client = login_as(outsider)
        _assert_outsider_sees_nothing(csrf_app, client, case, item)
        _assert_outsider_moves_nothing(csrf_app, client, service, case, item)
    # the supervisor's own API calls reach the case's scope rule (not the body's check) and find no such case
    dudao_a = login_as("dudao_a")
    assert dudao_a.post(f"/api/work-items/{item.id}/urge", json={"message": "请尽快处理"}).status_code == 404
    assert dudao_a.post(f"/api/cases/{case.tracking_code}/messages",
                        json={"name": "补充材料", "data": {}}).status_code == 404


def test_lists_inboxes_and_the_api_show_a_street_only_its_own_cases(
        login_as: LoginAs, city_driver: Driver) -> None:
    jia = city_driver.report("甲街道路灯坏了", grid_code="JA-01")
    yi = city_driver.report("乙街道井盖丢了", grid_code="YI-01")
    yi_item = city_driver.item(yi, "triage")
    for username, sees, hidden in (("dudao_a", jia, yi), ("dudao_b", yi, jia)):
        client = login_as(username)
        for url in ("/cases", "/audit"):
            page = client.get(url).get_data(as_text=True)
            assert sees.tracking_code in page and hidden.tracking_code not in page, (username, url)
    district = login_as("dudao_qu")
    for url in ("/cases", "/audit"):
        page = district.get(url).get_data(as_text=True)
        assert jia.tracking_code in page and yi.tracking_code in page, url
    assert district.get(f"/cases/{yi.tracking_code}").status_code == 200
    wangge_a = login_as("wangge_a")
    assert yi_item.id not in {i["id"] for i in wangge_a.get("/api/inbox").get_json()["items"]}
    assert str(yi.tracking_code) not in wangge_a.get("/inbox").get_data(as_text=True)
    assert yi_item.id in {i["id"] for i in login_as("wangge_b").get("/api/inbox").get_json()["items"]}


def test_the_city_reads_every_street_and_acts_on_none(
        csrf_app: Flask, login_as: LoginAs, city_driver: Driver, service: CaseService) -> None:
    case = city_driver.report("乙街道井盖丢了", grid_code="YI-01")
    item = city_driver.item(case, "triage")
    client = login_as("dudao_shi")
    assert client.get(f"/cases/{case.tracking_code}").status_code == 200
    before = _state(service, case)
    for method, url in ((m, u) for m, u in _urls_naming(csrf_app, case, item) if m == "POST"):
        assert _open(client, method, url).status_code < 500, url  # reading POSTs (verify, export) answer 200
    assert client.post(f"/api/work-items/{item.id}/urge", json={"message": "请尽快处理"}).status_code == 403
    assert client.post(f"/cases/{case.tracking_code}/reporter-link").status_code == 403
    assert _state(service, case) == before


def test_open311_takes_a_street_token_only_for_its_own_grids(
        app: Flask, city_driver: Driver, service: CaseService) -> None:
    key = app.extensions["casegrid.tokens"].issue("wangge_a", "甲街道小程序", by="admin").secret
    client = app.test_client()
    data = {"api_key": key, "service_code": "2", "description": "井盖丢了", "lat": "31.2304", "long": "121.4737"}
    refused = client.post("/open311/v2/requests.json", data=data | {"attribute[grid]": "YI-01"})
    assert refused.status_code == 400, refused.get_data(as_text=True)
    assert service.search_cases(ACTORS[0], page_size=100).total == 0
    taken = client.post("/open311/v2/requests.json", data=data | {"attribute[grid]": "JA-01"})
    assert taken.status_code == 201, taken.get_data(as_text=True)
    code = taken.get_json()[0]["service_request_id"]
    assert service.case(code).grid_code == "JA-01"


def test_a_street_admin_administers_only_the_streets_accounts(login_as: LoginAs, city_driver: Driver,
                                                              app: Flask) -> None:
    admin = login_as("admin_a")
    listed = admin.get("/admin/users").get_data(as_text=True)
    assert "wangge_a" in listed and "dudao_b" not in listed and "dudao_qu" not in listed
    for url in ("/admin/users/dudao_b", "/admin/users/dudao_qu"):
        assert admin.get(url).status_code == 404, url
    assert admin.post("/admin/users/dudao_b/active", data={"active": ""}).status_code == 404
    assert admin.post("/admin/users/dudao_b/password", data={"pw-password": "Another-long-passw0rd!",
                                                             "pw-confirm": "Another-long-passw0rd!"}).status_code == 404
    assert admin.get("/admin/users/wangge_a").status_code == 200
    people = app.extensions["casegrid.people"]
    made = people.create_account("dudao_a2", "甲街道督办二", "supervisor", "Another-long-passw0rd!", by="admin_a")
    assert made.unit_path == people.find_account("admin_a").unit_path
    # the default street's admin, as before, administers the default street's accounts and none of the new streets'
    default_admin = login_as("admin")
    assert default_admin.get("/admin/users/dudao").status_code == 200
    assert default_admin.get("/admin/users/dudao_a").status_code == 404
