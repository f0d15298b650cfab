"""The projects pages: 申报 with its errors next to the fields (a disqualified operator among them), the
operator registry, a project's page with budget, spending and evaluations; hostile input never gives a 500."""
from __future__ import annotations

import re

import pytest

from engine.council.service import CouncilService
from engine.db import Database
from engine.demo import project_scenarios as ps
from engine.demo.driver import Driver
from engine.clock import FixedClock
from engine.projects.service import ProjectService
from tests.web.conftest import LoginAs

GOOD = {"title": "长者助餐点", "summary": "为老人助餐", "proposer_kind": "community", "proposer_name": "幸福里社区",
        "operator": "SO-001", "grid_code": "XF-01", "requested_amount": "50000"}


@pytest.fixture
def projects(db: Database, clock: FixedClock) -> ProjectService:
    service = ProjectService(db, clock)
    ps.seed_operators(service)
    return service


def text(response) -> str:  # type: ignore[no-untyped-def]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def _error_next_to(html: str, field: str) -> str:
    match = re.search(rf'id="{field}-error">([^<]*)<', html)
    assert match, f"no error next to {field}"
    return match.group(1)


def test_a_proposal_is_registered_and_waits_for_the_council(login_as: LoginAs, projects: ProjectService) -> None:
    client = login_as("dudao")
    response = client.post("/projects/new", data=GOOD)
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    assert page.status_code == 200 and "待立项" in text(page) and "幸福里社区营造中心" in text(page)
    assert "长者助餐点" in text(login_as("yishi").get("/projects"))


def test_a_disqualified_operator_is_refused_next_to_the_field(login_as: LoginAs, projects: ProjectService,
                                                              driver: Driver, db: Database,
                                                              clock: FixedClock) -> None:
    ps.run_project_demo(driver, CouncilService(db, clock), projects)
    client = login_as("dudao")
    form = client.get("/projects/new").get_data(as_text=True)
    assert "安康养老服务社（已取消运营资格）" in form
    response = client.post("/projects/new", data={**GOOD, "operator": "SO-002"})
    assert response.status_code == 400
    assert "取消运营资格" in _error_next_to(response.get_data(as_text=True), "operator")
    registry = text(client.get("/projects/operators"))
    assert "已取消" in registry and "连续不合格" in registry


def test_the_project_page_shows_budget_spending_and_evaluations(login_as: LoginAs, projects: ProjectService,
                                                                driver: Driver, db: Database,
                                                                clock: FixedClock) -> None:
    good, bad = ps.run_project_demo(driver, CouncilService(db, clock), projects)
    page = text(login_as("jiandu").get(f"/projects/{bad.tracking_code}"))
    assert "已退出" in page and "40,000.00" in page and "13,800.00" in page and "FP-2026-0002" in page
    assert "第 2 次第三方评估" in page and "不合格" in page
    assert "dudao" not in page and "jiandu" not in page  # names of accounts never on the page


@pytest.mark.parametrize("change, field", [
    ({"title": ""}, "title"), ({"title": "长" * 101}, "title"), ({"requested_amount": "-1"}, "requested_amount"),
    ({"requested_amount": "1e3"}, "requested_amount"), ({"requested_amount": "<script>"}, "requested_amount"),
    ({"operator": "NOPE"}, "operator"), ({"operator": ""}, "operator"), ({"grid_code": "' OR 1=1 --"}, "grid_code"),
    ({"proposer_kind": "x"}, "proposer_kind"), ({"summary": "x" * 4001}, "summary"),
])
def test_hostile_proposals_are_refused_next_to_the_field(change: dict[str, str], field: str, login_as: LoginAs,
                                                         projects: ProjectService) -> None:
    response = login_as("wangge").post("/projects/new", data={**GOOD, **change})
    assert response.status_code == 400
    assert _error_next_to(response.get_data(as_text=True), field)
    assert "长者助餐点" not in text(login_as("yishi").get("/projects"))


@pytest.mark.parametrize("data, field", [
    ({"code": "", "name": "x", "kind": "company"}, "code"), ({"code": "SO-001", "name": "x", "kind": "company"}, "code"),
    ({"code": "N", "name": "x" * 201, "kind": "company"}, "name"), ({"code": "N", "name": "x", "kind": "<b>"}, "kind"),
])
def test_hostile_operator_registrations_are_refused(data: dict[str, str], field: str, login_as: LoginAs,
                                                    projects: ProjectService) -> None:
    response = login_as("dudao").post("/projects/operators", data=data)
    assert response.status_code == 400 and _error_next_to(response.get_data(as_text=True), field)


def test_the_street_office_registers_an_operator(login_as: LoginAs, projects: ProjectService) -> None:
    client = login_as("dudao")
    assert client.post("/projects/operators", data={"code": "RG-9", "name": "楼道自治小组", "kind": "resident_group"}
                       ).status_code == 302
    assert "楼道自治小组" in text(client.get("/projects/operators"))


@pytest.mark.parametrize("ref", ["XX", "%3Cscript%3E", "../../etc", "1" * 300])
def test_unknown_projects_are_404(ref: str, login_as: LoginAs, projects: ProjectService) -> None:
    assert login_as("yishi").get(f"/projects/{ref}").status_code == 404
