"""The mediator's workspace over HTTP: my mediations, parties (masked unless mine), the task forms,
the printable agreement, and the link from a neighbour-dispute issue."""
from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from engine.calendar import china_date
from engine.cases.models import Case
from engine.db import Database
from engine.demo import mediation_scenarios as ms
from engine.demo.driver import Driver
from engine.demo.mediation_scenarios import MEDIATION_SCENARIOS, seed_mediators
from tests.web.conftest import LoginAs


@pytest.fixture(autouse=True)
def mediators(db: Database) -> None:
    with db.transaction() as s:
        seed_mediators(s)


def text(response) -> str:  # type: ignore[no-untyped-def]
    return response.get_data(as_text=True)


def accepted(driver: Driver, mediator: str = "tiaojie") -> Case:
    """A mediation assigned to ``mediator``, waiting for the parties' consent."""
    case = ms.register(driver)
    ms.assign_and_accept(driver, case, mediator)
    return case


def in_session(driver: Driver) -> Case:
    case = accepted(driver)
    ms.everyone_agrees(driver, case)
    return case


def party_ids(driver: Driver, case: Case) -> list[int]:
    from engine.people.actor import Actor
    return [p.id for p in ms.mediation(driver).mediation_page(case.tracking_code, Actor("dudao", "supervisor")).parties]


# -- my mediations ----------------------------------------------------------------------------------

def test_the_mediators_top_bar_leads_to_my_mediations(login_as: LoginAs) -> None:
    page = text(login_as("tiaojie").get("/mediation"))
    assert '<a href="/mediation" aria-current="page">我的调解</a>' in page
    assert "这里只列出指派给您的调解案件" in page


def test_a_mediator_lists_only_the_mediations_assigned_to_them(login_as: LoginAs, driver: Driver) -> None:
    mine, theirs = accepted(driver, "tiaojie"), accepted(driver, "tiaojie2")
    page = text(login_as("tiaojie").get("/mediation"))
    assert mine.tracking_code in page and theirs.tracking_code not in page


def test_another_mediators_mediation_is_not_found(login_as: LoginAs, driver: Driver) -> None:
    theirs = accepted(driver, "tiaojie2")
    client = login_as("tiaojie")
    assert client.get(f"/mediation/{theirs.tracking_code}").status_code == 404
    assert client.get(f"/cases/{theirs.tracking_code}").status_code == 404
    item = driver.item(theirs, "record_consent").id
    assert client.get(f"/mediation/tasks/{item}/consent").status_code == 404
    assert client.get(f"/inbox/tasks/{item}").status_code == 404


def test_closed_mediations_are_listed_with_their_outcome(login_as: LoginAs, driver: Driver) -> None:
    case = MEDIATION_SCENARIOS["mediation_consent_refused_and_referred"][0](driver)
    client = login_as("tiaojie")
    assert case.tracking_code not in text(client.get("/mediation"))
    page = text(client.get("/mediation?status=closed"))
    assert case.tracking_code in page and "已移交" in page


def test_a_bad_list_filter_is_a_400(login_as: LoginAs) -> None:
    assert login_as("tiaojie").get("/mediation?status=whatever").status_code == 400


def test_roles_without_a_workspace_are_refused(login_as: LoginAs) -> None:
    assert login_as("chengguan").get("/mediation").status_code == 403


# -- parties and masking ----------------------------------------------------------------------------

def _access_rows(db: Database, case: Case) -> list[tuple[str, str]]:
    from sqlalchemy import select

    from engine.audit.access_log import AccessLogEntry
    with db.reading() as s:
        return [tuple(r) for r in s.execute(select(AccessLogEntry.username, AccessLogEntry.what)
                                            .where(AccessLogEntry.case_id == case.id))]


