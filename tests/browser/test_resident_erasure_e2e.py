"""A resident's deletion request (PIPL Art. 47) end to end in a real browser (issue 19): the resident reports
with their name and phone, the grid worker settles it on the spot, the resident rates it through the private
link, asks there for their personal data to be erased and confirms; the staff's case page then says it was
erased, raw SQL shows only ciphertext whose key is gone, and the case's record still verifies.
"""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import text

from engine import CaseService
from engine.db import Database
from engine.privacy.keys import ERASED, is_token
from tests.browser.helpers import People, click, do_task, main, rate, report_issue

NAME, PHONE = "王阿姨", "13800001234"


@pytest.fixture
def people(browser: Browser, live_server: str) -> Iterator[People]:
    crowd = People(browser, live_server)
    yield crowd
    crowd.close()


def test_a_resident_erases_their_personal_data_through_the_private_link(
        people: People, db: Database, service: CaseService) -> None:
    resident = people.resident()
    code, link = report_issue(resident, category="公共设施", grid="幸福里社区 / 幸福里一网格",
                              address="幸福里 3 号楼南侧", description="3 号楼南侧的路灯一到晚上就不亮",
                              name=NAME, phone=PHONE)

    # While the case is handled staff may need to call back: the page explains, and offers nothing to confirm.
    resident.goto(link)
    main(resident).get_by_role("link", name="删除我的个人信息").click()
    expect(main(resident).get_by_role("heading", level=1)).to_have_text("删除我的个人信息")
    expect(main(resident)).to_contain_text("这件事还在办理中")
    expect(main(resident).get_by_role("button", name="确认删除我的个人信息")).to_have_count(0)

    grid_worker = people.staff("wangge")
    do_task(grid_worker, code, "分拨研判", choose={"分拨结果": "就地解决"},
            fill={"处理说明": "已联系物业当场更换灯泡"})
    rate(resident, link, "满意")  # the resident's rating closes the case

    resident.goto(link)
    main(resident).get_by_role("link", name="删除我的个人信息").click()
    expect(main(resident)).to_contain_text("这件事已办结")
    click(resident, "确认删除我的个人信息")
    expect(main(resident).get_by_role("status")).to_contain_text("您的个人信息已按规定删除")

    supervisor = people.staff("dudao")
    supervisor.goto(f"/cases/{code}")
    expect(main(supervisor)).to_contain_text("反映人的个人信息已按规定删除")
    expect(main(supervisor)).not_to_contain_text(NAME)
    expect(main(supervisor)).not_to_contain_text(PHONE[-4:])

    with db.engine.connect() as conn:
        case_id, = conn.execute(text("SELECT id FROM \"case\" WHERE tracking_code = :c"), {"c": code}).one()
        name, phone = conn.execute(text("SELECT name, phone FROM reporter_contact WHERE case_id = :c"),
                                   {"c": case_id}).one()
        wrapped, = conn.execute(text("SELECT wrapped FROM case_data_key WHERE case_id = :c"), {"c": case_id}).one()
    assert is_token(name) and is_token(phone) and wrapped is None, "ciphertext stays, its key is gone"
    with db.reading() as s:
        from engine.cases.models import Case
        from engine.civic.contact import contact_of

        contact = contact_of(s, s.get(Case, case_id))  # type: ignore[arg-type]
    assert contact is not None and (contact.name, contact.phone) == (ERASED, ERASED)
    [result] = service.verify(case_id)
    assert result.ok, result.problem
