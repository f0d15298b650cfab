"""The grid worker's phone page offline (issue 23): in a phone viewport the network goes away (Playwright's
offline emulation), a visit is recorded and waits in the queue on the phone, the page reopens from the service
worker's copy, and when the network is back the visit (with its photo) and a new report (with its photo) are
stored exactly once each — one visit, one case — even though the page sends its queue from two tabs at once."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from engine.clock import FixedClock
from engine.db import Database
from engine.cases.location import CaseLocation
from engine.cases.models import Case
from engine.civic.contact import contact_of
from engine.evidence.models import Attachment
from engine.field.models import FieldNeed, FieldReport, FieldVisit, VisitPhoto
from engine.field.service import FieldService
from engine import CaseService
from tests.browser.helpers import PHONE, People, log_in
from tests.fixtures.field import register
from tests.fixtures.photos import photo
from tests.fixtures.passwords import cheap_password_hashes  # noqa: F401

pytestmark = pytest.mark.usefixtures("cheap_password_hashes")


def stored(db: Database) -> list[tuple[str, str | None]]:
    with db.reading() as s:
        return [(v.met, v.client_key) for v in s.scalars(select(FieldVisit).order_by(FieldVisit.id))]


def cases(db: Database) -> list[tuple[str, str, int]]:
    """(description, channel, files attached) of every case."""
    with db.reading() as s:
        return [(c.description, c.channel,
                 s.scalar(select(func.count()).select_from(Attachment).where(Attachment.case_id == c.id)) or 0)
                for c in s.scalars(select(Case).order_by(Case.id))]


def test_a_visit_and_a_report_recorded_offline_are_synced_once_when_the_network_returns(browser, live_server: str, db: Database,
                                                                           clock: FixedClock) -> None:
    field = FieldService(db, clock, CaseService(db, clock).hooks)
    [home] = register(field, "XF-01", "3号楼,101,张建国")
    people = People(browser, live_server)
    try:
        phone = people.window(PHONE)
        log_in(phone, "wangge")
        phone.goto("/field/m")
        phone.wait_for_function("navigator.serviceWorker.ready.then(() => true)")
        phone.reload()  # now the page is under the service worker, which keeps its copy
        phone.wait_for_function("navigator.serviceWorker.controller !== null")
        context = phone.context
        context.set_offline(True)
        phone.reload()  # opens with no network, from the service worker's copy
        expect(phone.locator("#net-status")).to_contain_text("未联网")
        phone.get_by_label("住户").select_option(str(home))
        phone.get_by_label("见到的人").fill("户主本人及其女儿")
        phone.get_by_label("发现的需求（每行一条）").fill("卫生间扶手松动")
        phone.locator("#photos").set_input_files(
            {"name": "handrail.jpg", "mimeType": "image/jpeg", "buffer": photo()})
        phone.get_by_role("button", name="保存走访").click()
        expect(phone.locator("#queue-count")).to_have_text("1")
        expect(phone.locator("#queue li")).to_contain_text("户主本人及其女儿")
        expect(phone.locator("#queue li")).to_contain_text("1 张照片")
        # a new report for a resident, with its photo, also offline
        report = phone.locator("#report")
        report.get_by_label("问题类别").select_option("公共设施")
        report.get_by_label("问题描述").fill("3号楼前路灯不亮")
        report.get_by_label("位置").fill("3号楼前")
        report.get_by_label("现场照片").set_input_files(
            {"name": "lamp.jpg", "mimeType": "image/jpeg", "buffer": photo(colour="red")})
        report.get_by_role("button", name="保存报告").click()
        expect(phone.locator("#queue-count")).to_have_text("2")
        expect(phone.locator("#queue li").nth(1)).to_contain_text("3号楼前路灯不亮")
        assert stored(db) == [] and cases(db) == []
        second = context.new_page()  # a second tab of the same phone shares the queue: both will send it
        second.goto(f"{live_server}/field/m")
        expect(second.locator("#queue-count")).to_have_text("2")
        context.set_offline(False)  # both tabs hear "online" and send the queue at once
        expect(phone.locator("#queue-count")).to_have_text("0")
        expect(second.locator("#queue-count")).to_have_text("0")
        expect(phone.locator("#queue li")).to_have_count(0)
        [(met, key)] = stored(db)
        assert met == "户主本人及其女儿" and key
        with db.reading() as s:
            assert [n.description for n in s.scalars(select(FieldNeed))] == ["卫生间扶手松动"]
            assert s.scalar(select(func.count()).select_from(VisitPhoto)) == 1
            assert s.scalar(select(func.count()).select_from(FieldReport)) == 1
        [(description, channel, files)] = cases(db)
        assert description == "3号楼前路灯不亮" and channel == "grid_visit" and files == 1
        phone.get_by_role("button", name="立即上传").click()  # nothing left to send, nothing more stored
        expect(phone.locator("#queue-count")).to_have_text("0")
        assert len(stored(db)) == 1 and len(cases(db)) == 1
    finally:
        people.close()


def test_a_report_carries_the_phones_position_and_logging_out_forgets_the_offline_copy(
        browser, live_server: str, db: Database) -> None:
    """On a phone shared by two grid workers: the first files a report with the phone's position and the
    resident's contact while the upload cannot get through, then logs out; the page's offline copy (households'
    names and addresses) is gone with the logout, the second worker's page neither shows nor sends the first
    one's report, and it is sent when the first worker logs in again."""
    context = browser.new_context(locale="zh-CN", viewport=PHONE, base_url=live_server,
                                  geolocation={"latitude": 31.2304161, "longitude": 121.4736782, "accuracy": 8},
                                  permissions=["geolocation"])
    try:
        phone = context.new_page()
        phone.set_default_timeout(10_000)
        log_in(phone, "wangge")
        phone.goto("/field/m")
        phone.wait_for_function("navigator.serviceWorker.ready.then(() => true)")
        phone.reload()
        phone.wait_for_function("navigator.serviceWorker.controller !== null")
        assert phone.evaluate("caches.keys()") == ["casegrid-field-v2"]
        context.route("**/field/m/reports", lambda route: route.abort("internetdisconnected"))
        report = phone.locator("#report")
        report.get_by_label("问题类别").select_option("公共设施")
        report.get_by_label("问题描述").fill("5号楼旁井盖缺失")
        report.get_by_role("button", name="使用手机定位").click()
        expect(phone.locator("#located")).to_contain_text("31.230416, 121.473678")
        report.get_by_label("居民姓名（选填）").fill("李秀英")
        report.get_by_label("居民电话（选填，用于回访）").fill("13800138000")
        report.get_by_role("button", name="保存报告").click()
        expect(phone.locator("#queue-count")).to_have_text("1")
        expect(phone.locator("#located")).to_have_text("")
        expect(phone.locator("#net-status")).to_contain_text("未联网")  # the upload did not get through
        context.unroute("**/field/m/reports")
        with phone.expect_navigation():  # logging out first: the report waits on the phone, not lost
            phone.evaluate("document.getElementById('logout').requestSubmit()")
        expect(phone.get_by_role("link", name="工作人员登录")).to_be_visible()
        assert phone.evaluate("caches.keys()") == []
        assert phone.evaluate("navigator.serviceWorker.getRegistrations().then(r => r.length)") == 0
        assert cases(db) == []

        log_in(phone, "wangge2")
        phone.goto("/field/m")
        expect(phone.locator("#queue li.others")).to_contain_text("另有 1 条其他账号的记录")
        expect(phone.locator("#queue-count")).to_have_text("0")
        phone.get_by_role("button", name="立即上传").click()
        expect(phone.locator("#net-status")).to_have_text("已联网")  # a pass that sent nothing says only this
        expect(phone.locator("#queue li.others")).to_be_visible()
        phone.wait_for_load_state("networkidle")
        assert cases(db) == []

        phone.evaluate("document.getElementById('logout').requestSubmit()")
        expect(phone.get_by_role("link", name="工作人员登录")).to_be_visible()
        log_in(phone, "wangge")
        phone.goto("/field/m")
        expect(phone.locator("#net-status")).to_contain_text("已上传 1 条")
        expect(phone.locator("#queue li")).to_have_count(0)
        [(description, channel, _files)] = cases(db)
        assert (description, channel) == ("5号楼旁井盖缺失", "grid_visit")
        with db.reading() as s:
            case = s.scalars(select(Case)).one()
            point = s.get(CaseLocation, case.id)
            assert point is not None and (point.lat, point.long) == (31.230416, 121.473678)
            contact = contact_of(s, case)
            assert contact is not None and contact.phone == "13800138000"
    finally:
        context.close()
