"""我的报告: a logged-in resident's reports, and those of the private links opened (or filed) in this browser —
nobody else's, and the staff pages still name no resident account beside a case."""
from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from engine.cases.intake import Intake
from engine.demo.driver import Driver
from engine.people.actor import Actor
from engine import CaseService
from tests.web.conftest import LoginAs
from tests.web.test_public import report_through_every_screen, tracking_code_in

WEB = Actor("resident:web", "resident")


def page(response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_without_an_account_or_a_link_the_page_says_how_to_see_ones_reports(client: FlaskClient) -> None:
    response = client.get("/my")
    html = page(response)
    assert "登录居民账号，或打开提交问题时拿到的专用链接后" in html
    assert response.headers["Cache-Control"] == "no-store"
    assert "我的报告" in page(client.get("/"))  # offered on the home page


def test_a_private_link_opened_in_this_browser_lists_its_report(client: FlaskClient, csrf_app: Flask,
                                                                driver: Driver) -> None:
    mine, other = driver.report("楼道灯坏了，晚上很黑"), driver.report("小区门口井盖缺失")
    key = driver.reporter_key(mine)
    driver.reporter_key(other)
    assert client.get(f"/my/{key}").status_code == 200
    html = page(client.get("/my"))
    assert mine.tracking_code in html and f'href="/my/{key}"' in html and "办理中" in html
    assert other.tracking_code not in html
    stranger = csrf_app.test_client()  # another browser knows nothing of it
    assert mine.tracking_code not in page(stranger.get("/my"))


def test_a_report_filed_in_this_browser_is_listed_without_logging_in(csrf_app: Flask) -> None:
    client = csrf_app.test_client()
    code = tracking_code_in(report_through_every_screen(client))
    assert code in page(client.get("/my"))


def test_a_logged_in_resident_finds_what_they_filed_and_the_staff_do_not_see_their_account(
        login_as: LoginAs, service: CaseService) -> None:
    resident = login_as("jumin")
    code = tracking_code_in(report_through_every_screen(resident))
    somebody_else = service.report(Intake(description="路灯不亮，晚上很黑", category="公共设施", grid_code="XF-01"),
                                   WEB, account="other-resident")
    assert f'href="/my/' in page(resident.get("/my"))  # this browser holds the private link
    elsewhere = login_as("jumin")  # the same account on another device: found through the account
    html = page(elsewhere.get("/my"))
    assert code in html and f'href="/track/{code}"' in html and "评价或补充情况，请使用提交时拿到的专用链接" in html
    assert somebody_else.case.tracking_code not in html
    assert '<a href="/my" aria-current="page">我的报告</a>' in html  # the resident's top bar
    staff = page(login_as("dudao").get(f"/cases/{code}"))
    assert "jumin" not in staff and "王阿姨（居民）" not in staff


def test_a_browser_remembers_at_most_twenty_links(client: FlaskClient, driver: Driver) -> None:
    cases = [driver.report(f"第 {n} 件：楼道灯坏了") for n in range(22)]
    for case in cases:
        assert client.get(f"/my/{driver.reporter_key(case)}").status_code == 200
    html = page(client.get("/my"))
    assert cases[-1].tracking_code in html and cases[2].tracking_code in html
    assert cases[0].tracking_code not in html and cases[1].tracking_code not in html


def test_an_unknown_link_is_not_remembered(client: FlaskClient) -> None:
    assert client.get("/my/AAAAAAAAAAAAAAAAAAAAAAAA").status_code == 404
    assert "登录居民账号" in page(client.get("/my"))
