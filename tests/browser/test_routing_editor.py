"""A supervisor edits the routing table (权责清单) in the browser's decision-table editor and saves a draft.

The bundle is dmn-js's decision-table editor served from the app's own static files under the app's CSP:
the page loads the published table into it, a cell is changed by typing, 保存草稿 stores a new draft with
that change, and 检查 lists the server's problems by row.
"""
from __future__ import annotations


import pytest
from playwright.sync_api import Page, expect

from engine.clock import FixedClock
from engine.db import Database
from engine.routing.service import KEY
from engine.specs.decision_service import DecisionService
from tests.browser.helpers import main
from tests.fixtures.routing import routing_versions_restored  # noqa: F401  (fixture)

pytestmark = pytest.mark.usefixtures("routing_versions_restored")


def test_a_supervisor_opens_the_editor_changes_a_cell_and_saves_a_draft(supervisor: Page, db: Database,
                                                                         clock: FixedClock) -> None:
    page = supervisor
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    decisions = DecisionService(db, clock)
    seed = decisions.current(KEY)

    page.goto("/routing")
    main(page).get_by_role("button", name="以此版本新建草稿").first.click()
    editor = page.locator("#routing-editor")
    expect(editor).to_have_attribute("data-loaded", "true", timeout=20_000)
    expect(page.locator(".table-tabs button")).to_have_count(2)  # the routing table and the SLA table

    # Row 1's lead department: from wuye to zhujian, typed into the cell.
    cell = editor.locator('td[data-row-id="routing_r1"][data-col-id="out_department"]')
    expect(cell).to_contain_text('"wuye"')
    cell.click()
    editable = cell.locator("[contenteditable]:visible").first
    editable.press("Control+a")
    editable.press_sequentially('"zhujian"')
    page.locator(".editor-head h1").click()  # leave the cell
    expect(page.locator(".editor-status")).to_have_text("有未保存的修改")

    page.get_by_role("button", name="保存草稿").click()
    expect(page.locator(".editor-status")).to_contain_text("已保存为草稿")
    drafts = [row for row in decisions.tables(KEY) if row.status == "draft"]
    assert len(drafts) == 2  # the copy made by 新建草稿 and the saved edit
    saved = decisions.xml(max(drafts, key=lambda r: r.version).id)
    assert '<text>"zhujian"</text>' in saved and saved != decisions.xml(seed.id)
    # What dmn-js writes is what the engine reads: the check finds the edited table no worse than the seed.
    assert len(decisions.problems(saved)) == len(decisions.problems(decisions.xml(seed.id)))

    # The SLA table is the second tab; 检查 lists problems by row (or says it can be published).
    page.locator(".table-tabs button").nth(1).click()
    expect(editor.locator('td[data-row-id="sla_r1"]').first).to_be_visible()
    page.get_by_role("button", name="检查").click()
    expect(page.locator(".editor-status")).to_contain_text("检查")
    assert errors == []