def test_the_mediator_in_charge_sees_names_and_asks_to_see_the_contacts(login_as: LoginAs, driver: Driver,
                                                                        db: Database) -> None:
    case = accepted(driver)
    client = login_as("tiaojie")
    for _ in range(3):  # working the case: names in full, contacts masked, nothing logged
        page = text(client.get(f"/mediation/{case.tracking_code}"))
        assert "王建国" in page and "13800001111" not in page and "138****1111" in page
        assert "显示当事人联系方式" in page
    assert _access_rows(db, case) == []
    shown = client.post(f"/mediation/{case.tracking_code}/contacts", data={"csrf_token": "x"})
    assert shown.status_code == 200 and shown.headers["Cache-Control"] == "no-store"
    assert "13800001111" in text(shown) and "幸福里3号楼201" in text(shown) and "已记入数据使用记录" in text(shown)
    assert _access_rows(db, case) == [("tiaojie", "party_phone,party_address")]  # one view, one row


@pytest.mark.parametrize("username", ["dudao", "wangge", "jiandu", "tiaojie2"])
def test_only_the_mediator_in_charge_may_ask_for_the_contacts(login_as: LoginAs, driver: Driver, db: Database,
                                                              username: str) -> None:
    case = accepted(driver)
    response = login_as(username).post(f"/mediation/{case.tracking_code}/contacts", data={"csrf_token": "x"})
    assert response.status_code in (403, 404) and "13800001111" not in text(response)
    assert _access_rows(db, case) == []


@pytest.mark.parametrize("username", ["dudao", "wangge", "jiandu", "yishi"])
def test_everyone_else_sees_the_parties_masked(login_as: LoginAs, driver: Driver, username: str) -> None:
    case = accepted(driver)
    page = text(login_as(username).get(f"/mediation/{case.tracking_code}"))
    assert "王**" in page and "138****1111" in page
    assert "王建国" not in page and "13800001111" not in page and "3号楼201" not in page


def test_a_mediation_shows_its_sessions_agreement_and_outcome(login_as: LoginAs, driver: Driver) -> None:
    case = MEDIATION_SCENARIOS["mediation_two_sessions_agreement_honoured"][0](driver)
    page = text(login_as("tiaojie").get(f"/mediation/{case.tracking_code}"))
    assert "第 1 次调解" in page and "第 2 次调解" in page and "对赔偿金额分歧较大" in page
    assert "第 1 份调解协议" in page and "赔偿王建国维修费人民币 3000 元" in page and "已履行" in page
    assert "调解成功" in page


def test_an_unknown_mediation_is_not_found(login_as: LoginAs) -> None:
    assert login_as("dudao").get("/mediation/260101-AAAAAA").status_code == 404


def test_an_issue_is_not_a_mediation(login_as: LoginAs, driver: Driver) -> None:
    issue = driver.report()
    assert login_as("dudao").get(f"/mediation/{issue.tracking_code}").status_code == 404


# -- registering a dispute --------------------------------------------------------------------------

def _intake(**extra: str) -> dict[str, str]:
    form = {"dispute_type": "物业纠纷", "summary": "业主与物业就停车位收费发生争执", "grid_code": "XF-01",
            "channel": "grid_visit", "parties-0-name": "赵大伟", "parties-0-party_role": "applicant",
            "parties-0-phone": "13700003333", "parties-1-name": "幸福里物业公司", "parties-1-party_role": "respondent"}
    form.update(extra)
    return form


def test_a_grid_worker_registers_a_dispute_with_its_parties(login_as: LoginAs, driver: Driver) -> None:
    client = login_as("wangge")
    response = client.post("/mediation/new", data=_intake())
    assert response.status_code == 302
    code = response.headers["Location"].rsplit("/", 1)[1]
    page = text(client.get(f"/mediation/{code}", follow_redirects=True))
    assert "业主与物业就停车位收费发生争执" in page and "赵**" in page and "137****3333" in page
    assert "指派调解员" in page  # the next step, for this grid worker


def test_a_dispute_needs_two_parties(login_as: LoginAs) -> None:
    response = login_as("wangge").post("/mediation/new", data=_intake(**{"parties-1-name": ""}))
    assert response.status_code == 400
    assert "调解至少需要 2 方当事人" in text(response)


