"""The community notice board (公示栏): public, phone-first, printable with a QR code, with an Atom feed.
Each kind of published item appears; what is not published (an open vote, a project not yet approved, a
deferral) does not; personal data and tracking codes never do; hostile names and hashes are 404s."""
from __future__ import annotations

import io
import re
from datetime import timedelta
from urllib.parse import quote

import pytest
import segno
from flask import Flask
from flask.testing import FlaskClient
from lxml import etree

from engine.assessments.service import AssessmentService
from engine.cases.models import Case
from engine.clock import FixedClock
from engine.council.service import CouncilService
from engine.db import Database
from engine.demo import project_scenarios as ps
from engine.demo import scenarios as sc
from engine.demo.driver import Driver
from engine.evidence.operations import attach
from engine.people.actor import Actor
from engine.projects.service import ProjectService
from tests.fixtures.photos import photo

COMMUNITY = "幸福里社区"
BOARD = f"/board/{COMMUNITY}"
PHONE = "13912345678"


def text(response) -> str:  # type: ignore[no-untyped-def]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


@pytest.fixture
def published(app: Flask, driver: Driver, db: Database, clock: FixedClock) -> dict[str, Case]:
    """A closed issue with a completion photo, an adopted and a rejected resolution, approved projects, a
    pending one, and the month's stored assessment."""
    done = driver.report("3号楼门口路灯坏了", "公共设施", reporter_name="张三丰", reporter_phone=PHONE)
    sc._dispatch(driver, done)
    sc._work_done(driver, done)
    driver.do(done, "rate", rating="satisfied")
    evidence = app.extensions["casegrid.evidence"]
    stored = evidence.receive(io.BytesIO(photo()))
    with db.transaction() as s:
        case = s.get(Case, done.id)
        assert case is not None
        attach(s, case, [stored.sha256], purpose="completion", actor=Actor("chengguan", "department"), at=clock.now())
    rejected = sc.rejected_with_reason(driver)
    adopted = sc.adopted_assigned_and_satisfied(driver)
    projects = ProjectService(db, clock)
    good, bad = ps.run_project_demo(driver, CouncilService(db, clock), projects)
    pending = ps.propose(projects, "楼道微更新（待立项）", "CO-001")
    AssessmentService(db, clock).assess("monthly", "2026-03")  # the month the issues were handled in
    return {"done": done, "rejected": rejected, "adopted": adopted, "good": good, "bad": bad, "pending": pending}


def test_the_board_shows_each_kind_of_published_item_without_login(client: FlaskClient,
                                                                    published: dict[str, Case]) -> None:
    response = client.get(BOARD)
    assert response.status_code == 200
    page = text(response)
    assert "场地和资金条件不具备" in page  # a rejected proposal with its reason
    assert "同意交办处理" in page  # an adopted one
    assert "幸福里长者助餐点" in page and "40,000.00" in page and "13,800.00" in page  # a project's money
    assert "安康上门探访服务" in page and "已退出" in page
    assert "三率与满意度（2026-03）" in page and re.search(r"满意率 \d+\.\d%", page)
    assert "已维修完毕" in page  # a closed issue's published completion report
    assert "楼道微更新（待立项）" not in page  # not approved: not published
    for case in published.values():
        assert case.tracking_code not in page  # a code opens the case's own page: never on the board
    assert "张三丰" not in page and PHONE not in page


def test_the_completion_photo_is_served_as_its_public_copy_only(client: FlaskClient, app: Flask,
                                                                published: dict[str, Case]) -> None:
    html = client.get(BOARD).get_data(as_text=True)
    links = re.findall(r'/board/[^"]+/photos/([0-9a-f]{64})', html)
    assert links, "the board shows the completion photo"
    for sha in set(links):
        response = client.get(f"{BOARD}/photos/{sha}")
        data = response.data
        response.close()
        assert response.status_code == 200 and response.mimetype == "image/jpeg"
        assert b"Exif" not in data[:200]


def test_the_feed_is_atom_with_an_entry_per_item(client: FlaskClient, published: dict[str, Case]) -> None:
    response = client.get(f"{BOARD}/feed.atom")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    feed = etree.fromstring(response.data)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    titles = [t.text or "" for t in feed.findall("a:entry/a:title", ns)]
    assert any("幸福里长者助餐点" in t for t in titles) and any(t.startswith("未采纳") for t in titles)
    assert len(feed.findall("a:entry", ns)) == len(titles) >= 5
    assert PHONE not in response.get_data(as_text=True)


