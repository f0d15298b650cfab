"""The council's screens and the public voting pages, through HTTP."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask

from engine.council.meetings import ItemDecision
from engine.council.service import CouncilService
from engine.demo.council_scenarios import (
    CHAIR,
    MEMBERS,
    everyone,
    issue_at_council,
    seed_households,
)
from engine.demo.driver import Driver
from engine.people.actor import Actor
from tests.web.conftest import LoginAs


@pytest.fixture
def council(app: Flask) -> CouncilService:
    return app.extensions["casegrid.council"]


@pytest.fixture
def web_driver(app: Flask, clock) -> Driver:
    return Driver(app.extensions["casegrid.cases"], clock)


def _schedule(council: CouncilService, clock, members=MEMBERS[:3]):
    meeting_id = council.schedule_meeting(title="居民议事会", scheduled_for=clock.now() + timedelta(days=1),
                                          members=members, actor=CHAIR)
    return council.meeting(meeting_id, CHAIR)


def _sitting_form(page, decision: str = "adopt", **fields: str) -> dict:
    data = {"present": [str(m.id) for m in page.members], "minutes": "全体出席"}
    for a in page.agenda:
        k = f"item-{a.id}-"
        data[k + "decision"] = decision
        for m in page.members:
            data[f"{k}vote-{m.id}"] = "for"
        data.update({k + "responsible_department": "chengguan", k + "deadline": "2026-04-30",
                     k + "resolution_text": "施划禁停线"})
        data.update({k + name: value for name, value in fields.items()})
    return data


def _open_vote(web_driver, council, clock, households: int = 4):
    seed_households(council, buildings={"3号楼": households})
    issue_at_council(web_driver, "3号楼加装电梯")
    page = _schedule(council, clock)
    present = [m.id for m in page.members]
    result = council.record_sitting(page.id, present=present, decisions={page.agenda[0].id: ItemDecision(
        "household_vote", everyone(present, "for"), responsible_department="zhujian", deadline="2026-06-30",
        resolution_text="3号楼加装电梯一部", buildings=["3号楼"], vote_days=7)}, actor=CHAIR)
    [(vote_id, tokens)] = result.tokens.items()
    return vote_id, tokens


def test_the_council_sees_pending_issues_and_schedules_a_meeting(login_as: LoginAs, web_driver, clock) -> None:
    issue_at_council(web_driver, "东门路边乱停车")
    client = login_as("yishi")
    assert "东门路边乱停车" in client.get("/council").get_data(as_text=True)
    response = client.post("/council/meetings", data={"title": "三月议事会", "scheduled_for": "2026-03-05T19:00",
                                                      "location": "党群服务中心", "members": "张主任\n王委员\n李委员"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "三月议事会" in page and "东门路边乱停车" in page and "王委员" in page


def test_scheduling_without_members_shows_the_error_next_to_the_field(login_as: LoginAs, web_driver) -> None:
    issue_at_council(web_driver, "东门路边乱停车")
    response = login_as("yishi").post("/council/meetings", data={"title": "三月议事会",
                                                                 "scheduled_for": "2026-03-05T19:00", "members": ""})
    assert response.status_code == 400
    assert "请至少填写一名议事成员" in response.get_data(as_text=True)


def _adopt_one_and_defer_one(web_driver, council, clock):
    """Two issues at a meeting, and the sitting's form adopting the first and deferring the second."""
    first = issue_at_council(web_driver, "东门路边乱停车")
    second = issue_at_council(web_driver, "广场舞太吵")
    page = _schedule(council, clock)
    data = _sitting_form(page)
    data[f"item-{page.agenda[1].id}-decision"] = "defer"
    data[f"item-{page.agenda[1].id}-reason"] = "下次再议"
    return first, second, page, data


