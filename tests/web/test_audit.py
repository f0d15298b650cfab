"""The audit workspace over HTTP: case search, the replay view, integrity checks, exports,
unmasking with a reason, and the data-use log — per role."""
from __future__ import annotations

import html as html_lib
import json
import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from engine.audit.bundle import verify_bundle
from engine.cases.intake import Intake
from engine.cases.models import Case
from engine.db import Database
from engine.demo.driver import Driver
from engine.demo.scenarios import SCENARIOS
from engine.people.actor import Actor
from engine import CaseService
from tests.engine import helpers_tamper as tamper
from tests.web.conftest import LoginAs

#: An unmasking's purpose (from the list) and its detail.
REVISIT = {"purpose": "revisit", "detail": "反映人说已经修好，但照片对不上，电话核实"}
CONTACT = {"purpose": "contact", "detail": "上门处理前需要约好时间，联系反映人"}
PHONE = "13812345678"


def text(response: TestResponse) -> str:
    """The page's visible text, whitespace collapsed."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", response.get_data(as_text=True), flags=re.DOTALL)
    return re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", body)))


def ok(response: TestResponse) -> str:
    assert response.status_code == 200, (response.status_code, text(response)[:500])
    return response.get_data(as_text=True)


def reported(driver: Driver, grid: str = "XF-01", description: str = "楼道灯坏了，晚上很黑") -> Case:
    return driver.report(description, "公共设施", grid_code=grid, reporter_name="王阿姨", reporter_phone=PHONE)


def codes_in(html: str) -> set[str]:
    return set(re.findall(r'href="/audit/cases/([0-9]{6}-[0-9A-Z]{6})"', html))


def panel(html: str, seq: int) -> str:
    match = re.search(rf'<section class="panel step-panel" id="step-{seq}"(.*?)</section>', html, re.DOTALL)
    assert match, f"no panel for step {seq}"
    return match.group(0)


def shown_panels(html: str) -> list[str]:
    return [m.group(1) for m in re.finditer(r'<section class="panel step-panel" id="step-(\d+)"[^>]*?>', html)
            if "hidden" not in m.group(0)]


@pytest.fixture
def auditor(login_as: LoginAs) -> FlaskClient:
    return login_as("jiandu")


@pytest.fixture
def escalated(driver: Driver) -> Case:
    """A missed acceptance deadline (escalated by the sweep), extended, done, rated."""
    return driver.refresh(SCENARIOS["accept_deadline_missed_and_extended"][0](driver))


# -- the workspace and its search ----------------------------------------------------------------


def test_the_workspace_lists_cases_with_a_link_to_each_replay(driver: Driver, auditor: FlaskClient) -> None:
    cases = [reported(driver), reported(driver, "HP-01")]
    html = ok(auditor.get("/audit"))
    assert codes_in(html) == {c.tracking_code for c in cases}
    assert "核验整个数据库" in html and "尚未签名过检查点" in html


@pytest.fixture
def three(driver: Driver) -> dict[str, Case]:
    return {
        "spot": driver.refresh(SCENARIOS["resolved_on_the_spot"][0](driver)),
        "department": driver.refresh(SCENARIOS["waiting_for_department"][0](driver)),
        "heping": driver.refresh(driver.report("健身器材坏了", "公共设施", grid_code="HP-01")),
    }


@pytest.mark.parametrize(("query", "found"), [
    ("category=环境卫生", {"spot"}),
    ("grid=HP-01", {"heping"}),
    ("department=chengguan", {"department"}),
    ("status=closed", {"spot"}),
    ("status=open", {"department", "heping"}),
    ("outcome=resolved", {"spot"}),
    ("opened_from=2026-03-02&opened_to=2026-03-02", {"spot", "department", "heping"}),
    ("opened_from=2026-03-03", set()),
])
def test_the_search_filters(three: dict[str, Case], auditor: FlaskClient, query: str, found: set[str]) -> None:
    html = ok(auditor.get(f"/audit?{query}"))
    assert codes_in(html) == {three[name].tracking_code for name in found}


def test_the_search_finds_a_case_by_its_tracking_code(three: dict[str, Case], auditor: FlaskClient) -> None:
    code = three["heping"].tracking_code
    assert codes_in(ok(auditor.get(f"/audit?q={code.lower()}"))) == {code}


@pytest.mark.parametrize("query", ["opened_from=2026-03-05&opened_to=2026-03-01", "status=lost", "grid=NOPE",
                                   "opened_from=yesterday", "page=0"])
def test_bad_search_input_is_400_with_a_message(auditor: FlaskClient, query: str) -> None:
    response = auditor.get(f"/audit?{query}")
    assert response.status_code == 400
    assert "查询条件有误" in text(response)


# -- the replay view -----------------------------------------------------------------------------


def test_the_replay_lists_every_event_and_shows_the_last_step(escalated: Case, auditor: FlaskClient) -> None:
    html = ok(auditor.get(f"/audit/cases/{escalated.tracking_code}"))
    steps = re.findall(r'<a href="/audit/cases/[^"]+\?seq=(\d+)" data-seq', html)
    assert steps == [str(n) for n in range(1, escalated.last_seq + 1)]
    assert shown_panels(html) == [str(escalated.last_seq)]
    assert f'max="{escalated.last_seq}"' in html and f'value="{escalated.last_seq}"' in html


def test_seq_chooses_the_step_shown(escalated: Case, auditor: FlaskClient) -> None:
    html = ok(auditor.get(f"/audit/cases/{escalated.tracking_code}?seq=3"))
    assert shown_panels(html) == ["3"]
    assert 'value="3"' in html


def test_a_step_shows_who_acted_when_what_they_entered_and_the_work_items_then(
        escalated: Case, auditor: FlaskClient) -> None:
    html = ok(auditor.get(f"/audit/cases/{escalated.tracking_code}?seq=2"))
    step = text_of(panel(html, 2))
    for shown in ("第 2 步", "李网格员 完成了 分拨研判：直接派单", "2026-03-02 09:00:00", "分拨结果 直接派单",
                  "城管执法中队", "签收交办 职能部门 · 城管执法中队 未认领 待认领 2026-03-03 23:59"):
        assert shown in step, shown
    # What changed, in words: the form's label, the option's label, the department's name, local time.
    assert "分拨结果 设为 直接派单" in step
    assert "办结截止时间 设为 2026-03-05 23:59:59" in step  # Beijing time, not 15:59:59.999999+00:00
    assert "派单轮次 由 0 改为 1" in step
    assert "牵头部门 设为 城管执法中队" in step
    for internal in ("triage_decision", "accept_due", "chengguan", "task_completed", "+00:00", "T15:59"):
        assert internal not in step, internal


def text_of(fragment: str) -> str:
    return re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", fragment)))


def test_each_step_carries_its_diagram_markers(escalated: Case, auditor: FlaskClient) -> None:
    html = ok(auditor.get(f"/audit/cases/{escalated.tracking_code}"))

    def markers(seq: int, kind: str) -> list[str]:
        match = re.search(rf'data-{kind}="([^"]*)"', panel(html, seq))
        assert match
        return json.loads(html_lib.unescape(match.group(1)))

    assert "triage" in markers(1, "current") and "triage" not in markers(1, "completed")
    assert "triage" in markers(2, "completed") and "accept" in markers(2, "current")
    assert "deliberate" not in markers(escalated.last_seq, "completed")  # dispatched straight, no council
    assert markers(escalated.last_seq, "current") == []


def test_the_jump_links_go_to_the_first_escalation_and_the_first_rating(
        escalated: Case, service: CaseService, auditor: FlaskClient) -> None:
    events = service.events(escalated.id)
    escalation = next(e.seq for e in events if e.type == "escalated")
    rating = next(e.seq for e in events if e.type == "rating")
    html = ok(auditor.get(f"/audit/cases/{escalated.tracking_code}"))
    assert re.search(rf'data-seq="{escalation}" href="[^"]*seq={escalation}">跳到首次吹哨', html)
    assert re.search(rf'data-seq="{rating}" href="[^"]*seq={rating}">跳到首次评价', html)
    jumped = ok(auditor.get(f"/audit/cases/{escalated.tracking_code}?seq={escalation}"))
    assert "签收交办 超过时限未办，已上报街道督办" in text_of(panel(jumped, escalation))


def test_a_case_without_escalation_or_rating_says_so(driver: Driver, auditor: FlaskClient) -> None:
    html = text(auditor.get(f"/audit/cases/{reported(driver).tracking_code}"))
    assert "本案没有吹哨" in html and "本案尚无评价" in html


@pytest.mark.parametrize(("seq", "status"), [("abc", 400), ("-1", 400), ("99", 404)])
def test_a_bad_or_unknown_step_is_refused(escalated: Case, auditor: FlaskClient, seq: str, status: int) -> None:
    assert auditor.get(f"/audit/cases/{escalated.tracking_code}?seq={seq}").status_code == status


def test_an_unknown_case_is_404(auditor: FlaskClient) -> None:
    assert auditor.get("/audit/cases/000000-XXXXXX").status_code == 404


def test_the_replay_masks_the_reporter_in_free_text(driver: Driver, auditor: FlaskClient) -> None:
    case = reported(driver, description=f"楼道灯坏了，请联系我 {PHONE}，王阿姨")
    html = ok(auditor.get(f"/audit/cases/{case.tracking_code}"))
    assert PHONE not in html and "王阿姨" not in html
    assert "楼道灯坏了，请联系我 **，**" in html


def test_a_supervisor_may_replay_too(escalated: Case, login_as: LoginAs) -> None:
    ok(login_as("dudao").get(f"/audit/cases/{escalated.tracking_code}"))


def test_the_replay_page_in_english(escalated: Case, auditor: FlaskClient) -> None:
    auditor.post("/lang/en", data={"next": "/"})
    page = text(auditor.get(f"/audit/cases/{escalated.tracking_code}"))
    last = escalated.last_seq
    for shown in ("Jump to the first escalation", "Work items at that step", "Verify this case", f"Step {last} of {last}"):
        assert shown in page, shown


# -- integrity -----------------------------------------------------------------------------------


def test_checking_an_untouched_case_says_it_was_not_altered(escalated: Case, auditor: FlaskClient) -> None:
    page = text(auditor.post(f"/audit/cases/{escalated.tracking_code}/verify"))
    assert "核验通过：记录未被改动" in page
    assert f"事件 {escalated.last_seq}" in page


def test_checking_the_whole_database_shows_the_counts(
        escalated: Case, driver: Driver, auditor: FlaskClient) -> None:
    reported(driver)
    page = text(auditor.post("/audit/verify"))
    assert "核验通过" in page
    assert f"案件 2 事件 {escalated.last_seq + 1} 未通过的案件 0" in page


Tamper = Callable[[Database, CaseService, Case, FlaskClient], int]


def _edit_payload(db: Database, service: CaseService, case: Case, client: FlaskClient) -> int:
    seq = next(e.seq for e in service.events(case.id) if json.loads(e.payload).get("bpmn_id") == "on_site")
    tamper.edit_payload(db, case.id, seq, lambda p: p["data"].update(on_site_note="未到现场"))
    return seq


def _delete_event(db: Database, service: CaseService, case: Case, client: FlaskClient) -> int:
    tamper.delete_event(db, case.id, 4)
    return 4


def _swap_events(db: Database, service: CaseService, case: Case, client: FlaskClient) -> int:
    tamper.swap_seqs(db, case.id, 6, 7)
    return 6


def _rewrite_chain(db: Database, service: CaseService, case: Case, client: FlaskClient) -> int:
    assert client.post("/audit/checkpoints").status_code == 302
    seq = next(e.seq for e in service.events(case.id) if json.loads(e.payload).get("bpmn_id") == "rate")
    tamper.edit_payload(db, case.id, seq, lambda p: p["data"].update(rating="basically"))
    tamper.rechain(db, case.id)
    forged = service.replay(case.id).snapshot()
    tamper.edit_snapshot(db, case.id, lambda _old: forged or "")
    return seq  # the first event no longer as the Merkle log recorded it


@pytest.mark.parametrize(("tampering", "problem"), [
    (_edit_payload, "哈希不符"), (_delete_event, "序号不连续"), (_swap_events, "prev_hash"),
    (_rewrite_chain, "与 Merkle 日志不符"),
])
def test_each_kind_of_tampering_is_named_with_its_case_and_seq(
        db: Database, service: CaseService, escalated: Case, driver: Driver, auditor: FlaskClient,
        tampering: Tamper, problem: str) -> None:
    reported(driver)  # an untouched bystander
    seq = tampering(db, service, escalated, auditor)
    for page in (text(auditor.post(f"/audit/cases/{escalated.tracking_code}/verify")),
                 text(auditor.post("/audit/verify"))):
        assert "核验未通过" in page
        assert f"第一个问题：案件 {escalated.tracking_code} 第 {seq} 个事件：" in page
        assert problem in page
        assert "未通过的案件 1" in page


def test_the_checkpoint_button_signs_the_heads_and_says_so(
        escalated: Case, driver: Driver, auditor: FlaskClient) -> None:
    reported(driver)
    response = auditor.post("/audit/checkpoints", follow_redirects=True)
    assert "已签名检查点 #1：Merkle 日志的树头，共" in text(response)
    again = auditor.post("/audit/checkpoints", follow_redirects=True)
    assert "自检查点 #1 以来没有新的事件" in text(again)
    assert "最近一次签名检查点 #1" in text(auditor.get("/audit"))


# -- export --------------------------------------------------------------------------------------


def test_an_export_needs_a_reason(escalated: Case, auditor: FlaskClient) -> None:
    response = auditor.post(f"/audit/cases/{escalated.tracking_code}/export", data={"reason": " "})
    assert response.status_code == 400
    assert "必须填写理由" in text(response)
    assert "没有符合条件的记录" in text(auditor.get("/audit/access-log"))


def test_the_export_downloads_a_signed_bundle_that_verifies(
        app: Flask, escalated: Case, auditor: FlaskClient) -> None:
    response = auditor.post(f"/audit/cases/{escalated.tracking_code}/export", data={"reason": "区纪委抽查"})
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == f'attachment; filename="casegrid-{escalated.tracking_code}.json"'
    check = verify_bundle(response.data, app.extensions["casegrid.audit"].ring)
    assert check.ok, check.problems
    log = text(auditor.get("/audit/access-log"))
    assert f"第三方评估员 监督员 导出记录 {escalated.tracking_code} 完整签名记录 区纪委抽查" in log


def test_the_export_form_is_offered_on_the_replay(escalated: Case, auditor: FlaskClient) -> None:
    assert f'href="/audit/cases/{escalated.tracking_code}/export"' in ok(
        auditor.get(f"/audit/cases/{escalated.tracking_code}"))
    assert "导出会记入数据使用记录" in ok(auditor.get(f"/audit/cases/{escalated.tracking_code}/export"))


# -- masking, unmasking and the data-use log -------------------------------------------------------


def test_a_supervisor_sees_the_reporter_after_giving_a_reason_and_it_is_logged(
        driver: Driver, login_as: LoginAs) -> None:
    case = reported(driver)
    dudao = login_as("dudao")
    response = dudao.post(f"/audit/cases/{case.tracking_code}/unmask", data=REVISIT)
    page = text(response)
    assert response.status_code == 200
    assert "反映人 王阿姨 联系电话 13812345678" in page
    assert "本次查看已记入数据使用记录（第 1 条）" in page
    assert response.headers["Cache-Control"] == "no-store"
    assert PHONE not in ok(dudao.get(f"/cases/{case.tracking_code}")), "the case page stays masked"
    log = text(login_as("jiandu").get("/audit/access-log"))
    assert (f"刘书记（街道督办） 街道督办 查看敏感信息 {case.tracking_code} 反映人姓名、反映人电话 "
            f"回访核实办理结果：{REVISIT['detail']}") in log


@pytest.mark.parametrize(("purpose", "detail", "field"), [
    ("", REVISIT["detail"], "purpose"),                 # no purpose
    ("curiosity", REVISIT["detail"], "purpose"),        # not one of the list
    ("revisit", "", "detail"),
    ("revisit", "看看号码", "detail"),                   # four characters used to be enough
    ("revisit", "aaaaaaaaaaaaaaa", "detail"),           # filler
    ("revisit", "。。。。。。。。。。。。", "detail"),
    ("revisit", "x" * 401 + "yz12", "detail"),          # too long
])
def test_unmasking_without_a_listed_purpose_and_a_useful_detail_is_refused_and_nothing_is_logged(
        driver: Driver, login_as: LoginAs, purpose: str, detail: str, field: str) -> None:
    case = reported(driver)
    response = login_as("dudao").post(f"/audit/cases/{case.tracking_code}/unmask",
                                      data={"purpose": purpose, "detail": detail})
    assert response.status_code == 400
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert PHONE not in response.get_data(as_text=True)
    assert "没有符合条件的记录" in text(login_as("jiandu").get("/audit/access-log"))


def test_the_grid_worker_of_the_cases_grid_may_unmask(driver: Driver, login_as: LoginAs) -> None:
    case = reported(driver, "XF-01")
    response = login_as("wangge").post(f"/audit/cases/{case.tracking_code}/unmask", data=CONTACT)
    assert response.status_code == 200 and PHONE in response.get_data(as_text=True)


def test_a_grid_worker_of_another_grid_cannot_find_the_case(driver: Driver, login_as: LoginAs) -> None:
    case = reported(driver, "XF-01")
    wangge2 = login_as("wangge2")
    assert wangge2.get(f"/audit/cases/{case.tracking_code}/unmask").status_code == 404
    assert wangge2.post(f"/audit/cases/{case.tracking_code}/unmask", data=CONTACT).status_code == 404


@pytest.mark.parametrize("username", ["jiandu", "chengguan", "yishi", "tiaojie"])
def test_other_roles_see_personal_data_masked_only(driver: Driver, login_as: LoginAs, username: str) -> None:
    case = reported(driver)
    client = login_as(username)
    assert client.post(f"/audit/cases/{case.tracking_code}/unmask", data=CONTACT).status_code == 403


@pytest.mark.parametrize("username", ["wangge", "jiandu", "dudao", "yishi"])
def test_the_case_page_shows_the_reporter_masked_to_every_role(driver: Driver, login_as: LoginAs,
                                                             username: str) -> None:
    case = reported(driver)
    html = ok(login_as(username).get(f"/cases/{case.tracking_code}"))
    assert "138****5678" in html and PHONE not in html and "王阿姨" not in html


@pytest.mark.parametrize(("username", "offered"), [("dudao", True), ("wangge", True), ("jiandu", False),
                                                    ("yishi", False)])
def test_the_case_page_offers_unmasking_only_to_those_who_may(driver: Driver, login_as: LoginAs, username: str,
                                                             offered: bool) -> None:
    case = reported(driver, "XF-01")
    html = ok(login_as(username).get(f"/cases/{case.tracking_code}"))
    assert (f"/audit/cases/{case.tracking_code}/unmask" in html) is offered


def test_a_grid_worker_who_registered_a_case_in_another_grid_sees_it_masked_only(
        service: CaseService, login_as: LoginAs) -> None:
    wangge2 = Actor("wangge2", "grid_worker", None, "HP-01")
    case = service.open_case(Intake(description="路过幸福里看到井盖缺失", category="安全隐患", grid_code="XF-01",
                                    channel="grid_visit", reporter_name="王阿姨", reporter_phone=PHONE), wangge2)
    client = login_as("wangge2")
    html = ok(client.get(f"/cases/{case.tracking_code}"))
    assert "138****5678" in html and f"/audit/cases/{case.tracking_code}/unmask" not in html
    assert client.post(f"/audit/cases/{case.tracking_code}/unmask", data=CONTACT).status_code == 403


def test_grid_workers_and_departments_cannot_open_the_audit_workspace(
        escalated: Case, login_as: LoginAs) -> None:
    for username in ("wangge", "chengguan", "yishi", "tiaojie", "admin"):
        client = login_as(username)
        for url in ("/audit", f"/audit/cases/{escalated.tracking_code}", "/audit/access-log",
                    f"/audit/cases/{escalated.tracking_code}/export"):
            assert client.get(url).status_code == 403, (username, url)


def test_the_access_log_filters_by_user_case_and_kind(
        driver: Driver, escalated: Case, login_as: LoginAs, auditor: FlaskClient) -> None:
    case = reported(driver)
    login_as("dudao").post(f"/audit/cases/{case.tracking_code}/unmask", data=REVISIT)
    auditor.post(f"/audit/cases/{escalated.tracking_code}/export", data={"reason": "区纪委抽查"})
    assert "共 2 条记录" in text(auditor.get("/audit/access-log"))
    assert "共 1 条记录" in text(auditor.get("/audit/access-log?who=dudao"))
    by_case = text(auditor.get(f"/audit/access-log?code={escalated.tracking_code}"))
    assert "共 1 条记录" in by_case and "区纪委抽查" in by_case
    assert "回访核实办理结果" in text(auditor.get("/audit/access-log?kind=unmask"))
    assert auditor.get("/audit/access-log?kind=peek").status_code == 400


def test_an_unmask_form_without_its_csrf_token_is_refused(app: Flask, driver: Driver) -> None:
    case = reported(driver)
    client = app.test_client()
    app.config["WTF_CSRF_ENABLED"] = False
    client.post("/login", data={"username": "dudao", "password": "casegrid-demo"})
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post(f"/audit/cases/{case.tracking_code}/unmask", data=REVISIT)
    assert response.status_code == 400
    assert PHONE not in response.get_data(as_text=True)


def test_a_case_without_a_reporter_contact_has_nothing_to_unmask(driver: Driver, login_as: LoginAs) -> None:
    case = driver.report("楼道灯坏了", "公共设施")
    assert login_as("dudao").get(f"/audit/cases/{case.tracking_code}/unmask").status_code == 404
