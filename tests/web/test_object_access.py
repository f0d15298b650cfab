"""Object-level access: a role that may use a route still gets nothing of another unit's case or work item.

Each test takes one object and tries *every* staff route that names it (by tracking code or work-item
id, GET and POST, UI and JSON API) as an outsider: the answer is 403 or 404, never the page, and
nothing about the case moves. The owner's own GETs are the control that the probe reaches the object.
"""
from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from engine.cases.models import Case, WorkItem
from engine.db import Database
from engine.demo import mediation_scenarios as ms
from engine.demo import scenarios
from engine.demo.driver import Driver
from engine import CaseService
from tests.fixtures.passwords import cheap_password_hashes  # noqa: F401
from tests.web.conftest import LoginAs
from web.access import ACCESS_ATTR

pytestmark = pytest.mark.usefixtures("cheap_password_hashes")


def _urls_naming(app: Flask, case: Case, item: WorkItem) -> list[tuple[str, str]]:
    """(method, url) of every staff route whose only arguments are a tracking code and/or a work-item id."""
    found = []
    for rule in app.url_map.iter_rules():
        if getattr(app.view_functions[rule.endpoint], ACCESS_ATTR, None) in ("public", None):
            continue
        if not rule.arguments or not rule.arguments <= {"code", "item_id"}:
            continue
        if rule.rule.startswith("/admin/"):
            continue  # there <code> is a department's or grid's code, not a case's
        url = rule.rule.replace("<code>", case.tracking_code).replace("<int:item_id>", str(item.id))
        found += [(method, url) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return found


def _open(client: FlaskClient, method: str, url: str):  # type: ignore[no-untyped-def]
    if method == "POST" and url.startswith("/api/"):
        return client.post(url, json={})
    return client.open(url, method=method, data={})


def _state(service: CaseService, case: Case) -> tuple[int, list[tuple[int, str, str | None]]]:
    """What an outsider must not change: the event count and each work item's state and holder."""
    return (len(service.events(case.id)),
            sorted((i.id, i.state, i.assignee) for i in service.work_items(case.id)))


def _assert_outsider_gets_nothing(app: Flask, client: FlaskClient, service: CaseService, case: Case,
                                  item: WorkItem) -> None:
    before = _state(service, case)
    answers = {(method, url): _open(client, method, url).status_code for method, url in _urls_naming(app, case, item)}
    assert {key: status for key, status in answers.items() if status not in (403, 404)} == {}
    assert _state(service, case) == before


def _assert_owner_sees(client: FlaskClient, case: Case, item: WorkItem) -> None:
    for url in (f"/cases/{case.tracking_code}", f"/inbox/tasks/{item.id}", f"/api/work-items/{item.id}"):
        assert client.get(url).status_code == 200, url


def test_a_department_gets_nothing_of_a_case_assigned_to_another_department(
        csrf_app: Flask, login_as: LoginAs, driver: Driver, service: CaseService) -> None:
    case = scenarios.waiting_for_department(driver)  # assigned to chengguan
    item = driver.item(case, "accept")
    _assert_owner_sees(login_as("chengguan"), case, item)
    _assert_outsider_gets_nothing(csrf_app, login_as("zhujian"), service, case, item)


def test_a_grid_worker_gets_nothing_of_a_case_in_another_grid(
        csrf_app: Flask, login_as: LoginAs, driver: Driver, service: CaseService) -> None:
    case = driver.report("楼道堆放杂物", "公共设施")  # grid XF-01, waiting for its grid worker's triage
    item = driver.item(case, "triage")
    _assert_owner_sees(login_as("wangge"), case, item)
    _assert_outsider_gets_nothing(csrf_app, login_as("wangge2"), service, case, item)


def test_a_mediator_gets_nothing_of_another_mediators_mediation(
        csrf_app: Flask, login_as: LoginAs, driver: Driver, service: CaseService, db: Database) -> None:
    with db.transaction() as s:
        ms.seed_mediators(s)
    case = ms.register(driver)
    ms.assign_and_accept(driver, case, "tiaojie2")
    item = driver.item(case, "record_consent")
    assert login_as("tiaojie2").get(f"/mediation/{case.tracking_code}").status_code == 200
    _assert_outsider_gets_nothing(csrf_app, login_as("tiaojie"), service, case, item)


def test_the_council_reads_every_case_but_cannot_act_on_a_departments_task(
        csrf_app: Flask, login_as: LoginAs, driver: Driver, service: CaseService) -> None:
    case = scenarios.waiting_for_department(driver)
    item = driver.item(case, "accept")
    client = login_as("yishi")
    assert client.get(f"/cases/{case.tracking_code}").status_code == 200
    before = _state(service, case)
    for method, url in ((m, u) for m, u in _urls_naming(csrf_app, case, item) if m == "POST"):
        if url.endswith("/whistle"):
            # The community (council role) may blow the whistle on any case (issue 14): an empty body is refused.
            assert _open(client, method, url).status_code in (400, 403, 404), url
            continue
        assert _open(client, method, url).status_code in (403, 404), url
    assert _state(service, case) == before


def test_only_the_cases_grid_worker_and_supervisors_may_unmask_the_reporter(login_as: LoginAs,
                                                                           driver: Driver) -> None:
    case = driver.report("楼道堆放杂物", "公共设施", reporter_name="王阿姨", reporter_phone="13800001111")
    url = f"/audit/cases/{case.tracking_code}/unmask"
    assert {u: login_as(u).get(url).status_code for u in ("wangge", "dudao")} == {"wangge": 200, "dudao": 200}
    for username in ("wangge2", "jiandu", "yishi", "chengguan", "tiaojie"):
        assert login_as(username).get(url).status_code in (403, 404), username


def test_an_auditor_reads_everything_and_changes_no_case(
        csrf_app: Flask, login_as: LoginAs, driver: Driver, service: CaseService) -> None:
    case = scenarios.waiting_for_department(driver)
    item = driver.item(case, "accept")
    client = login_as("jiandu")
    for url in (f"/cases/{case.tracking_code}", f"/audit/cases/{case.tracking_code}", "/cases", "/audit"):
        assert client.get(url).status_code == 200, url
    before = _state(service, case)
    for method, url in _urls_naming(csrf_app, case, item):
        assert _open(client, method, url).status_code < 500, url
    assert _state(service, case) == before
