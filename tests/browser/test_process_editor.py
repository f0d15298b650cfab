"""A supervisor changes the civic loop in the browser's BPMN editor and publishes it (issue 7).

The round trip of the issue: open the seed diagram in the modeler, change the
acceptance timer and a form label in the properties panel, save, check, publish;
then the new version exists, new cases follow it and the open case stays pinned.
"""
from __future__ import annotations


import pytest
from playwright.sync_api import Page, expect

from engine.calendar import WorkCalendar
from engine.clock import FixedClock, as_utc
from engine.db import Database
from engine.demo import scenarios
from engine.demo.driver import Driver
from engine import CaseService
from engine.specs.service import ProcessService
from tests.browser.helpers import main, open_group, panel, select_element
from tests.fixtures.process_versions import civic_loop, versions_restored, with_accept_timer  # noqa: F401

pytestmark = pytest.mark.usefixtures("versions_restored")


def test_a_supervisor_changes_a_timer_and_a_label_in_the_editor_and_publishes(
        supervisor: Page, db: Database, clock: FixedClock) -> None:
    page = supervisor
    service = CaseService(db, clock)
    driver = Driver(service, clock)
    processes = ProcessService(db, clock)
    pinned = scenarios.waiting_for_council(driver)
    v1 = service.case(pinned.id).process_version_id

    # The version list → a new draft of the seed → the editor.
    page.goto("/processes")
    main(page).locator(f"#version-{v1}").get_by_role("button", name="以此版本新建草稿").click()
    expect(page.locator("#process-editor")).to_have_attribute("data-loaded", "true", timeout=20_000)
    expect(page.get_by_role("heading", level=1)).to_contain_text("v2")

    # The acceptance deadline: the timer of timer_accept, in the properties panel.
    select_element(page, "timer_accept")
    open_group(page, "group-timer")
    timer = panel(page).locator("#bio-properties-panel-timerEventDefinitionValue")
    expect(timer).to_have_value("accept_due")
    timer.fill("workdays(2)")
    timer.press("Tab")

    # A form label of the on-site task: its first form field.
    select_element(page, "on_site")
    open_group(page, "group-CamundaPlatform__FormData")
    panel(page).locator(".bio-properties-panel-collapsible-entry-header", has_text="on_site_note").click()
    label = panel(page).locator("#bio-properties-panel-on_site-formField-0-formFieldLabel")
    expect(label).to_have_value("现场情况")
    label.fill("现场核实情况")
    label.press("Tab")
    expect(page.locator(".editor-status")).to_have_text("有未保存的修改")

    # Save, check, publish.
    main(page).get_by_role("button", name="保存草稿").click()
    expect(page.locator(".editor-status")).to_have_text("已保存为草稿（第 2 版）")
    main(page).get_by_role("button", name="检查", exact=True).click()
    expect(page.locator(".editor-status")).to_have_text("检查通过，可以发布。")
    main(page).get_by_role("link", name="去发布").click()
    main(page).get_by_label("变更说明").fill("签收时限改为两个工作日；到场表单改名")
    main(page).get_by_role("button", name="发布为新版本").click()
    expect(main(page).get_by_role("status").first).to_contain_text("第 2 版：新登记的案件将按此版本办理")

    # The new version holds exactly the edits; new cases follow it, the open case stays on v1.
    v2 = next(v for v in processes.versions("civic_loop") if v.version == 2)
    assert (v2.status, v2.published_by, v2.change_note) == ("published", "dudao", "签收时限改为两个工作日；到场表单改名")
    changes = processes.diff(v1, v2.id)
    assert changes.changed == ["timer_accept", "on_site"]
    new = scenarios.waiting_for_department(driver)
    assert service.case(new.id).process_version_id == v2.id
    assert service.case(pinned.id).process_version_id == v1
    due = driver.item(new, "accept").due_at
    assert due is not None and as_utc(due) == WorkCalendar().add_workdays(clock.now(), 2)


def test_the_check_lists_problems_and_clicking_one_selects_the_element(supervisor: Page, db: Database,
                                                                       clock: FixedClock) -> None:
    page = supervisor
    processes = ProcessService(db, clock)
    v1 = processes.versions("civic_loop")[-1].id
    page.goto(f"/processes/versions/{v1}/edit")
    expect(page.locator("#process-editor")).to_have_attribute("data-loaded", "true", timeout=20_000)
    select_element(page, "timer_accept")
    open_group(page, "group-timer")
    timer = panel(page).locator("#bio-properties-panel-timerEventDefinitionValue")
    timer.fill("${acceptDue}")
    timer.press("Tab")
    page.locator(".editor-canvas").click(position={"x": 5, "y": 5})
    main(page).get_by_role("button", name="检查", exact=True).click()
    expect(page.locator(".editor-status")).to_have_text("发现 1 个问题，修改后才能发布。")
    problem = page.locator(".editor-problems li")
    expect(problem).to_contain_text("JUEL")
    problem.get_by_role("button", name="timer_accept").click()
    expect(panel(page).locator("#bio-properties-panel-id")).to_have_value("timer_accept")
    assert processes.versions("civic_loop")[0].status == "draft"


def test_the_diff_page_draws_both_diagrams_with_the_changes_marked(supervisor: Page, db: Database,
                                                                   clock: FixedClock) -> None:
    page = supervisor
    processes = ProcessService(db, clock)
    v1 = processes.versions("civic_loop")[-1].id
    draft = processes.save_draft(v1, with_accept_timer(civic_loop(), "workdays(2)"), by="dudao").id
    page.goto(f"/processes/civic_loop/diff?old={v1}&new={draft}")
    for side in ("old", "new"):
        diagram = page.locator(f'.diff-diagram[data-side="{side}"]')
        expect(diagram).to_have_attribute("data-loaded", "true", timeout=20_000)
        expect(diagram).to_have_attribute("data-marked", "1")
        expect(diagram.locator('[data-element-id="timer_accept"].cg-changed')).to_have_count(1)