def test_a_bad_phone_is_shown_next_to_the_party(login_as: LoginAs) -> None:
    response = login_as("wangge").post("/mediation/new", data=_intake(**{"parties-1-phone": "abc"}))
    assert response.status_code == 400
    assert re.search(r'id="parties-1-phone-error">电话号码格式不对', text(response))


def test_another_party_row_can_be_added(login_as: LoginAs) -> None:
    response = login_as("wangge").post("/mediation/new", data={**_intake(), "add_party": "1"})
    assert response.status_code == 200
    assert 'name="parties-3-name"' in text(response)


def test_mediators_do_not_register_disputes(login_as: LoginAs) -> None:
    assert login_as("tiaojie").get("/mediation/new").status_code == 403


# -- the task forms -------------------------------------------------------------------------------

def test_the_grid_worker_picks_the_mediator_from_a_list(login_as: LoginAs, driver: Driver) -> None:
    case = ms.register(driver)
    item = driver.item(case, "assign_mediator").id
    client = login_as("wangge")
    page = text(client.get(f"/mediation/tasks/{item}/assign"))
    assert "陈调解员（tiaojie）" in page and "周调解员（tiaojie2）" in page
    response = client.post(f"/mediation/tasks/{item}/assign", data={"mediator": "tiaojie2", "case_version": "1"})
    assert response.status_code == 302
    assert driver.item(case, "accept_case").assignee == "tiaojie2"


def test_assigning_a_mediator_who_recused_is_refused_next_to_the_field(login_as: LoginAs, driver: Driver) -> None:
    case = ms.register(driver)
    ms.do(driver, case, "assign_mediator", mediator="tiaojie")
    ms.do(driver, case, "accept_case", conflict_of_interest="related", conflict_reason="亲属")
    item = driver.item(case, "assign_mediator")
    version = driver.refresh(case).version
    response = login_as("wangge").post(f"/mediation/tasks/{item.id}/assign",
                                       data={"mediator": "tiaojie", "case_version": str(version)})
    assert response.status_code == 400 and "已因与当事人有利害关系申请回避" in text(response)


def test_the_mediator_records_each_partys_consent(login_as: LoginAs, driver: Driver) -> None:
    case = accepted(driver)
    item = driver.item(case, "record_consent").id
    first, second = party_ids(driver, case)
    client = login_as("tiaojie")
    assert "王建国（申请人）" in text(client.get(f"/mediation/tasks/{item}/consent"))
    response = client.post(f"/mediation/tasks/{item}/consent", data={
        f"party_{first}": "agreed", f"party_{second}": "agreed", "case_version": str(driver.refresh(case).version)})
    assert response.status_code == 302
    assert driver.open_ids(case) == ["hold_session"]
    assert text(client.get(f"/mediation/{case.tracking_code}")).count("同意调解") >= 2


def test_consent_needs_every_partys_answer(login_as: LoginAs, driver: Driver) -> None:
    case = accepted(driver)
    item = driver.item(case, "record_consent").id
    first, _second = party_ids(driver, case)
    response = login_as("tiaojie").post(f"/mediation/tasks/{item}/consent", data={
        f"party_{first}": "agreed", "case_version": str(driver.refresh(case).version)})
    assert response.status_code == 400 and "请记录这一方是否同意调解" in text(response)
    assert driver.open_ids(case) == ["record_consent"]


def test_a_refusal_needs_a_channel_and_then_refers_the_case(login_as: LoginAs, driver: Driver) -> None:
    case = accepted(driver)
    item = driver.item(case, "record_consent").id
    first, second = party_ids(driver, case)
    client = login_as("tiaojie")
    answers = {f"party_{first}": "agreed", f"party_{second}": "refused", "case_version": str(driver.refresh(case).version)}
    response = client.post(f"/mediation/tasks/{item}/consent", data=answers)
    assert response.status_code == 400 and "请选择引导的解决渠道" in text(response)
    assert client.post(f"/mediation/tasks/{item}/consent",
                       data={**answers, "referral_channel": "litigation"}).status_code == 302
    assert (driver.refresh(case).status, driver.refresh(case).outcome) == ("closed", "referred")


