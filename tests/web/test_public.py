"""Resident pages, no login: report an issue screen by screen, track it by code, rate the result."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from engine import CATEGORIES, Actor, NotFound
from engine.clock import FixedClock
from engine.db import Database
from engine.demo import scenarios
from engine.demo.driver import Driver
from engine import CaseService
from tests.web.conftest import LoginAs
from web import create_app

SUPERVISOR = Actor("dudao", "supervisor")
#: Staff accounts of the demo organisation whose names must never reach a resident's page.
STAFF_USERNAMES = ("wangge", "yishi", "chengguan", "dudao", "wuye", "zhujian")


def page(response) -> str:
    return response.get_data(as_text=True)


def report_through_every_screen(client: FlaskClient, *, grid: str = "XF-01", name: str = "王阿姨",
                                phone: str = "13912345678") -> str:
    """Answer each screen as a resident would and return the done page."""
    assert client.post("/report", data={"category": "公共设施"}).headers["Location"] == "/report/where"
    assert client.post("/report/where", data={"grid_code": grid, "address": "3号楼2单元门口"}).status_code == 302
    assert client.post("/report/what", data={"description": "楼道灯坏了，晚上很黑"}).status_code == 302
    assert client.post("/report/contact", data={"name": name, "phone": phone}).headers["Location"] == "/report/review"
    review = client.get("/report/review")
    assert review.status_code == 200
    for answer in ("公共设施", "幸福里社区 / 幸福里一网格", "3号楼2单元门口", "楼道灯坏了，晚上很黑", name, phone):
        assert answer in page(review)
    submitted = client.post("/report/review")
    assert submitted.headers["Location"] == "/report/done"
    return page(client.get("/report/done"))


def tracking_code_in(html: str) -> str:
    match = re.search(r'class="tracking-code"[^>]*>([0-9A-Z-]+)<', html)
    assert match, html
    return match.group(1)


# -- reporting ---------------------------------------------------------------------------------------

def test_a_resident_reports_an_issue_screen_by_screen_and_gets_a_tracking_code(
        csrf_app: Flask, service: CaseService) -> None:
    done = report_through_every_screen(csrf_app.test_client())
    code = tracking_code_in(done)
    assert "请把查询码抄在纸上" in done
    assert f'href="/track/{code}"' in done
    case = service.case(code)
    assert (case.channel, case.opened_by, case.category, case.grid_code) == ("web", "resident:web", "公共设施", "XF-01")
    reporter = service.case_page(code, SUPERVISOR).reporter
    assert (reporter.name, reporter.phone) == ("王**", "139****5678")


def test_a_second_click_on_submit_shows_the_same_tracking_code_and_files_nothing_more(
        csrf_app: Flask, service: CaseService) -> None:
    client = csrf_app.test_client()
    code = tracking_code_in(report_through_every_screen(client))
    again = client.post("/report/review")
    assert again.headers["Location"] == "/report/done"
    assert tracking_code_in(page(client.get("/report/done"))) == code
    with pytest.raises(NotFound):
        service.case(service.case(code).id + 1)


def test_each_screen_asks_one_question_with_big_buttons_for_the_categories(client: FlaskClient) -> None:
    html = page(client.get("/report"))
    assert "您要反映哪一类问题？" in html and "第 1 步，共 6 步" in html
    for category in CATEGORIES:
        assert re.search(rf'<button type="submit" name="category" value="{category}"\s+class="choice', html), category
    assert "css/public.css" in html


def test_a_missing_description_is_refused_on_its_own_screen_with_the_error_next_to_the_field(
        csrf_app: Flask) -> None:
    client = csrf_app.test_client()
    client.post("/report", data={"category": "环境卫生"})
    client.post("/report/where", data={})
    response = client.post("/report/what", data={"description": "   "})
    assert response.status_code == 400
    assert re.search(r'<textarea[^>]*aria-describedby="description-error".*?</textarea>\s*<p class="hint">.*?</p>\s*'
                     r'<p class="error" id="description-error">请写下发生了什么</p>', page(response), re.DOTALL)
    assert client.get("/report/review").headers["Location"] == "/report/what"


def test_a_bad_phone_number_is_refused_on_the_contact_screen(csrf_app: Flask) -> None:
    client = csrf_app.test_client()
    client.post("/report", data={"category": "环境卫生"})
    client.post("/report/where", data={})
    client.post("/report/what", data={"description": "垃圾没人清运"})
    response = client.post("/report/contact", data={"phone": "call me maybe"})
    assert response.status_code == 400
    assert "电话号码格式不对" in page(response)


def test_the_longest_answers_still_fit_between_screens(csrf_app: Flask) -> None:
    """All answers wait in the signed session cookie; it must stay under the 4 KB browsers keep."""
    client = csrf_app.test_client()
    client.post("/report", data={"category": "养老服务"})
    client.post("/report/where", data={"grid_code": "HP-01", "address": "和" * 100})
    client.post("/report/what", data={"description": "".join(chr(0x4E00 + (i * 7919) % 20000) for i in range(600))})
    client.post("/report/contact", data={"name": "欧" * 40, "phone": "+86 138-1234-5678"})
    assert client.get("/report/review").status_code == 200
    assert client.post("/report/what", data={"description": "长" * 601}).status_code == 400


def test_screens_cannot_be_skipped_by_typing_an_address(client: FlaskClient) -> None:
    assert client.get("/report/contact").headers["Location"] == "/report"
    assert client.get("/report/nonsense").status_code == 404


def test_the_review_links_back_to_a_screen_and_returns_to_the_review_after_the_change(csrf_app: Flask) -> None:
    client = csrf_app.test_client()
    report_through_every_screen(client)  # submitted: the draft is gone, start a second report
    client.post("/report", data={"category": "噪音扰民"})
    client.post("/report/where", data={})
    client.post("/report/what", data={"description": "夜里施工噪音"})
    client.post("/report/contact", data={})
    review = page(client.get("/report/review"))
    assert 'href="/report/what?edit=1"' in review
    assert client.post("/report/what?edit=1", data={"description": "夜里十二点还在施工"}).headers["Location"] \
        == "/report/review"
    assert "夜里十二点还在施工" in page(client.get("/report/review"))


def test_a_grid_worker_files_on_a_residents_behalf_with_their_grid_preselected(
        login_as: LoginAs, service: CaseService) -> None:
    client = login_as("wangge")
    client.post("/report", data={"category": "安全隐患"})
    where = page(client.get("/report/where"))
    assert re.search(r'<option selected value="XF-01">|<option value="XF-01" selected', where), where
    assert "代居民登记" in where
    client.post("/report/where", data={"grid_code": "XF-01"})
    client.post("/report/what", data={"description": "井盖松动，老人容易绊倒"})
    client.post("/report/contact", data={"name": "李大爷"})
    client.post("/report/review")
    code = tracking_code_in(page(client.get("/report/done")))
    case = service.case(code)
    assert (case.channel, case.opened_by, case.grid_code) == ("grid_visit", "wangge", "XF-01")


def test_a_report_without_a_csrf_token_is_refused_with_400(client: FlaskClient) -> None:
    response = client.post("/report", data={"category": "其他"})
    assert response.status_code == 400
    assert "安全令牌" in page(response)


# -- tracking -----------------------------------------------------------------------------------------

def test_the_tracking_page_shows_progress_in_plain_words_and_no_personal_data(
        client: FlaskClient, driver: Driver) -> None:
    case = driver.report("小区门口路灯不亮", "公共设施", reporter_name="王秀英", reporter_phone="13812345678")
    scenarios._adopt(driver, case)
    driver.do(case, "accept", accept_decision="accepted")
    response = client.get(f"/track/{case.tracking_code}")
    html = page(response)
    assert response.status_code == 200
    for words in ("已收到您反映的问题", "已提交居民议事会协商（协商中）", "议事会议定通过，交由城管执法中队办理",
                  "城管执法中队已签收", "城管执法中队已签收，将到现场核实", "2026-03-02 09:00", "公共设施", "幸福里社区"):
        assert words in html, words
    # The reporter's own words are not the page's title: they may name people and homes.
    for private in ("王秀英", "13812345678", "138****5678", *STAFF_USERNAMES, "resident:", "reporter:",
                    "小区门口路灯不亮"):
        assert private not in html, private


def test_a_phone_number_written_into_the_description_is_not_published(client: FlaskClient, driver: Driver) -> None:
    case = driver.report("王秀英反映：请打 138 1234 5678 联系，楼道灯坏了", reporter_name="王秀英")
    html = page(client.get(f"/track/{case.tracking_code}"))
    assert "王秀英" not in html and "5678" not in html
    published = client.get(f"/open311/v2/requests/{case.tracking_code}.json").get_json()[0]["description"]
    assert published == "**反映：请打 **** 联系，楼道灯坏了"


def test_the_lookup_form_forgives_lower_case_and_a_missing_dash(csrf_app: Flask, driver: Driver) -> None:
    case = driver.report()
    typed = case.tracking_code.replace("-", " ").lower()
    response = csrf_app.test_client().post("/track", data={"code": typed})
    assert response.headers["Location"] == f"/track/{case.tracking_code}"


def test_a_malformed_code_is_refused_next_to_the_field(csrf_app: Flask) -> None:
    response = csrf_app.test_client().post("/track", data={"code": "12345"})
    assert response.status_code == 400
    assert "查询码格式不对" in page(response)


def test_an_unknown_code_is_a_friendly_404(client: FlaskClient) -> None:
    response = client.get("/track/260302-ZZZZZZ")
    assert response.status_code == 404
    assert "没有找到这个查询码" in page(response)
    assert 'value="260302-ZZZZZZ"' in page(response)  # the form to try again keeps what was typed


def test_looking_up_an_unknown_code_answers_at_once(csrf_app: Flask) -> None:
    response = csrf_app.test_client().post("/track", data={"code": "260302-ZZZZZZ"})
    assert response.status_code == 404
    assert "请核对查询码是否抄写正确" in page(response)


def test_a_database_id_is_not_a_tracking_code(client: FlaskClient, driver: Driver) -> None:
    case = driver.report()
    assert client.get(f"/track/{case.id}").status_code == 404


def test_a_rejected_issue_shows_the_councils_reason(client: FlaskClient, driver: Driver) -> None:
    case = scenarios.rejected_with_reason(driver)
    html = page(client.get(f"/track/{case.tracking_code}"))
    assert "办理结果公示" in html and "不予采纳" in html
    assert "场地和资金条件不具备，建议使用街道文体中心泳池" in html
    assert '<li class="skipped">办理</li>' in html and '<li class="current" aria-current="step">结案</li>' in html


def test_a_resolved_issue_shows_the_completion_report_and_the_rating(client: FlaskClient, driver: Driver) -> None:
    case = scenarios.adopted_assigned_and_satisfied(driver)
    html = page(client.get(f"/track/{case.tracking_code}"))
    assert "已维修完毕，恢复正常使用" in html
    assert "居民评价：</strong>满意" in html


def test_a_default_rating_is_marked_as_such(client: FlaskClient, driver: Driver) -> None:
    case = scenarios.completion_missed_escalated_and_rated_by_default(driver)
    html = page(client.get(f"/track/{case.tracking_code}"))
    assert "逾期未评价，默认基本满意" in html
    assert "已提请街道督办" in html


# -- rating -------------------------------------------------------------------------------------------

def _waiting_for_rating(driver: Driver) -> tuple[str, int, str]:
    """A case waiting for its rating: tracking code, rating item id and the reporter's private link."""
    case = driver.report("垃圾桶满了没人清运", "环境卫生")
    driver.do(case, "triage", triage_decision="on_spot")
    return case.tracking_code, driver.item(case, "rate").id, f"/my/{driver.reporter_key(case)}"


