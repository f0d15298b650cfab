"""What people do in the browser, written the way they would say it.

One browser context per person, so each keeps their own cookies (a resident and
three staff members can have the same case open at once). Clicks are scoped to
``main``: the header has its own submit buttons (language switch, logout).
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from playwright.sync_api import (
    Browser,
    BrowserContext,
    Locator,
    Page,
    ViewportSize,
    expect,
)

from engine.demo.organisation import DEMO_PASSWORD

#: The size the README screenshots and the tests use for staff pages.
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
#: A common phone (the resident pages must work there).
PHONE: ViewportSize = {"width": 390, "height": 844}


class People:
    """Opens a browser window per person and closes them all at the end."""

    def __init__(self, browser: Browser, base_url: str) -> None:
        self.browser = browser
        self.base_url = base_url
        self.contexts: list[BrowserContext] = []

    def window(self, viewport: ViewportSize | None = None) -> Page:
        context = self.browser.new_context(locale="zh-CN", viewport=viewport or DESKTOP, base_url=self.base_url)
        self.contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    def resident(self) -> Page:
        return self.window(PHONE)

    def staff(self, username: str) -> Page:
        """A window where ``username`` (a demo account) has logged in."""
        page = self.window()
        log_in(page, username)
        return page

    def close(self) -> None:
        for context in self.contexts:
            context.close()


def main(page: Page) -> Locator:
    return page.get_by_role("main")


def log_in(page: Page, username: str) -> None:
    page.goto("/login")
    main(page).get_by_label("用户名").fill(username)
    main(page).get_by_label("密码").fill(DEMO_PASSWORD)
    main(page).get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_role("button", name="退出")).to_be_visible()


def click(page: Page, button: str) -> None:
    main(page).get_by_role("button", name=button, exact=True).click()


# -- the resident --------------------------------------------------------------------------------

def report_issue(page: Page, *, category: str, grid: str, address: str, description: str,
                 name: str = "", phone: str = "", photos: Sequence[Path] = ()) -> tuple[str, str]:
    """Go through the report screens one question at a time; returns the tracking code and the private link
    shown at the end."""
    page.goto("/report?new=1")
    expect(main(page).get_by_role("heading", level=1)).to_have_text("您要反映哪一类问题？")
    click(page, category)
    expect(main(page).get_by_role("heading", level=1)).to_have_text("问题发生在哪里？")
    main(page).get_by_label("所在网格（小区）").select_option(label=grid)
    main(page).get_by_label("具体位置").fill(address)
    click(page, "下一步")
    expect(main(page).get_by_role("heading", level=1)).to_have_text("请说说发生了什么")
    main(page).get_by_label("发生了什么？").fill(description)
    click(page, "下一步")
    expect(main(page).get_by_role("heading", level=1)).to_have_text("有照片吗？")
    if photos:
        main(page).get_by_label("照片（可以不传）").set_input_files(list(photos))
    click(page, "下一步")
    main(page).get_by_label("怎么称呼您").fill(name)
    main(page).get_by_label("联系电话").fill(phone)
    click(page, "下一步")
    expect(main(page).get_by_role("heading", level=1)).to_have_text("请核对一下，没问题就提交")
    click(page, "确认提交")
    expect(main(page).get_by_role("heading", level=1)).to_have_text("已经收到您反映的问题")
    link = main(page).get_by_role("region", name="您的专用链接").get_by_role("link").inner_text().strip()
    return main(page).locator(".tracking-code").inner_text().strip(), link


def open_tracking(page: Page, code: str) -> None:
    """Type the tracking code into the lookup form, as a resident with a slip of paper would."""
    page.goto("/track")
    main(page).get_by_label("查询码").fill(code)
    click(page, "查询")
    expect(main(page).get_by_role("heading", level=1)).to_have_text("办理进度")


def rate(page: Page, link: str, rating: str, comment: str = "") -> None:
    """Rate through the private link from the done screen (the tracking code cannot rate)."""
    page.goto(link)
    main(page).get_by_role("link", name="去评价").click()
    if comment:
        main(page).get_by_label("还想说点什么（可以不填）").fill(comment)
    click(page, rating)
    expect(main(page).get_by_role("heading", level=1)).to_have_text("谢谢您的评价！")


# -- staff ---------------------------------------------------------------------------------------

def inbox_row(page: Page, code: str, task: str) -> Locator:
    """The inbox row of ``task`` of the case with tracking ``code`` (after opening the inbox)."""
    page.goto("/inbox")
    return main(page).get_by_role("row").filter(has_text=code).filter(
        has=page.get_by_role("link", name=task, exact=True))


def open_task(page: Page, code: str, task: str) -> None:
    """Find the task in the inbox and open its form."""
    row = inbox_row(page, code, task)
    expect(row).to_have_count(1)
    row.get_by_role("link", name=task, exact=True).click()
    expect(main(page).get_by_role("heading", level=1)).to_contain_text(task)
    expect(main(page).get_by_role("heading", level=1)).to_contain_text(code)


def submit_task(page: Page, code: str, task: str) -> None:
    """Press 提交 on the task form; the inbox says the task was done."""
    click(page, "提交")
    expect(main(page).get_by_role("status").filter(has_text=f"已办理：{task}（{code}）")).to_be_visible()


def do_task(page: Page, code: str, task: str, *, choose: dict[str, str] | None = None,
            fill: dict[str, str] | None = None) -> None:
    """Open the task from the inbox, pick options (label → option shown), type answers (label → text), submit."""
    open_task(page, code, task)
    form = main(page).locator("form").filter(has=page.get_by_role("button", name="提交", exact=True))
    for label, option in (choose or {}).items():
        form.get_by_label(label, exact=True).select_option(label=option)
    for label, text in (fill or {}).items():
        form.get_by_label(label, exact=True).fill(text)
    submit_task(page, code, task)


def panel(page: Page) -> Locator:
    """The process editor's properties panel."""
    return page.locator(".editor-properties")


def open_group(page: Page, group: str) -> None:
    """Open a group of the properties panel (a click on an open group would close it)."""
    header = panel(page).locator(f'[data-group-id="{group}"] .bio-properties-panel-group-header')
    if "open" not in (header.get_attribute("class") or ""):
        header.click()


def select_element(page: Page, element_id: str) -> None:
    """Select a diagram element in the process editor and wait until the panel shows it."""
    page.locator(f'.editor-canvas [data-element-id="{element_id}"]').first.click()
    expect(panel(page).locator("#bio-properties-panel-id")).to_have_value(element_id)
