"""The joint-meeting pages: the street office sets a committee up, the council registers member units,
schedules and records a sitting (attendance per unit, resolutions), only the committee's chair approves the
minutes, which then appear on the community's notice board without the representatives' names."""
from __future__ import annotations

import re

from flask.testing import FlaskClient

from engine.db import Database
from engine.demo.organisation import add_demo_user
from tests.web.conftest import LoginAs


def text(response) -> str:  # type: ignore[no-untyped-def]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def _location_id(response, pattern: str) -> int:  # type: ignore[no-untyped-def]
    assert response.status_code == 302, response.get_data(as_text=True)
    match = re.search(pattern, response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def _committee(supervisor: FlaskClient, council: FlaskClient) -> int:
    committee_id = _location_id(supervisor.post("/joint", data={
        "community": "幸福里社区", "chair_username": "yishi", "cadence_months": "1", "remind_days": "7"}),
        r"/joint/(\d+)$")
    for name, kind, rep in (("城管中队", "department", "王队长"), ("幸福里物业", "property", "钱经理")):
        response = council.post(f"/joint/{committee_id}/units", data={"name": name, "kind": kind, "representative": rep})
        assert response.status_code == 302
    return committee_id


def test_a_sitting_goes_from_the_schedule_to_the_published_minutes(login_as: LoginAs, db: Database) -> None:
    supervisor, council = login_as("dudao"), login_as("yishi")
    committee_id = _committee(supervisor, council)
    meeting_id = _location_id(council.post(f"/joint/{committee_id}/meetings", data={
        "title": "十二月联席会议", "scheduled_for": "2026-03-02T19:00", "location": "党群服务中心"}),
        r"/joint/meetings/(\d+)$")
    page = council.get(f"/joint/meetings/{meeting_id}").get_data(as_text=True)
    unit_ids = re.findall(r'name="present" value="(\d+)"', page)
    assert len(unit_ids) == 2

    refused = council.post(f"/joint/meetings/{meeting_id}/sitting", data={
        "present": unit_ids[0], "resolutions": "巡查 | 不存在的单位 | 2026-04-01"})
    assert refused.status_code == 400 and "不是本联席会议的成员单位" in text(refused)

    recorded = council.post(f"/joint/meetings/{meeting_id}/sitting", data={
        "present": unit_ids[0], f"attendee-{unit_ids[0]}": "李副队长",
        "resolutions": "每周联合巡查一次 | 城管中队 | 2026-04-30", "minutes": "李副队长通报东门停车情况。"})
    assert recorded.status_code == 302
    shown = text(council.get(f"/joint/meetings/{meeting_id}"))
    compact = shown.replace(" ", "")
    assert "城管中队：出席（李副队长）" in compact and "幸福里物业：缺席" in compact and "每周联合巡查一次" in shown

    assert "联席会议纪要" in text(supervisor.get("/board/幸福里社区")) and "十二月联席会议" not in text(
        supervisor.get("/board/幸福里社区"))  # a draft is not on the board
    assert supervisor.post(f"/joint/meetings/{meeting_id}/approve").status_code == 403  # the role
    with db.transaction() as s:
        add_demo_user(s, "yishi2", "另一位议事会成员", "council")
    other = login_as("yishi2")
    assert other.post(f"/joint/meetings/{meeting_id}/approve").status_code == 403  # not this committee's chair
    assert council.post(f"/joint/meetings/{meeting_id}/approve").status_code == 302
    board = text(supervisor.get("/board/幸福里社区"))
    assert "十二月联席会议" in board and "通报东门停车情况" in board and "城管中队" in board
    assert "李副队长" not in board and "王队长" not in board and "钱经理" not in board
    assert "十二月联席会议" in supervisor.get("/board/幸福里社区/feed.atom").get_data(as_text=True)


def test_pages_of_committees_and_meetings_that_do_not_exist_are_404(login_as: LoginAs) -> None:
    council = login_as("yishi")
    assert council.get("/joint/999999").status_code == 404
    assert council.get("/joint/meetings/999999").status_code == 404
    assert council.post("/joint/resolutions/999999/done").status_code == 404
    assert council.post("/joint/meetings/999999/sitting", data={"present": "1"}).status_code == 404


def test_the_street_office_changes_the_cadence_and_bad_values_come_back_next_to_their_fields(
        login_as: LoginAs) -> None:
    supervisor, council = login_as("dudao"), login_as("yishi")
    committee_id = _committee(supervisor, council)
    refused = supervisor.post(f"/joint/{committee_id}/cadence",
                              data={"chair_username": "dudao", "cadence_months": "0", "remind_days": "7"})
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert 'id="cadence_months-error"' in html
    saved = supervisor.post(f"/joint/{committee_id}/cadence",
                            data={"chair_username": "yishi", "cadence_months": "2", "remind_days": "5"})
    assert saved.status_code == 302
    assert "每 2 个月至少召开 1 次" in text(council.get(f"/joint/{committee_id}"))


def test_the_joint_meeting_pages_read_in_english(login_as: LoginAs) -> None:
    supervisor, council = login_as("dudao"), login_as("yishi")
    committee_id = _committee(supervisor, council)
    council.post("/lang/en", data={"next": "/"})
    index, committee = text(council.get("/joint")), text(council.get(f"/joint/{committee_id}"))
    assert "Schedule" in index and "召开周期" not in index
    assert "Member units" in committee and "Property management company" in committee  # the unit-kind choice
    assert "成员单位" not in committee and "物业服务企业" not in committee