def test_rating_closes_the_case(csrf_app: Flask, driver: Driver, service: CaseService) -> None:
    code, item, mine = _waiting_for_rating(driver)
    client = csrf_app.test_client()
    tracking = page(client.get(mine))
    assert "去评价" in tracking and "请在 2026-03-09 09:00 前评价，逾期将默认为“基本满意”。" in tracking
    form = page(client.get(f"{mine}/rate"))
    assert all(f'name="rating" value="{value}"' in form for value in ("satisfied", "basically", "dissatisfied"))
    response = client.post(f"{mine}/rate", data={"item": item, "rating": "satisfied", "rating_comment": "很快"})
    assert response.headers["Location"] == f"{mine}/rate/thanks"
    assert "谢谢您的评价" in page(client.get(response.headers["Location"]))
    closed = service.case(code)
    assert (closed.status, closed.outcome) == ("closed", "resolved")
    assert "居民评价：</strong>满意" in page(client.get(f"/track/{code}"))


def test_rating_twice_is_a_409_that_says_it_was_already_rated(csrf_app: Flask, driver: Driver) -> None:
    _code, item, mine = _waiting_for_rating(driver)
    client = csrf_app.test_client()
    first = client.post(f"{mine}/rate", data={"item": item, "rating": "basically"})
    second = client.post(f"{mine}/rate", data={"item": item, "rating": "basically"})
    assert first.status_code == 302
    assert second.status_code == 409
    assert "您已经评价过了" in page(second)