def test_the_qr_code_is_the_board_address(client: FlaskClient, published: dict[str, Case]) -> None:
    response = client.get(f"{BOARD}/qr.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    svg = etree.fromstring(response.data)
    assert svg.tag.endswith("svg")
    out = io.BytesIO()
    segno.make(f"http://localhost/board/{quote(COMMUNITY)}", error="m").save(out, kind="svg", scale=8, border=2, xmldecl=False,
                                                            title=f"{COMMUNITY} 公示栏")
    assert response.data == out.getvalue()
    assert 'src="/board/' in client.get(BOARD).get_data(as_text=True)


def test_the_poster_prints_on_a3(client: FlaskClient) -> None:
    response = client.get("/static/css/board.css")
    css = response.get_data(as_text=True)
    response.close()
    assert re.search(r"@page\s*\{\s*size:\s*A3", css)


def test_an_open_vote_and_a_deferral_stay_off_the_board(client: FlaskClient, driver: Driver, db: Database,
                                                        clock: FixedClock) -> None:
    from engine.demo.council_scenarios import CHAIR, everyone, issue_at_council, seed_households
    from engine.council.meetings import ItemDecision
    council = CouncilService(db, clock)
    seed_households(council)
    lift = issue_at_council(driver, "3号楼加装电梯征求意见")
    noise = issue_at_council(driver, "广场舞噪音暂缓讨论")
    meeting = council.schedule_meeting(title="议事会", scheduled_for=clock.now() + timedelta(days=1),
                                       members=["甲", "乙", "丙"], actor=CHAIR, case_ids=[lift.id, noise.id])
    page = council.meeting(meeting, CHAIR)
    present = [m.id for m in page.members]
    by_case = {a.case_id: a.id for a in page.agenda}
    council.record_sitting(meeting, present=present, decisions={
        by_case[lift.id]: ItemDecision("household_vote", everyone(present, "for"), major_matter=True,
                                       responsible_department="zhujian",
                                       deadline=(clock.now() + timedelta(days=60)).date().isoformat(),
                                       resolution_text="加装电梯方案（表决中）", buildings=["3号楼"], vote_days=7),
        by_case[noise.id]: ItemDecision("defer", everyone(present, "for"), reason="暂缓理由不应公示为决议"),
    }, actor=CHAIR)
    board = text(client.get(BOARD))
    assert "加装电梯方案（表决中）" not in board and "暂缓理由不应公示为决议" not in board


@pytest.mark.parametrize("path", [
    "/board/不存在的社区", "/board/%3Cscript%3Ealert(1)%3C%2Fscript%3E", "/board/" + "社" * 300,
    "/board/' OR 1=1 --", "/board/不存在的社区/feed.atom", "/board/不存在的社区/qr.svg",
    f"{BOARD}/photos/{'0' * 64}", f"{BOARD}/photos/..%2F..%2Fetc%2Fpasswd", f"{BOARD}/photos/{'g' * 64}",
    f"{BOARD}/photos/{'A' * 64}",
])
def test_hostile_board_addresses_are_404(path: str, client: FlaskClient) -> None:
    assert client.get(path).status_code == 404


def test_a_photo_of_another_communitys_case_is_not_served(client: FlaskClient, app: Flask,
                                                          published: dict[str, Case]) -> None:
    html = client.get(BOARD).get_data(as_text=True)
    sha = re.findall(r'/photos/([0-9a-f]{64})', html)[0]
    assert client.get(f"/board/阳光社区/photos/{sha}").status_code == 404


def _board_queries(db: Database, clock: FixedClock) -> int:
    from sqlalchemy import event

    from engine.public.service import PublicService
    seen: list[str] = []

    def count(*_args: object) -> None:
        seen.append("q")

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        PublicService(db, clock).notice_board(COMMUNITY)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(seen)


def test_the_board_reads_a_fixed_number_of_queries_however_many_cases_it_shows(
        driver: Driver, db: Database, clock: FixedClock) -> None:
    """Not two per shown case: 100 000 closed cases must not mean 40 more round trips per page (bench/)."""
    for _ in range(2):
        sc.resolved_on_the_spot(driver)
    rejected = sc.rejected_with_reason(driver)
    assert rejected.id
    few = _board_queries(db, clock)
    for _ in range(6):
        sc.resolved_on_the_spot(driver)
        sc.rejected_with_reason(driver)
    assert _board_queries(db, clock) == few