def test_the_mediator_records_a_session(login_as: LoginAs, driver: Driver) -> None:
    case = in_session(driver)
    item = driver.item(case, "hold_session").id
    client = login_as("tiaojie")
    assert "本次调解结果" in text(client.get(f"/mediation/tasks/{item}/session"))
    response = client.post(f"/mediation/tasks/{item}/session", data={
        "session_date": "2026-03-02", "attendees": "王建国、李春梅、陈调解员", "session_notes": "双方陈述各自诉求",
        "session_result": "continue", "case_version": str(driver.refresh(case).version)})
    assert response.status_code == 302
    assert "双方陈述各自诉求" in text(client.get(f"/mediation/{case.tracking_code}"))


def test_a_session_in_the_future_is_refused_next_to_the_date(login_as: LoginAs, driver: Driver) -> None:
    case = in_session(driver)
    item = driver.item(case, "hold_session").id
    response = login_as("tiaojie").post(f"/mediation/tasks/{item}/session", data={
        "session_date": "2026-04-01", "attendees": "双方", "session_notes": "还没开的调解会",
        "session_result": "continue", "case_version": str(driver.refresh(case).version)})
    assert response.status_code == 400 and "调解日期不能晚于今天" in text(response)


def _at_agreement(driver: Driver) -> tuple[Case, int, list[int]]:
    case = in_session(driver)
    ms.session(driver, case, "agreement")
    return case, driver.item(case, "draft_agreement").id, party_ids(driver, case)


def _version(driver: Driver, case: Case) -> str:
    return str(driver.refresh(case).version)


def test_the_agreement_is_drafted_printed_signed_by_each_party_then_in_force(login_as: LoginAs,
                                                                              driver: Driver) -> None:
    case, item, (first, second) = _at_agreement(driver)
    client = login_as("tiaojie")
    desk = f"/mediation/tasks/{item}/agreement"
    assert "保存协议草稿" in text(client.get(desk))
    response = client.post(desk, data={"agreement_terms": "李春梅赔偿王建国 2000 元", "performance_deadline": "2026-03-20",
                                       "case_version": _version(driver, case)})
    assert response.status_code == 302
    page = text(client.get(desk))
    assert "打印协议草稿" in page and page.count("等待签字") == 2
    printed = text(client.get(f"/mediation/{case.tracking_code}/agreements/1"))
    assert 'class="watermark"' in printed and ">草稿<" in printed and "李春梅赔偿王建国 2000 元" in printed
    today = china_date(driver.clock.now()).isoformat()
    for party in (first, second):
        response = client.post(f"{desk}/signatures", data={"party_id": party, "outcome": "signed", "signed_on": today,
                                                           "case_version": _version(driver, case)})
        assert response.status_code == 302
    response = client.post(f"{desk}/in-force", data={"case_version": _version(driver, case)})
    assert response.status_code == 302 and driver.open_ids(case) == []
    page = text(client.get(f"/mediation/{case.tracking_code}"))
    assert "李春梅赔偿王建国 2000 元" in page and page.count("）：已签字") == 2 and "已生效，履行中" in page
    printed = text(client.get(f"/mediation/{case.tracking_code}/agreements/1"))
    assert 'class="watermark"' not in printed


def test_an_unsigned_party_leads_to_a_choice_never_to_a_silent_failure(login_as: LoginAs, driver: Driver) -> None:
    case, item, (first, second) = _at_agreement(driver)
    client = login_as("tiaojie")
    desk = f"/mediation/tasks/{item}/agreement"
    client.post(desk, data={"agreement_terms": "李春梅赔偿王建国 2000 元", "case_version": _version(driver, case)})
    client.post(f"{desk}/signatures", data={"party_id": first, "outcome": "signed",
                                            "signed_on": china_date(driver.clock.now()).isoformat(),
                                            "case_version": _version(driver, case)})
    choice = client.post(f"{desk}/in-force", data={"case_version": _version(driver, case)})
    assert choice.status_code == 409 and "继续等待签字" in text(choice) and "记录拒签，转入调解不成处置" in text(choice)
    assert driver.open_ids(case) == ["draft_agreement"]
    confirm = client.get(f"{desk}/no-agreement")
    assert confirm.status_code == 200 and "李春梅" in text(confirm) and "我确认" in text(confirm)
    unticked = client.post(f"{desk}/no-agreement", data={"reason": "李春梅不愿签字", "case_version": _version(driver, case)})
    assert unticked.status_code == 400 and "请勾选确认后再提交" in text(unticked)
    assert driver.open_ids(case) == ["draft_agreement"]
    done = client.post(f"{desk}/no-agreement", data={"reason": "李春梅不愿签字", "confirm": "y",
                                                     "case_version": _version(driver, case)})
    assert done.status_code == 302 and driver.open_ids(case) == ["after_failure"]
    printed = text(client.get(f"/mediation/{case.tracking_code}/agreements/1"))
    assert ">未生效<" in printed and "此协议有当事人未签字，未生效" in printed