def test_a_rating_without_a_choice_is_refused_next_to_the_buttons(csrf_app: Flask, driver: Driver) -> None:
    _code, item, mine = _waiting_for_rating(driver)
    response = csrf_app.test_client().post(f"{mine}/rate", data={"item": item})
    assert response.status_code == 400
    assert "请点选一项" in page(response)


def test_another_cases_rating_task_cannot_be_used(csrf_app: Flask, driver: Driver) -> None:
    _code, _item, mine = _waiting_for_rating(driver)
    _other_code, other_item, _other = _waiting_for_rating(driver)
    response = csrf_app.test_client().post(f"{mine}/rate", data={"item": other_item, "rating": "dissatisfied"})
    assert response.status_code == 404


def test_nothing_to_rate_is_a_friendly_page(client: FlaskClient, driver: Driver) -> None:
    case = driver.report()
    response = client.get(f"/my/{driver.reporter_key(case)}/rate")
    assert response.status_code == 200
    assert "现在还不需要评价" in page(response)


def test_a_rating_without_a_csrf_token_is_refused_with_400(client: FlaskClient, driver: Driver) -> None:
    _code, item, mine = _waiting_for_rating(driver)
    response = client.post(f"{mine}/rate", data={"item": item, "rating": "satisfied"})
    assert response.status_code == 400


