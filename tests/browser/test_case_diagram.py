"""The case page draws the process diagram in the browser and marks where the case has been and where it waits."""
from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from engine.cases.models import Case
from engine.demo.driver import Driver
from tests.browser.helpers import People, log_in, main


@pytest.fixture
def people(browser: Browser, live_server: str) -> Iterator[People]:
    crowd = People(browser, live_server)
    yield crowd
    crowd.close()


@pytest.fixture
def case_on_site(driver: Driver) -> Case:
    """A case the department has accepted and not yet visited."""
    case = driver.report("小区门口路灯不亮已一周", "公共设施")
    driver.do(case, "triage", triage_decision="negotiate")
    driver.do(case, "deliberate", decision="adopt", responsible_department="chengguan", deadline="2026-03-20",
              votes_for=7, votes_against=1, votes_abstain=1)
    driver.do(case, "accept", accept_decision="accepted")
    return case


def test_the_diagram_marks_the_completed_steps_and_the_one_the_case_waits_at(people: People,
                                                                            case_on_site: Case) -> None:
    page = people.staff("dudao")
    page.goto(f"/cases/{case_on_site.tracking_code}")
    diagram = main(page).locator("#case-diagram[data-loaded=true]")
    expect(diagram).to_be_visible()
    for done in ("start", "triage", "deliberate", "accept"):
        expect(diagram.locator(f".djs-element.cg-completed[data-element-id={done}]")).to_have_count(1)
    current = diagram.locator(".djs-element.cg-current")
    expect(current).to_have_count(2)  # the task and its deadline timer
    expect(current.and_(diagram.locator("[data-element-id=on_site]"))).to_have_count(1)
    expect(current.and_(diagram.locator("[data-element-id=timer_on_site]"))).to_have_count(1)
    expect(diagram.locator(".cg-completed[data-element-id=complete]")).to_have_count(0)
    expect(diagram.get_by_text("到场核实", exact=True)).to_be_visible()


def test_the_diagram_is_drawn_from_the_apps_own_files_without_any_outside_request(
        people: People, case_on_site: Case, live_server: str) -> None:
    page = people.staff("dudao")
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"/cases/{case_on_site.tracking_code}")
    expect(main(page).locator("#case-diagram[data-loaded=true]")).to_be_visible()
    assert any("/static/vendor/bpmn-js/" in url for url in requested)
    assert [url for url in requested if not url.startswith(live_server)] == []
    expect(main(page).locator(".diagram-error")).to_have_count(0)


@pytest.mark.parametrize("size", [{"width": 1280, "height": 900}, {"width": 390, "height": 844}],
                         ids=["1280px", "phone"])
def test_the_diagram_is_legible_and_the_current_step_in_view_at_1280px_and_on_a_phone(
        people: People, case_on_site: Case, size: dict[str, int]) -> None:
    page = people.window(size)  # type: ignore[arg-type]
    log_in(page, "dudao")
    page.goto(f"/cases/{case_on_site.tracking_code}")
    diagram = main(page).locator("#case-diagram[data-loaded=true]")
    expect(diagram).to_be_visible()
    # Never drawn smaller than labels can be read; the step the case waits at is inside the box.
    assert float(diagram.get_attribute("data-zoom") or 0) >= 0.6
    box, task = diagram.bounding_box(), diagram.locator("[data-element-id=on_site]").first.bounding_box()
    assert box and task
    assert box["x"] <= task["x"] + task["width"] / 2 <= box["x"] + box["width"]
    assert box["y"] <= task["y"] + task["height"] / 2 <= box["y"] + box["height"]
    # Zoom and full screen from the toolbar.
    before = float(diagram.get_attribute("data-zoom") or 0)
    diagram.get_by_role("button", name="放大").click()
    assert float(diagram.get_attribute("data-zoom") or 0) > before
    diagram.get_by_role("button", name="全屏").click()
    expect(diagram).to_have_class(re.compile(r"\bis-full\b"))