def test_a_refusal_needs_its_reason_next_to_the_field(login_as: LoginAs, driver: Driver) -> None:
    case, item, (first, _second) = _at_agreement(driver)
    client = login_as("tiaojie")
    desk = f"/mediation/tasks/{item}/agreement"
    client.post(desk, data={"agreement_terms": "李春梅赔偿王建国 2000 元", "case_version": _version(driver, case)})
    version = _version(driver, case)
    response = client.post(f"{desk}/signatures", data={"party_id": first, "outcome": "refused", "case_version": version})
    assert response.status_code == 400 and "请写明当事人不签字的原因" in text(response)
    assert _version(driver, case) == version


def test_a_signed_scan_that_is_not_a_document_is_refused_next_to_the_field(login_as: LoginAs, driver: Driver) -> None:
    import io
    case, item, (first, _second) = _at_agreement(driver)
    client = login_as("tiaojie")
    desk = f"/mediation/tasks/{item}/agreement"
    client.post(desk, data={"agreement_terms": "李春梅赔偿王建国 2000 元", "case_version": _version(driver, case)})
    response = client.post(f"{desk}/signatures", content_type="multipart/form-data", data={
        "party_id": first, "outcome": "signed", "signed_on": china_date(driver.clock.now()).isoformat(),
        "case_version": _version(driver, case), "scan": (io.BytesIO(b"MZ\x90\x00 not a scan"), "scan.jpg")})
    assert response.status_code == 400 and "不是照片或 PDF" in text(response)
    assert "等待签字" in text(response)


def test_a_task_page_for_another_kind_of_task_is_not_found(login_as: LoginAs, driver: Driver) -> None:
    case = in_session(driver)
    item = driver.item(case, "hold_session").id
    assert login_as("tiaojie").get(f"/mediation/tasks/{item}/agreement").status_code == 404


def test_a_task_already_done_is_a_409(login_as: LoginAs, driver: Driver) -> None:
    case = accepted(driver)
    item = driver.item(case, "record_consent").id
    ms.everyone_agrees(driver, case)
    assert login_as("tiaojie").get(f"/mediation/tasks/{item}/consent").status_code == 409


def test_a_form_filled_against_an_old_version_is_a_409_that_keeps_the_answers(login_as: LoginAs,
                                                                              driver: Driver) -> None:
    case = in_session(driver)
    item = driver.item(case, "hold_session").id
    response = login_as("tiaojie").post(f"/mediation/tasks/{item}/session", data={
        "session_date": "2026-03-02", "attendees": "双方", "session_notes": "保留我填写的内容",
        "session_result": "continue", "case_version": "1"})
    assert response.status_code == 409 and "保留我填写的内容" in text(response)


def test_a_task_form_post_without_csrf_token_is_refused(client: FlaskClient, app: Flask, driver: Driver) -> None:
    from engine.demo.organisation import DEMO_PASSWORD
    case = in_session(driver)
    item = driver.item(case, "hold_session").id
    login_page = text(client.get("/login"))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
    client.post("/login", data={"username": "tiaojie", "password": DEMO_PASSWORD, "csrf_token": token})
    response = client.post(f"/mediation/tasks/{item}/session", data={"session_notes": "x"})
    assert response.status_code == 400
    assert driver.open_ids(case) == ["hold_session"]