# -- rate limits, language ----------------------------------------------------------------------------

@pytest.fixture
def limited_app(db: Database, clock: FixedClock, tmp_path: Path) -> Flask:
    """The app with rate limits on, three public posts per client and minute, and CSRF off."""
    return create_app({
        "TESTING": True, "DATABASE": db, "DATABASE_URL": db.url, "CLOCK": clock, "SECRET_KEY": "test",
        "INSTANCE": str(tmp_path / "instance"), "RATELIMIT_ENABLED": True, "PUBLIC_FORM_LIMIT": "3 per minute",
        "WTF_CSRF_ENABLED": False,
    })


def test_tracking_lookups_are_rate_limited_with_a_plain_message(limited_app: Flask, driver: Driver) -> None:
    code = driver.report().tracking_code
    client = limited_app.test_client()
    statuses = [client.post("/track", data={"code": guess}).status_code
                for guess in ("260302-ABCDE2", code, "260302-ABCDE3", code)]
    assert statuses == [404, 302, 404, 429]
    assert "操作过于频繁，请" in page(client.post("/track", data={"code": code}))


def test_guessing_codes_is_rate_limited_but_reloading_ones_own_page_is_not(limited_app: Flask, driver: Driver) -> None:
    case = driver.report()
    client = limited_app.test_client()
    assert [client.get(f"/track/{case.tracking_code}").status_code for _ in range(5)] == [200] * 5
    guesses = [client.get(f"/track/260302-ABCDE{n}").status_code for n in range(2, 6)]
    assert guesses == [404, 404, 404, 429]


def test_report_submissions_are_rate_limited(limited_app: Flask) -> None:
    client = limited_app.test_client()
    statuses = []
    for _ in range(4):
        client.post("/report", data={"category": "其他"})
        client.post("/report/where", data={})
        client.post("/report/what", data={"description": "测试限流"})
        client.post("/report/contact", data={})
        statuses.append(client.post("/report/review").status_code)
    assert statuses == [302, 302, 302, 429]


def test_rating_posts_are_rate_limited(limited_app: Flask, driver: Driver) -> None:
    _code, item, mine = _waiting_for_rating(driver)
    client = limited_app.test_client()
    statuses = [client.post(f"{mine}/rate", data={"item": item, "rating": "satisfied"}).status_code
                for _ in range(4)]
    assert statuses == [302, 409, 409, 429]


def test_the_resident_pages_are_translated_to_english(csrf_app: Flask, driver: Driver) -> None:
    case = scenarios.adopted_assigned_and_satisfied(driver)
    client = csrf_app.test_client()
    client.post("/lang/en", data={"next": "/report"})
    html = page(client.get("/report"))
    assert "What kind of problem are you reporting?" in html
    assert "Public facilities" in html
    tracking = page(client.get(f"/track/{case.tracking_code}"))
    for words in ("Published outcome", "Resident's rating: </strong>Satisfied", "城管执法中队 completed the work"):
        assert words in tracking, words
