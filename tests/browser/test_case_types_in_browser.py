"""A supervisor creates a process from the blank template, edits its timer and a form field through the
Chinese properties panel, publishes it; then moves one case of several to a new version (issue 20)."""
from __future__ import annotations


import pytest
from lxml import etree
from playwright.sync_api import Page, expect

from engine.clock import FixedClock
from engine.db import Database
from engine.people.actor import Actor
from engine import CaseService
from engine.specs.service import ProcessService
from tests.browser.helpers import main, open_group, panel, select_element
from tests.fixtures.process_versions import versions_restored  # noqa: F401

pytestmark = pytest.mark.usefixtures("versions_restored")


def test_a_blank_process_gets_a_timer_and_a_form_field_edited_in_the_chinese_panel(
        supervisor: Page, db: Database, clock: FixedClock) -> None:
    page = supervisor
    page.goto("/processes")
    main(page).get_by_role("link", name="新建流程").click()
    main(page).get_by_label("流程标识").fill("lamp_repair")
    main(page).get_by_label("流程名称").fill("路灯报修")
    main(page).get_by_label("空白模板（网格员、职能部门、街道督办三条泳道）").check()
    main(page).get_by_role("button", name="创建").click()
    expect(page.locator("#process-editor")).to_have_attribute("data-loaded", "true", timeout=20_000)
    # The diagram fits its box and has its toolbar; the panel speaks Chinese and hides Camunda's engine groups.
    expect(page.locator(".editor-canvas .diagram-controls button[aria-label='全屏']")).to_have_count(1)
    select_element(page, "handle")
    expect(panel(page)).to_contain_text("基本信息")
    expect(panel(page)).to_contain_text("表单字段")
    expect(panel(page).locator('[data-group-id="group-CamundaPlatform__AsynchronousContinuations"]')).to_have_count(0)
    expect(panel(page).locator('[data-group-id="group-CamundaPlatform__ExecutionListener"]')).to_have_count(0)

    # A form field: the result's label.
    open_group(page, "group-CamundaPlatform__FormData")
    panel(page).locator(".bio-properties-panel-collapsible-entry-header", has_text="result").click()
    label = panel(page).locator("#bio-properties-panel-handle-formField-0-formFieldLabel")
    expect(label).to_have_value("办理结果")
    label.fill("处理结果")
    label.press("Tab")

    # The evidence the task asks for: at least one 办结照片.
    open_group(page, "group-casegrid__evidence")
    panel(page).locator("#bio-properties-panel-casegrid-evidence-type").select_option("photo")
    expect(panel(page).locator("#bio-properties-panel-casegrid-evidence-purpose")).to_have_value("completion")

    # The deadline through the timer picker: 48 hours instead of 3 working days.
    select_element(page, "handle_deadline")
    open_group(page, "group-casegrid__timer")
    kind = panel(page).locator("#bio-properties-panel-casegrid-timer-kind")
    expect(kind).to_have_value("workdays")
    kind.select_option("hours")
    amount = panel(page).locator("#bio-properties-panel-casegrid-timer-amount")
    amount.fill("48")
    amount.press("Tab")
    # The panel writes after its input debounce: wait for the model, not for time.
    page.wait_for_function("""() => {
        const bo = window.casegridEditor.modeler.get('elementRegistry').get('handle_deadline').businessObject;
        const duration = bo.eventDefinitions[0].timeDuration;
        return duration && duration.body === '"PT48H"';
    }""")

    # A lane's role through the lane group (the name stays).
    select_element(page, "lane_department")
    open_group(page, "group-casegrid__lane")
    expect(panel(page).locator("#bio-properties-panel-casegrid-lane-role")).to_have_value("")

    main(page).get_by_role("button", name="保存草稿").click()
    expect(page.locator(".editor-status")).to_have_text("已保存为草稿（第 1 版）")
    main(page).get_by_role("button", name="检查", exact=True).click()
    expect(page.locator(".editor-status")).to_have_text("检查通过，可以发布。")
    main(page).get_by_role("link", name="去发布").click()
    expect(page.locator("#version-diagram")).to_have_attribute("data-loaded", "true", timeout=20_000)
    main(page).get_by_label("变更说明").fill("新流程：路灯报修")
    main(page).get_by_role("button", name="发布为新版本").click()

    processes = ProcessService(db, clock)
    [v1] = processes.versions("lamp_repair")
    xml = processes.version(v1.id).xml
    assert v1.status == "published" and 'label="处理结果"' in xml and "workdays(3)" not in xml
    root = etree.fromstring(xml.encode())
    evidence = root.find(".//{*}userTask[@id='handle']//{*}formField[@id='evidence']")
    assert evidence is not None and evidence.get("type") == "photo"
    assert {c.get("name"): c.get("config") for c in evidence.iter("{*}constraint")}.get("min") == "1"
    timer = root.find(".//{*}boundaryEvent[@id='handle_deadline']//{*}timeDuration")
    assert timer is not None and timer.text == '"PT48H"'  # a quoted ISO duration: what casegrid evaluates


def test_the_migration_page_moves_one_case_of_several(supervisor: Page, db: Database, clock: FixedClock) -> None:
    page = supervisor
    service = CaseService(db, clock)
    processes = ProcessService(db, clock, service.hooks)
    v1 = processes.publish(processes.create_blank("lamp_repair", "路灯报修", by="dudao").id, "v1", by="dudao")
    cases = [service.start_case("lamp_repair", {"title": f"路灯 {n}"}, Actor("dudao", "supervisor")) for n in range(3)]
    v2 = processes.publish(processes.new_draft(v1.id, by="dudao").id, "v2", by="dudao")
    page.goto(f"/processes/versions/{v1.id}/migrate?to={v2.id}")
    boxes = main(page).locator('input[type="checkbox"][name="cases"]')
    expect(boxes).to_have_count(3)
    for n in range(3):
        expect(boxes.nth(n)).not_to_be_checked()
    main(page).get_by_role("button", name="全选").click()
    expect(main(page).locator(".selected-count")).to_have_text("已选 3 个")
    main(page).get_by_role("button", name="全不选").click()
    expect(main(page).locator(".selected-count")).to_have_text("已选 0 个")
    expect(main(page)).to_contain_text("办理")  # the current step by its name, not its id
    main(page).get_by_label(f"迁移 {cases[1].tracking_code}").check()
    main(page).get_by_role("button", name="迁移所选案件…").click()
    expect(main(page).locator(".confirm-count")).to_contain_text("将把 1 个案件从 v1 迁移到 v2")
    main(page).get_by_role("button", name="确认迁移 1 个案件").click()
    expect(page.locator("body")).to_contain_text(f"已迁移 1 个案件：{cases[1].tracking_code}")
    assert [service.case(c.id).process_version_id for c in cases] == [v1.id, v2.id, v1.id]
