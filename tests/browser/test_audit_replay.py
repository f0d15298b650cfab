"""An auditor steps through a case's history in the browser: the slider, the step list and the jump
links move the panel shown and the diagram's markers, without reloading the page."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from engine.cases.models import Case
from engine.demo.driver import Driver
from engine.demo.scenarios import SCENARIOS
from engine import CaseService
from tests.browser.helpers import People, main


@pytest.fixture
def people(browser: Browser, live_server: str) -> Iterator[People]:
    crowd = People(browser, live_server)
    yield crowd
    crowd.close()


@pytest.fixture
def case(driver: Driver) -> Case:
    """Deadline missed and escalated, extended, done and rated: eleven events."""
    return driver.refresh(SCENARIOS["accept_deadline_missed_and_extended"][0](driver))


def shown_step(page: Page) -> str:
    return main(page).locator(".step-panel:not([hidden])").get_attribute("data-seq") or ""


def test_an_auditor_steps_through_a_case_with_the_diagram(people: People, case: Case, service: CaseService) -> None:
    page = people.staff("jiandu")
    page.get_by_role("link", name="审计回放").click()
    main(page).get_by_label("案件编号或标题").fill(case.tracking_code)
    main(page).get_by_role("button", name="查询", exact=True).click()
    main(page).get_by_role("link", name=case.tracking_code).click()
    expect(main(page).get_by_role("heading", level=1)).to_contain_text(case.tracking_code)

    diagram = main(page).locator("#replay-diagram[data-loaded=true]")
    expect(diagram).to_be_visible()
    last = case.last_seq
    expect(main(page).locator("#replay-position")).to_have_text(f"第 {last} / {last} 步")
    expect(diagram.locator(".djs-element.cg-current")).to_have_count(0)  # closed: it waits nowhere

    # Back to the first event with the slider: only the triage task is current.
    main(page).locator("#replay-slider").fill("1")
    expect(main(page).locator("#replay-position")).to_have_text(f"第 1 / {last} 步")
    assert shown_step(page) == "1"
    expect(main(page).locator("#step-1")).to_contain_text("李网格员 登记了案件")
    expect(diagram.locator(".cg-current[data-element-id=triage]")).to_have_count(1)
    expect(diagram.locator(".cg-completed[data-element-id=triage]")).to_have_count(0)
    expect(main(page).get_by_role("button", name="上一步")).to_be_disabled()

    # One step on: triage dispatched it straight to the department the routing table names.
    main(page).get_by_role("button", name="下一步").click()
    expect(main(page).locator("#step-2")).to_be_visible()
    expect(main(page).locator("#step-1")).to_be_hidden()
    expect(diagram.locator(".cg-completed[data-element-id=triage]")).to_have_count(1)
    expect(diagram.locator(".cg-current[data-element-id=accept]")).to_have_count(1)
    expect(main(page).locator("#step-2")).to_contain_text("签收交办")
    assert "seq=2" in page.url

    # Jump to the first escalation: the department's acceptance went unanswered.
    escalation = next(e.seq for e in service.events(case.id) if e.type == "escalated")
    main(page).get_by_role("link", name="跳到首次吹哨").click()
    expect(main(page).locator(f"#step-{escalation}")).to_be_visible()
    expect(main(page).locator(f"#step-{escalation}")).to_contain_text("超过时限未办，已上报街道督办")
    expect(main(page).locator(f".step-list a[data-seq='{escalation}']")).to_have_attribute("aria-current", "step")
    expect(diagram.locator(".cg-current[data-element-id=unit_escalation]")).to_have_count(1)

    # Jump to the rating, then pick an event from the list.
    main(page).get_by_role("link", name="跳到首次评价").click()
    expect(main(page).locator(".step-panel:not([hidden])")).to_contain_text("记录评价结果：满意")
    main(page).locator(".step-list a[data-seq='3']").click()
    expect(main(page).locator("#step-3")).to_contain_text("当时的待办任务")
    expect(main(page).locator("#step-3")).to_contain_text("城管执法中队")
    expect(main(page).locator(".diagram-error")).to_have_count(0)


def test_the_integrity_check_button_reports_the_case_unaltered(people: People, case: Case) -> None:
    page = people.staff("jiandu")
    page.goto(f"/audit/cases/{case.tracking_code}")
    main(page).get_by_role("button", name="核验本案完整性").click()
    expect(main(page).get_by_role("status")).to_have_text("核验通过：记录未被改动。")