# -- the printable agreement ----------------------------------------------------------------------

def test_the_printable_agreement_has_the_terms_and_a_signature_line_per_party(login_as: LoginAs,
                                                                             driver: Driver) -> None:
    case = MEDIATION_SCENARIOS["mediation_declined_to_sign_then_withdrawn"][0](driver)
    page = text(login_as("tiaojie").get(f"/mediation/{case.tracking_code}/agreements/1"))
    assert "人民调解协议书" in page and "幸福里社区人民调解委员会" in page
    assert "一次性赔偿王建国维修费人民币 3000 元" in page
    assert page.count("当事人（签名）：") == 3 and "调解员（签名）：" in page
    assert "此协议有当事人未签字，未生效" in page and ">未生效<" in page
    assert "css/mediation.css" in page


def test_the_agreement_prints_cleanly(client: FlaskClient) -> None:
    with client.get("/static/css/mediation.css") as response:
        css = text(response)
    assert "@media print" in css and "@page" in css and "FangSong" in css
    assert re.search(r"@media print \{[^@]*\.topbar[^}]*display: none", css)


def test_the_printable_agreement_is_masked_for_other_roles(login_as: LoginAs, driver: Driver) -> None:
    case = MEDIATION_SCENARIOS["mediation_two_sessions_agreement_honoured"][0](driver)
    page = text(login_as("dudao").get(f"/mediation/{case.tracking_code}/agreements/1"))
    assert "王**" in page and "13800001111" not in page and "只有本案调解员可以打印含完整信息的协议书" in page


def test_an_agreement_that_does_not_exist_is_not_found(login_as: LoginAs, driver: Driver) -> None:
    case = accepted(driver)
    assert login_as("tiaojie").get(f"/mediation/{case.tracking_code}/agreements/1").status_code == 404


# -- the link between a neighbour-dispute issue and its mediation -----------------------------------

def test_a_neighbour_dispute_issue_offers_to_become_a_mediation(login_as: LoginAs, driver: Driver) -> None:
    issue = driver.report("楼上深夜噪音不断", "邻里纠纷")
    client = login_as("wangge")
    page = text(client.get(f"/cases/{issue.tracking_code}"))
    assert f'href="/mediation/new?source={issue.tracking_code}"' in page
    form = text(client.get(f"/mediation/new?source={issue.tracking_code}"))
    assert "楼上深夜噪音不断" in form and f'value="{issue.tracking_code}"' in form


def test_other_issues_do_not_offer_mediation(login_as: LoginAs, driver: Driver) -> None:
    issue = driver.report()
    assert "转为调解案件" not in text(login_as("wangge").get(f"/cases/{issue.tracking_code}"))


def test_both_case_pages_show_the_link(login_as: LoginAs, driver: Driver) -> None:
    issue = driver.report("楼上深夜噪音不断", "邻里纠纷")
    client = login_as("wangge")
    response = client.post("/mediation/new", data=_intake(source=issue.tracking_code, dispute_type="邻里纠纷"))
    assert response.status_code == 302
    code = response.headers["Location"].rsplit("/", 1)[1]
    issue_page = text(client.get(f"/cases/{issue.tracking_code}"))
    assert f'href="/mediation/{code}"' in issue_page and "转为调解案件" not in issue_page.split("已转为调解案件")[1]
    assert f'href="/cases/{issue.tracking_code}"' in text(client.get(f"/cases/{code}"))
    assert f'href="/cases/{issue.tracking_code}"' in text(client.get(f"/mediation/{code}"))


# -- English ------------------------------------------------------------------------------------------

def test_the_workspace_speaks_english_when_asked(login_as: LoginAs, driver: Driver) -> None:
    case = accepted(driver)
    client = login_as("tiaojie")
    client.post("/lang/en", data={"next": "/mediation"})
    assert "My mediations" in text(client.get("/mediation"))
    page = text(client.get(f"/mediation/{case.tracking_code}"))
    assert "Parties" in page and "Neighbour dispute" in page
