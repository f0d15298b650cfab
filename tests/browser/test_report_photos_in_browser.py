"""A resident reports with two photos from a phone-sized browser; the tracking page shows their public copies
and the grid worker's case page shows them with the capture time and position."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.helpers import People, do_task, main, open_task, open_tracking, report_issue, submit_task
from tests.fixtures import photos


@pytest.fixture
def people(browser: Browser, live_server: str) -> Iterator[People]:
    crowd = People(browser, live_server)
    yield crowd
    crowd.close()


def test_a_resident_reports_with_two_photos_from_a_phone(people: People, tmp_path: Path) -> None:
    first, second = tmp_path / "IMG_0001.jpg", tmp_path / "IMG_0002.png"
    first.write_bytes(photos.photo(size=(1200, 900), gps=True))
    second.write_bytes(photos.photo("PNG", size=(900, 1200), colour="red"))
    resident = people.resident()
    code, _link = report_issue(resident, category="公共设施", grid="幸福里社区 / 幸福里一网格", address="3号楼门口",
                               description="路灯不亮已经三天", photos=[first, second])
    open_tracking(resident, code)
    shown = main(resident).locator(".gallery img")
    expect(shown).to_have_count(2)
    for index in range(2):
        expect(shown.nth(index)).to_have_js_property("complete", True)
        assert shown.nth(index).evaluate("img => img.naturalWidth") > 0
    grid_worker = people.staff("wangge")
    grid_worker.goto(f"/cases/{code}")
    gallery = main(grid_worker).get_by_role("region", name="照片与文件")
    expect(gallery.locator("img")).to_have_count(2)
    expect(gallery).to_contain_text("31.230417")


def test_the_department_completes_with_an_after_photo_and_the_resident_sees_both(people: People,
                                                                                  tmp_path: Path) -> None:
    """Issue 17's 'done when': reported with a photo from a phone, completed with an after photo in the
    department's form; the tracking page shows both public copies, neither carrying the camera's EXIF."""
    reported, after = tmp_path / "IMG_0001.jpg", tmp_path / "after.jpg"
    reported.write_bytes(photos.photo(size=(1200, 900), gps=True))
    after.write_bytes(photos.photo(size=(1200, 900), colour="green", gps=True))
    resident = people.resident()
    code, _link = report_issue(resident, category="公共设施", grid="幸福里社区 / 幸福里一网格", address="3号楼门口",
                               description="路灯不亮已经三天", photos=[reported])
    do_task(people.staff("wangge"), code, "分拨研判", choose={"分拨结果": "直接派单"},
            fill={"处理说明": "公共照明维修，按权责清单派单"})
    department = people.staff("zhujian")
    do_task(department, code, "签收交办", choose={"签收结果": "签收（报到）"})
    do_task(department, code, "到场核实", fill={"现场情况": "已到现场，路灯线路老化"})
    open_task(department, code, "办结反馈")
    form = main(department).locator("form").filter(has=department.get_by_role("button", name="提交", exact=True))
    form.get_by_label("办结报告", exact=True).fill("已更换路灯线路，恢复照明")
    form.get_by_label("处置后照片", exact=True).set_input_files(str(after))
    submit_task(department, code, "办结反馈")
    open_tracking(resident, code)
    gallery = main(resident).locator(".gallery li")
    expect(gallery).to_have_count(2)
    expect(gallery.nth(0)).to_contain_text("反映时拍摄")
    expect(gallery.nth(1)).to_contain_text("处置后")
    for index in range(2):
        img = gallery.nth(index).locator("img")
        expect(img).to_have_js_property("complete", True)
        assert img.evaluate("img => img.naturalWidth") > 0
        copy = resident.request.get(gallery.nth(index).locator("a").get_attribute("href"))
        assert copy.ok and copy.headers["content-type"] == "image/jpeg"
        assert b"CameraMaker" not in copy.body() and b"Exif" not in copy.body()
