"""The routing table's pages (权责清单): versions, the readable table, drafts from the editor, checks by row, publishing."""
from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from engine.routing.service import KEY, RoutingTableService
from tests.fixtures.routing import routing_versions_restored, without_first_rule  # noqa: F401  (fixture)
from tests.web.conftest import LoginAs

pytestmark = pytest.mark.usefixtures("routing_versions_restored")


@pytest.fixture
def supervisor(login_as: LoginAs) -> FlaskClient:
    return login_as("dudao")


@pytest.fixture
def routing(app: Flask) -> RoutingTableService:
    return app.extensions["casegrid.routing"]


def _published(routing: RoutingTableService) -> int:
    return routing.decisions.current(KEY).id


def test_the_supervisor_and_the_auditor_read_the_table_with_department_names(login_as: LoginAs, routing) -> None:
    seed = _published(routing)
    for user in ("dudao", "jiandu"):
        client = login_as(user)
        assert f"/routing/versions/{seed}" in client.get("/routing").get_data(as_text=True)
        html = client.get(f"/routing/versions/{seed}").get_data(as_text=True)
        assert "新案件使用此版本" in html and "物业管理" in html and "含“电梯”" in html
        assert "住建" in html  # a department by its name, not its code
    assert login_as("chengguan").get("/routing").status_code == 403
    assert "以此版本新建草稿" not in login_as("jiandu").get("/routing").get_data(as_text=True)  # reads only


def test_a_published_version_is_copied_into_a_draft_to_edit(supervisor: FlaskClient, routing) -> None:
    seed = _published(routing)
    assert supervisor.get(f"/routing/versions/{seed}/edit").status_code == 409
    response = supervisor.post(f"/routing/versions/{seed}/new-draft")
    assert response.status_code == 302
    page = supervisor.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="routing-editor"' in page and "dmn-table-editor.min.js" in page
    assert "<script>" not in page  # the CSP allows no inline script
    draft = int(re.search(r"/routing/versions/(\d+)/edit", response.headers["Location"]).group(1))
    assert supervisor.get(f"/routing/versions/{draft}/table.dmn").get_data(as_text=True) == routing.decisions.xml(seed)


def test_a_draft_with_a_gap_is_refused_at_publish_naming_the_rows(supervisor: FlaskClient, routing) -> None:
    seed = _published(routing)
    gap = without_first_rule(routing.decisions.xml(seed))
    saved = supervisor.post("/routing/drafts", json={"xml": gap}).get_json()
    assert saved["status"] == "draft" and saved["version"] == 2
    checked = supervisor.get(saved["problems_url"]).get_json()
    assert not checked["publishable"] and any("物业管理" in p for p in checked["problems"])
    page = supervisor.get(saved["version_url"]).get_data(as_text=True)
    assert "发现" in page and "物业管理" in page
    refused = supervisor.post(f"/routing/versions/{saved['id']}/publish", data={"change_note": "删去物业一行"})
    assert refused.status_code == 400 and "未发布" in refused.get_data(as_text=True)
    assert _published(routing) == seed


def test_an_overlapping_row_is_marked_on_its_row(supervisor: FlaskClient, routing) -> None:
    xml = routing.decisions.xml(_published(routing))
    broken = xml.replace('<outputEntry id="routing_r1_o1"><text>"wuye"</text>',
                         '<outputEntry id="routing_r1_o1"><text>"no_such_dept"</text>')
    assert broken != xml
    saved = supervisor.post("/routing/drafts", json={"xml": broken}).get_json()
    html = supervisor.get(saved["version_url"]).get_data(as_text=True)
    assert re.search(r'id="[a-z_]+-row-1" class="has-problem"', html) and "no_such_dept 不存在" in html


def test_a_valid_draft_is_published_and_new_cases_use_it(supervisor: FlaskClient, routing) -> None:
    seed = _published(routing)
    xml = routing.decisions.xml(seed).replace("物业服务范围内的事项由物业服务中心办理", "物业服务范围内的事项")
    saved = supervisor.post("/routing/drafts", json={"xml": xml}).get_json()
    assert supervisor.get(saved["problems_url"]).get_json()["problems"] == []
    response = supervisor.post(f"/routing/versions/{saved['id']}/publish", data={"change_note": "说明文字"})
    assert response.status_code == 302
    assert _published(routing) == saved["id"] != seed
    assert "新案件使用此版本" in supervisor.get(f"/routing/versions/{saved['id']}").get_data(as_text=True)
    assert supervisor.post(f"/routing/versions/{saved['id']}/publish",
                           data={"change_note": "again"}).status_code == 409


def test_a_save_that_is_not_dmn_is_refused_with_a_message(supervisor: FlaskClient) -> None:
    response = supervisor.post("/routing/drafts", json={"xml": "<half-done/>"}, headers={"Accept": "application/json"})
    assert response.status_code == 400 and "DMN" in response.get_json()["message"]
    assert supervisor.post("/routing/drafts", json={"nope": 1}).status_code == 400


def _second_row_for_property_matters(xml: str, hit_policy: str | None = None) -> str:
    """A copy of row 1 (物业管理 → 物业) that sends the same matters to 城管, right after it."""
    start, end = xml.index('<rule id="routing_r1">'), xml.index('<rule id="routing_r2">')
    copy = xml[start:end].replace("routing_r1", "routing_rdup").replace('"wuye"', '"chengguan"')
    changed = xml[:end] + copy + xml[end:]
    if hit_policy:
        changed = changed.replace('<decisionTable id="routing_table" hitPolicy="FIRST">',
                                  f'<decisionTable id="routing_table" hitPolicy="{hit_policy}">', 1)
    return changed


@pytest.mark.parametrize(("hit_policy", "words"), [("UNIQUE", ("第 2 行", "与第 1 行", "同时命中")),
                                                    (None, ("第 2 行", "永远不会命中", "第 1 行"))])
def test_two_rows_for_the_same_matters_are_refused_at_publish_naming_both_rows(
        supervisor: FlaskClient, routing, hit_policy: str | None, words: tuple[str, ...]) -> None:
    """Under UNIQUE two rows matching the same case overlap; under FIRST the later one can never match."""
    seed = _published(routing)
    saved = supervisor.post("/routing/drafts", json={
        "xml": _second_row_for_property_matters(routing.decisions.xml(seed), hit_policy)}).get_json()
    problems = supervisor.get(saved["problems_url"]).get_json()
    assert not problems["publishable"]
    [named] = [p for p in problems["problems"] if "物业" in p or "第 2 行" in p]
    assert all(w in named for w in words), named
    refused = supervisor.post(f"/routing/versions/{saved['id']}/publish", data={"change_note": "物业事项改由城管"})
    assert refused.status_code == 400 and "未发布" in refused.get_data(as_text=True)
    assert "第 2 行" in refused.get_data(as_text=True)
    assert _published(routing) == seed