def test_the_chair_records_the_whole_sitting_in_one_go(login_as: LoginAs, web_driver, council, clock) -> None:
    first, second, page, data = _adopt_one_and_defer_one(web_driver, council, clock)
    client = login_as("yishi")
    response = client.post(f"/council/meetings/{page.id}", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    html = client.get(f"/council/meetings/{page.id}").get_data(as_text=True)
    assert "会议记录" in html and "赞成 3，反对 0，弃权 0" in html
    assert web_driver.open_ids(first) == ["accept"]
    assert web_driver.open_ids(second) == ["deliberate"]
    assert "上次会议暂缓" in client.get("/council").get_data(as_text=True)


def test_adopting_without_department_and_deadline_shows_both_field_errors(login_as: LoginAs, web_driver, council,
                                                                          clock) -> None:
    case = issue_at_council(web_driver, "东门路边乱停车")
    page = _schedule(council, clock)
    response = login_as("yishi").post(f"/council/meetings/{page.id}", data=_sitting_form(
        page, responsible_department="", deadline=""))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "通过的决议必须明确责任部门" in html and "通过的决议必须明确完成时限" in html
    assert "施划禁停线" in html  # what was typed is kept
    assert web_driver.open_ids(case) == ["deliberate"]


def test_a_sitting_without_quorum_is_refused(login_as: LoginAs, web_driver, council, clock) -> None:
    issue_at_council(web_driver, "东门路边乱停车")
    page = _schedule(council, clock)
    data = _sitting_form(page)
    data["present"] = data["present"][:1]
    response = login_as("yishi").post(f"/council/meetings/{page.id}", data=data)
    assert response.status_code == 400
    assert "会议不能作出决议" in response.get_data(as_text=True)


def test_the_sitting_sets_a_household_vote_at_three_quarters_and_the_ballot_says_so(login_as: LoginAs, client,
                                                                                    web_driver, council,
                                                                                    clock) -> None:
    seed_households(council, buildings={"3号楼": 4})
    issue_at_council(web_driver, "3号楼加装电梯")
    page = _schedule(council, clock)
    chair = login_as("yishi")
    assert 'value="3/4"' in chair.get(f"/council/meetings/{page.id}").get_data(as_text=True)
    data = _sitting_form(page, "household_vote", buildings="3号楼", vote_days="7", threshold="1/3",
                         responsible_department="zhujian", deadline="2026-06-30")
    refused = chair.post(f"/council/meetings/{page.id}", data=data)
    assert refused.status_code == 400 and "通过比例应为 2/3、3/4 之一" in refused.get_data(as_text=True)
    data[f"item-{page.agenda[0].id}-threshold"] = "3/4"
    assert chair.post(f"/council/meetings/{page.id}", data=data).status_code == 302
    [vote] = council.votes(CHAIR)
    assert "全部户数的 3/4" in chair.get(f"/council/votes/{vote.id}").get_data(as_text=True)
    grid_worker = Actor(username="wangge", role="grid_worker", grid_code="XF-01")
    token = council.reissue_token(vote.id, council.vote(vote.id, CHAIR).ballots[0].household_id, grid_worker)
    ballot = client.get(f"/vote/{token}").get_data(as_text=True)
    assert "四分之三" in ballot and "全部 4 户" in ballot


def test_the_deliberation_task_leads_to_the_sitting_and_refuses_a_major_matter_with_typed_totals(
        login_as: LoginAs, web_driver) -> None:
    case = issue_at_council(web_driver, "小区中心广场改造")
    item = web_driver.item(case, "deliberate")
    client = login_as("yishi")
    html = client.get(f"/inbox/tasks/{item.id}").get_data(as_text=True)
    assert "重大事项须在议事会会议上表决" in html and 'href="/council"' in html
    response = client.post(f"/inbox/tasks/{item.id}", data={
        "case_version": str(web_driver.refresh(case).version), "decision": "adopt", "major_matter": "y",
        "responsible_department": "zhujian", "deadline": "2026-04-30", "votes_for": "9", "votes_against": "0",
        "votes_abstain": "0"})
    assert response.status_code == 400
    assert "请在「议事会议」中安排会议" in response.get_data(as_text=True)
    assert web_driver.open_ids(case) == ["deliberate"]


def test_a_recorded_meeting_cannot_be_recorded_again(login_as: LoginAs, web_driver, council, clock) -> None:
    issue_at_council(web_driver, "东门路边乱停车")
    page = _schedule(council, clock)
    client = login_as("yishi")
    assert client.post(f"/council/meetings/{page.id}", data=_sitting_form(page)).status_code == 302
    assert client.post(f"/council/meetings/{page.id}", data=_sitting_form(page)).status_code == 409


def test_council_pages_are_the_councils(login_as: LoginAs, web_driver, council, clock) -> None:
    issue_at_council(web_driver, "东门路边乱停车")
    page = _schedule(council, clock)
    client = login_as("chengguan")
    assert client.get("/council").status_code == 403
    assert client.get(f"/council/meetings/{page.id}").status_code == 403
    assert login_as("yishi").get("/council/meetings/999999").status_code == 404


def test_a_resident_votes_once_through_the_link(client, web_driver, council, clock) -> None:
    _, tokens = _open_vote(web_driver, council, clock)
    token = next(iter(tokens.values()))
    page = client.get(f"/vote/{token}").get_data(as_text=True)
    assert "3号楼加装电梯一部" in page
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(f"/vote/{token}", data={"choice": "yes", "csrf_token": csrf})
    assert response.status_code == 200 and "投票成功" in response.get_data(as_text=True)
    again = client.post(f"/vote/{token}", data={"choice": "no", "csrf_token": csrf})
    assert again.status_code == 409
    assert "每户只能投一次" in again.get_data(as_text=True)


def test_the_voting_page_shows_nothing_about_other_households(client, web_driver, council, clock) -> None:
    _, tokens = _open_vote(web_driver, council, clock)
    [(_, mine), (_, other)] = list(tokens.items())[:2]
    council.cast_online(other, "no")
    page = client.get(f"/vote/{mine}").get_data(as_text=True)
    assert "101" in page  # this household's own room
    for room in ("102", "103", "104"):
        assert f"{room} 室" not in page
    assert "反对" in page  # the choice offered, never another household's count
    assert "已投票" not in page


def test_an_expired_window_refuses_the_vote(csrf_app, web_driver, council, clock) -> None:
    _, tokens = _open_vote(web_driver, council, clock)
    clock.advance(days=8)
    response = csrf_app.test_client().post(f"/vote/{next(iter(tokens.values()))}", data={"choice": "yes"})
    assert response.status_code == 409
    assert "投票已截止" in response.get_data(as_text=True)


def test_an_unknown_link_is_404(client) -> None:
    assert client.get("/vote/nonsense").status_code == 404


def test_a_bad_choice_is_400(csrf_app, web_driver, council, clock) -> None:
    _, tokens = _open_vote(web_driver, council, clock)
    response = csrf_app.test_client().post(f"/vote/{next(iter(tokens.values()))}", data={"choice": "maybe"})
    assert response.status_code == 400


def test_the_grid_worker_records_a_proxy_vote_under_their_name(login_as: LoginAs, web_driver, council,
                                                               clock) -> None:
    vote_id, tokens = _open_vote(web_driver, council, clock)
    household = next(iter(tokens))
    client = login_as("wangge")
    response = client.post(f"/council/votes/{vote_id}/households/{household}/proxy", data={"choice": "yes"})
    assert response.status_code == 302
    html = client.get(f"/council/votes/{vote_id}").get_data(as_text=True)
    assert "李网格员 代投" in html and "1 / 4 户" in html and "wangge" not in html
    again = client.post(f"/council/votes/{vote_id}/households/{household}/proxy", data={"choice": "no"})
    assert again.status_code == 409


def test_a_grid_worker_of_another_grid_cannot_vote_by_proxy(login_as: LoginAs, web_driver, council, clock) -> None:
    vote_id, tokens = _open_vote(web_driver, council, clock)
    response = login_as("wangge2").post(f"/council/votes/{vote_id}/households/{next(iter(tokens))}/proxy",
                                        data={"choice": "yes"})
    assert response.status_code == 403


def test_a_reissued_link_is_shown_once_and_works(login_as: LoginAs, csrf_app, web_driver, council, clock) -> None:
    vote_id, tokens = _open_vote(web_driver, council, clock)
    household = next(iter(tokens))
    html = login_as("wangge").post(f"/council/votes/{vote_id}/households/{household}/link").get_data(as_text=True)
    link = re.search(r'<code class="vote-link">[^<]*/vote/([^<]+)</code>', html).group(1)
    response = csrf_app.test_client().post(f"/vote/{link}", data={"choice": "yes"})
    assert response.status_code == 200


def test_the_result_is_published_with_counts_only(client, login_as: LoginAs, web_driver, council, clock) -> None:
    vote_id, tokens = _open_vote(web_driver, council, clock)
    assert client.get(f"/vote/result/{vote_id}").status_code == 404  # not before the window closes
    for token, choice in zip(tokens.values(), ["yes", "yes", "yes", "no"]):
        council.cast_online(token, choice)
    html = client.get(f"/vote/result/{vote_id}").get_data(as_text=True)
    assert "表决通过" in html
    for name in ("先生/女士",):
        assert name not in html  # no household is named
    staff = login_as("yishi").get(f"/council/votes/{vote_id}").get_data(as_text=True)
    assert "计票结果（已公示）" in staff


def test_the_council_closes_a_due_vote_from_its_page(login_as: LoginAs, web_driver, council, clock) -> None:
    vote_id, _ = _open_vote(web_driver, council, clock)
    client = login_as("yishi")
    assert client.post(f"/council/votes/{vote_id}/close").status_code == 409  # window still open
    clock.advance(days=7)
    assert client.post(f"/council/votes/{vote_id}/close").status_code == 302
    assert "表决未通过" in client.get(f"/council/votes/{vote_id}").get_data(as_text=True)


def test_every_message_has_an_english_translation() -> None:
    from pathlib import Path

    from babel.messages.pofile import read_po

    import web.council
    package = Path(web.council.__file__).parent
    with (package / "translations/en/LC_MESSAGES/messages.po").open("rb") as po:
        catalogue = {m.id: m.string for m in read_po(po) if m.id}
    used = set()
    for path in package.rglob("*"):
        if path.suffix in (".html", ".py"):
            used |= {a or b for a, b in re.findall(r"_l?\(\s*'([^']*)'|_l?\(\s*\"([^\"]*)\"", path.read_text())}
    assert sorted(m for m in used if not catalogue.get(m)) == []


def test_the_council_page_speaks_english(login_as: LoginAs, web_driver) -> None:
    issue_at_council(web_driver, "东门路边乱停车")
    client = login_as("yishi")
    client.post("/lang/en")
    html = client.get("/council").get_data(as_text=True)
    assert "Pending issues" in html and "Schedule a meeting" in html


def test_garbage_in_the_sitting_form_is_400_not_500(login_as: LoginAs, web_driver, council, clock) -> None:
    issue_at_council(web_driver, "东门路边乱停车")
    page = _schedule(council, clock)
    client = login_as("yishi")
    k = f"item-{page.agenda[0].id}-"
    for bad in ({k + "decision": "maybe"}, {k + "deadline": "tomorrow"}, {k + "vote_days": "abc"},
                {"present": ["x", "999999"]}, {k + f"vote-{page.members[0].id}": "perhaps"},
                {k + "decision": "household_vote", k + "buildings": "99号楼"}):
        data = {**_sitting_form(page), **bad}
        response = client.post(f"/council/meetings/{page.id}", data=data)
        assert response.status_code == 400, bad


def test_the_case_page_of_a_voted_issue_shows(login_as: LoginAs, web_driver, council, clock) -> None:
    vote_id, tokens = _open_vote(web_driver, council, clock)
    for token in tokens.values():
        council.cast_online(token, "yes")
    code = council.vote(vote_id, CHAIR).tracking_code
    assert login_as("yishi").get(f"/cases/{code}").status_code == 200


def test_the_case_page_shows_the_households_votes_as_one_line_without_choices(login_as: LoginAs, web_driver,
                                                                             council, clock) -> None:
    vote_id, tokens = _open_vote(web_driver, council, clock, households=5)
    for token, choice in zip(tokens.values(), ["yes", "yes", "yes", "yes", "no"]):
        council.cast_online(token, choice)
    code = council.vote(vote_id, CHAIR).tracking_code
    html = login_as("yishi").get(f"/cases/{code}").get_data(as_text=True)
    assert html.count("event-household_vote_cast") == 1
    assert "5 户投票" in html
    assert "户主表决计票：同意 4 户，反对 1 户" in html


def test_the_public_tracking_page_shows_the_tally_and_links_the_published_result(client, web_driver, council,
                                                                                clock) -> None:
    vote_id, tokens = _open_vote(web_driver, council, clock, households=3)
    for token in tokens.values():
        council.cast_online(token, "yes")
    code = council.vote(vote_id, CHAIR).tracking_code
    html = client.get(f"/track/{code}").get_data(as_text=True)
    assert "议事会决定提交户主表决（涉及 3 户" in html
    assert "户主表决通过（同意 3 户" in html
    assert f"/vote/result/{vote_id}" in html


def test_a_grid_worker_registers_households_on_the_register_page(login_as: LoginAs) -> None:
    client = login_as("wangge")
    response = client.post("/council/households", data={"grid": "XF-01", "households": "8号楼,101,张建国\n8号楼,102,李秀英"})
    assert response.status_code == 302
    html = client.get("/council/households").get_data(as_text=True)
    assert "8号楼" in html and "已登记 2 户" in html


def test_a_bad_register_line_is_shown_next_to_the_field(login_as: LoginAs) -> None:
    response = login_as("wangge").post("/council/households", data={"grid": "XF-01", "households": "8号楼 101"})
    assert response.status_code == 400
    assert "第 1 行应为" in response.get_data(as_text=True)


def _files(*items: tuple[bytes, str]) -> list:
    import io
    return [(io.BytesIO(data), name) for data, name in items]


def _evidence_files(app: Flask) -> list:
    from pathlib import Path
    return [p for p in Path(app.extensions["casegrid.evidence"].store.root).rglob("*") if p.is_file()]


def test_the_minutes_scan_and_photo_are_recorded_with_the_sitting_and_shown_on_it_and_its_cases(
        login_as: LoginAs, csrf_app: Flask, web_driver, council, clock) -> None:
    from tests.fixtures import photos
    first, second, page, data = _adopt_one_and_defer_one(web_driver, council, clock)
    data["minutes_files"] = _files((photos.pdf(), "纪要.pdf"), (photos.heic(gps=True), "IMG_0003.HEIC"))
    client = login_as("yishi")
    form = client.get(f"/council/meetings/{page.id}").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in form and 'name="minutes_files"' in form
    response = client.post(f"/council/meetings/{page.id}", data=data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    html = client.get(f"/council/meetings/{page.id}").get_data(as_text=True)
    assert "会议纪要文件" in html and "（PDF）" in html
    originals = re.findall(r'/cases/(\d{6}-[A-Z0-9]{6})/files/([0-9a-f]{64})/original', html)
    assert len(originals) == 2 and {code for code, _ in originals} == {first.tracking_code}
    thumbs = re.findall(r'/cases/[^"]+/thumb', html)
    assert len(thumbs) == 1  # the photo; the PDF has none
    thumb = client.get(thumbs[0])
    thumb.get_data()
    thumb.close()
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"
    for case in (first, second):  # both decided at the sitting (adopted, deferred): both carry the minutes
        case_page = client.get(f"/cases/{case.tracking_code}").get_data(as_text=True)
        assert case_page.count("会议记录 · ") == 2
        assert all(sha in case_page for _, sha in originals)
    # a grid worker may open the case but not the council's pages; the public never sees the minutes
    assert login_as("wangge").get(f"/council/meetings/{page.id}").status_code == 403
    assert "/photos/" not in csrf_app.test_client().get(f"/track/{first.tracking_code}").get_data(as_text=True)


def test_minutes_added_after_the_sitting_and_a_hostile_file_refused_with_nothing_kept(
        login_as: LoginAs, csrf_app: Flask, web_driver, council, clock) -> None:
    from tests.fixtures import photos
    case = issue_at_council(web_driver, "东门路边乱停车")
    page = _schedule(council, clock)
    client = login_as("yishi")
    # a hostile file with the sitting: nothing recorded, nothing kept, the message next to the field
    data = _sitting_form(page)
    data["minutes_files"] = _files((photos.heic_bomb(), "bomb.heic"))
    refused = client.post(f"/council/meetings/{page.id}", data=data, content_type="multipart/form-data")
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "bomb.heic" in text and "像素过多" in text and "重新选择" in text
    assert 'id="minutes_files-error"' in text
    assert council.meeting(page.id, CHAIR).status == "scheduled" and _evidence_files(csrf_app) == []
    assert client.post(f"/council/meetings/{page.id}", data=_sitting_form(page)).status_code == 302
    held = client.get(f"/council/meetings/{page.id}").get_data(as_text=True)
    assert f'action="/council/meetings/{page.id}/minutes"' in held
    url = f"/council/meetings/{page.id}/minutes"
    for bad, name, message in ((photos.renamed_program(), "scan.pdf", "程序或压缩包"),
                               (photos.pdf(b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >>"), "x.pdf", "脚本"),
                               (photos.heic(size=(400, 300))[:-200], "cut.heic", "不是完整的照片")):
        answer = client.post(url, data={"minutes_files": _files((bad, name))}, content_type="multipart/form-data")
        text = answer.get_data(as_text=True)
        assert answer.status_code == 400 and name in text and message in text, text
    empty = client.post(url, data={}, content_type="multipart/form-data")
    assert empty.status_code == 400 and "请选择会议纪要" in empty.get_data(as_text=True)
    assert _evidence_files(csrf_app) == []
    added = client.post(url, data={"minutes_files": _files((photos.pdf(), "signed.pdf"))},
                        content_type="multipart/form-data")
    assert added.status_code == 302
    assert "会议纪要已附加到本次会议议定的 1 件案件" in client.get(added.headers["Location"]).get_data(as_text=True)
    assert "会议记录 · " in client.get(f"/cases/{case.tracking_code}").get_data(as_text=True)
    # others may not post minutes; a meeting that is not there is 404; one not yet held is 409
    assert login_as("wangge").post(url, data={}).status_code == 403
    assert client.post("/council/meetings/999999/minutes", data={}).status_code == 404
    issue_at_council(web_driver, "广场舞太吵")
    later = _schedule(council, clock)
    kept = len(_evidence_files(csrf_app))
    assert client.post(f"/council/meetings/{later.id}/minutes",
                       data={"minutes_files": _files((photos.pdf(b"/Title (early)"), "early.pdf"))},
                       content_type="multipart/form-data").status_code == 409
    assert len(_evidence_files(csrf_app)) == kept
