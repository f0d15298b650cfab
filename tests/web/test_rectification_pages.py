"""The rectification pages (整改清单): the council lists what a joint meeting found, a grid worker reports the
rectification with its evidence, the auditor verifies it; the meeting's page and the list show where it
stands, overdue ones stand out, and a bad source or bad lines are refused with a clear message."""
from __future__ import annotations

import re

from flask.testing import FlaskClient

from engine.clock import FixedClock
from engine.db import Database
from tests.web.conftest import LoginAs


def text(response) -> str:  # type: ignore[no-untyped-def]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def _held_meeting(supervisor: FlaskClient, council: FlaskClient) -> int:
    response = supervisor.post("/joint", data={"community": "幸福里社区", "chair_username": "yishi",
                                               "cadence_months": "1", "remind_days": "7"})
    committee_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert council.post(f"/joint/{committee_id}/units", data={"name": "幸福里物业", "kind": "property",
                                                              "representative": "钱经理"}).status_code == 302
    response = council.post(f"/joint/{committee_id}/meetings", data={
        "title": "三月联席会议", "scheduled_for": "2026-03-02T19:00", "location": "党群服务中心"})
    meeting_id = int(response.headers["Location"].rsplit("/", 1)[1])
    unit = re.findall(r'name="present" value="(\d+)"', council.get(f"/joint/meetings/{meeting_id}").get_data(as_text=True))
    assert council.post(f"/joint/meetings/{meeting_id}/sitting", data={"present": unit[0]}).status_code == 302
    return meeting_id


def test_a_meetings_problem_goes_from_the_list_to_rectified(login_as: LoginAs, db: Database) -> None:
    supervisor, council, worker, auditor = login_as("dudao"), login_as("yishi"), login_as("wangge"), login_as("jiandu")
    meeting_id = _held_meeting(supervisor, council)
    link = f"/rectification/new?source=joint_meeting:{meeting_id}"
    assert link in council.get(f"/joint/meetings/{meeting_id}").get_data(as_text=True)

    refused = council.post(link, data={"items": "地下车库积水 | 幸福里物业"})
    assert refused.status_code == 400 and "第 1 行应为" in text(refused)
    assert council.post(link, data={"items": "地下车库积水 | 幸福里物业 | 2099-03-31"}).status_code == 302
    listed = text(council.get("/rectification"))
    assert "地下车库积水" in listed and "待整改" in listed
    item_id = int(re.findall(r"/rectification/(\d+)\"", council.get("/rectification").get_data(as_text=True))[0])
    assert "地下车库积水" in text(council.get(f"/joint/meetings/{meeting_id}"))

    assert auditor.post(f"/rectification/{item_id}/submit", data={"measures": "m", "evidence": "e"}).status_code == 403
    refused = worker.post(f"/rectification/{item_id}/submit", data={"measures": "", "evidence": ""})
    assert refused.status_code == 400 and "请填写整改措施" in text(refused)
    assert worker.post(f"/rectification/{item_id}/submit", data={
        "measures": "疏通排水沟", "evidence": "照片 ZP-01、ZP-02"}).status_code == 302
    assert "待核验" in text(auditor.get(f"/rectification/{item_id}"))
    refused = auditor.post(f"/rectification/{item_id}/verify", data={"decision": "return", "note": ""})
    assert refused.status_code == 400 and "退回时请说明理由" in text(refused)
    assert auditor.post(f"/rectification/{item_id}/verify", data={"decision": "accept", "note": "现场核验"}).status_code == 302
    shown = text(supervisor.get(f"/rectification/{item_id}"))
    assert "已整改" in shown and "疏通排水沟" in shown and "现场核验" in shown
    assert "已整改" in text(supervisor.get("/rectification?status=rectified"))


def test_an_unknown_source_is_not_found_and_overdue_items_stand_out(login_as: LoginAs, db: Database,
                                                                   clock: FixedClock) -> None:
    supervisor, council = login_as("dudao"), login_as("yishi")
    for ref in ("evaluation:999999", "joint_meeting:abc", "x", ""):
        assert council.get(f"/rectification/new?source={ref}").status_code == 404
    assert council.get("/rectification/999999").status_code == 404
    meeting_id = _held_meeting(supervisor, council)
    response = council.post(f"/rectification/new?source=joint_meeting:{meeting_id}",
                            data={"items": "楼道堆物 | 幸福里物业 | 2026-03-02"})
    assert response.status_code == 302, text(response)
    assert "待整改（逾期）" not in text(supervisor.get("/rectification"))  # due today
    clock.advance(days=1)
    assert "待整改（逾期）" in text(supervisor.get("/rectification?overdue=1"))
    assert supervisor.get("/rectification?status=<b>&community=<i>").status_code == 200


def test_an_assessments_findings_are_listed_from_its_page(login_as: LoginAs, db: Database, clock: FixedClock) -> None:
    from engine.assessments import AssessmentService

    run_id = AssessmentService(db, clock).assess("monthly", "2026-02", triggered_by="test")
    supervisor = login_as("dudao")
    link = f"/rectification/new?source=assessment:{run_id}"
    assert link in supervisor.get(f"/assessments/{run_id}").get_data(as_text=True)
    assert "2026-02 考核评估" in text(supervisor.get(link))
    response = supervisor.post(link, data={"items": "城管执法中队响应率连续两月低于 80% | 城管执法中队 | 2099-04-30"})
    assert response.status_code == 302, text(response)
    shown = text(supervisor.get("/rectification"))
    assert "响应率连续两月低于" in shown and "2026-02 考核评估" in shown


def test_the_rectification_list_reads_in_english(login_as: LoginAs) -> None:
    supervisor = login_as("dudao")
    supervisor.post("/lang/en", data={"next": "/"})
    page = text(supervisor.get("/rectification"))
    assert "Overdue only" in page and "只看逾期" not in page and "整改期限" not in page


def test_a_department_sees_and_reports_its_own_items_and_no_others(login_as: LoginAs) -> None:
    supervisor, council, department = login_as("dudao"), login_as("yishi"), login_as("chengguan")
    meeting_id = _held_meeting(supervisor, council)
    assert council.post(f"/rectification/new?source=joint_meeting:{meeting_id}", data={
        "items": "占道经营反弹 | 城管执法中队 | 2099-03-31\n地下车库积水 | 幸福里物业 | 2099-03-31"}).status_code == 302
    listed = department.get("/rectification").get_data(as_text=True)
    assert "占道经营反弹" in listed and "地下车库积水" not in listed
    ours = int(re.findall(r"/rectification/(\d+)\"", listed)[0])
    ids = {int(i) for i in re.findall(r"/rectification/(\d+)\"", council.get("/rectification").get_data(as_text=True))}
    [theirs] = ids - {ours}
    assert department.get(f"/rectification/{theirs}").status_code == 403
    assert department.post(f"/rectification/{theirs}/submit", data={"measures": "m", "evidence": "e"}).status_code == 403
    assert 'name="measures"' in department.get(f"/rectification/{ours}").get_data(as_text=True)
    assert department.post(f"/rectification/{ours}/submit", data={
        "measures": "联合执法清理", "evidence": "执法记录 ZF-11"}).status_code == 302
    assert "待核验" in text(supervisor.get(f"/rectification/{ours}"))
    assert department.post(f"/rectification/{ours}/verify", data={"decision": "accept", "note": ""}).status_code == 403
