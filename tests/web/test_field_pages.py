"""The field pages (issue 23): a grid worker records a visit with a photo through the form, turns a need into a
case from the visit's page, and nobody of another grid reaches any of it."""
from __future__ import annotations

import io
import re

import pytest
from flask import Flask

from engine.field.service import FieldService
from engine.field.visits import MeetingInput, VisitInput
from tests.fixtures import photos
from tests.fixtures.field import GRID_WORKER, SUPERVISOR, register
from tests.fixtures.passwords import cheap_password_hashes  # noqa: F401
from tests.web.conftest import LoginAs
from web.access import ACCESS_ATTR

pytestmark = pytest.mark.usefixtures("cheap_password_hashes")


@pytest.fixture
def field(app: Flask) -> FieldService:
    return app.extensions["casegrid.field"]


def test_a_visit_with_a_photo_is_recorded_through_the_form_and_a_need_becomes_a_case(
        field: FieldService, login_as: LoginAs) -> None:
    [home] = register(field, "XF-01", "3号楼,101,张建国")
    field.set_flags(home, ["独居老人"], GRID_WORKER)
    field.create_plan(name="独居老人每月2次", flag="独居老人", per_month=2, grid_code=None, actor=SUPERVISOR)
    wangge = login_as("wangge")
    inbox = wangge.get("/inbox").get_data(as_text=True)
    assert "待走访 2" in inbox and "3号楼 101" in inbox  # due visits beside the grid worker's tasks
    today = wangge.get("/field").get_data(as_text=True)
    assert "3号楼 101" in today and "2026-03-16" in today  # the due visit, by a working day
    posted = wangge.post("/field/visits/new", content_type="multipart/form-data", data={
        "household_id": str(home), "visited_on": "2026-03-02", "met": "户主本人", "notes": "身体尚可",
        "needs": "楼道灯坏了\n想申请助餐", "photos": (io.BytesIO(photos.photo(gps=True)), "door.jpg")})
    assert posted.status_code == 302, posted.get_data(as_text=True)
    page = wangge.get(posted.location).get_data(as_text=True)
    assert "楼道灯坏了" in page and "/photos/" in page and "按时" in page
    thumb = re.search(r'src="(/field/visits/\d+/photos/[0-9a-f]+/thumb)"', page).group(1)
    shown = wangge.get(thumb)
    assert shown.mimetype == "image/jpeg" and shown.get_data()[:2] == b"\xff\xd8"
    shown.close()
    need = re.search(r'action="/field/needs/(\d+)/case"', page).group(1)
    made = wangge.post(f"/field/needs/{need}/case", data={"category": "公共设施", "back": posted.location})
    code = made.location.rsplit("/", 1)[-1]
    assert re.fullmatch(r"\d{6}-[A-Z0-9]{6}", code)
    assert code in wangge.get(posted.location).get_data(as_text=True)
    assert "由入户走访或恳谈会发现" in wangge.get(f"/cases/{code}").get_data(as_text=True)
    due = wangge.get("/field").get_data(as_text=True).split("民情日志")[0]
    assert "2026-03-31" in due and "2026-03-16" not in due  # the visit fulfilled the first due visit


def test_a_refused_visit_names_the_field_and_stores_nothing(field: FieldService, login_as: LoginAs) -> None:
    [home] = register(field, "XF-01", "3号楼,101,张建国")
    wangge = login_as("wangge")
    refused = wangge.post("/field/visits/new", data={"household_id": str(home), "visited_on": "2026-03-09",
                                                     "met": "户主本人"})
    assert refused.status_code == 400 and "不能晚于今天" in refused.get_data(as_text=True)
    assert field.recent_visits(GRID_WORKER) == []


def _object_urls(app: Flask, ids: dict[str, int]) -> list[tuple[str, str]]:
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/field/") or not rule.arguments & set(ids):
            continue
        url = rule.rule
        for name, value in ids.items():
            url = url.replace(f"<int:{name}>", str(value))
        url = url.replace("<sha256>", "0" * 64).replace("<any(thumb,original):variant>", "thumb")
        found += [(m, url) for m in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return found


def test_a_grid_worker_of_another_grid_gets_nothing_of_a_household_its_visits_needs_or_meetings(
        app: Flask, field: FieldService, login_as: LoginAs) -> None:
    [home] = register(field, "XF-01", "3号楼,101,张建国")
    visit, _ = field.record_visit(VisitInput(home, "2026-03-02", "户主本人", needs=["楼道灯坏了"]), GRID_WORKER)
    need = field.visit(visit, GRID_WORKER).needs[0].need_id
    meeting = field.record_meeting(MeetingInput("2026-03-01", "恳谈会", "活动室", 5), GRID_WORKER)
    field.add_note(home, text="患病需每日服药", sensitive=True, actor=GRID_WORKER)
    note = field.household_file(home, GRID_WORKER).notes[0].note_id
    ids = {"household_id": home, "visit_id": visit, "need_id": need, "meeting_id": meeting, "note_id": note}
    urls = _object_urls(app, ids)
    assert len(urls) >= 6
    owner, outsider = login_as("wangge"), login_as("wangge2")
    for method, url in urls:
        if method == "GET" and "/photos/" not in url:
            assert owner.get(url).status_code == 200, url
        answer = outsider.open(url, method=method, data={"category": "公共设施", "flags": ["dibao"], "name": "李四",
                                                         "relation": "其他", "text": "备注", "reason": "核实情况需要"})
        assert answer.status_code in (403, 404), (method, url, answer.status_code)
    assert field.visit(visit, GRID_WORKER).needs[0].tracking_code is None
    assert field.household(home, GRID_WORKER).row.flags == []
    assert [n.text for n in field.household_file(home, GRID_WORKER).notes] == [None]  # still one, still masked
    assert field.household_file(home, GRID_WORKER).members == []
    assert "张建国" not in outsider.get("/field/households").get_data(as_text=True)


def test_every_field_route_is_role_protected(app: Flask) -> None:
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/field"):
            assert getattr(app.view_functions[rule.endpoint], ACCESS_ATTR, None) not in (None, "public"), rule.rule


def test_households_go_out_and_come_back_as_a_spreadsheet_and_a_sensitive_note_is_read_once_approved(
        field: FieldService, login_as: LoginAs) -> None:
    wangge = login_as("wangge")
    posted = wangge.post("/field/households/import", content_type="multipart/form-data", data={
        "grid_code": "XF-01", "file": (io.BytesIO("楼栋,房号,户主,标识\n3号楼,101,张建国,独居老人\n".encode()), "h.csv")})
    assert posted.status_code == 302, posted.get_data(as_text=True)
    bad = wangge.post("/field/households/import", content_type="multipart/form-data", data={
        "grid_code": "XF-01", "file": (io.BytesIO("楼栋,房号,户主,标识\n3号楼,,李秀英,\n".encode()), "h.csv")})
    assert bad.status_code == 400 and "第 2 行" in bad.get_data(as_text=True)
    exported = wangge.get("/field/households/export.csv")
    assert exported.headers["Content-Disposition"].endswith("households.csv")
    assert "3号楼,101,张建国,独居老人" in exported.get_data().decode("utf-8-sig")
    [home] = [h.household_id for h in field.households(GRID_WORKER)]
    assert wangge.post(f"/field/households/{home}/notes", data={"text": "患病需每日服药", "sensitive": "y"}).status_code == 302
    page = wangge.get(f"/field/households/{home}").get_data(as_text=True)
    assert "患病需每日服药" not in page and "已隐藏" in page
    note = re.search(r'action="/field/notes/(\d+)/request"', page).group(1)
    assert f'action="/field/notes/{note}/read"' not in page  # nothing to read before an approval
    assert wangge.post(f"/field/notes/{note}/read").status_code == 403
    short = wangge.post(f"/field/notes/{note}/request", data={"purpose": "revisit", "detail": "看看"})
    assert short.status_code == 400 and "至少 10 个字" in short.get_data(as_text=True)
    asked = wangge.post(f"/field/notes/{note}/request", data={"purpose": "revisit", "detail": "安排助老服务需了解病情和用药"})
    assert asked.status_code == 302
    assert "等待街道督办（社区书记）审批" in wangge.get(f"/field/households/{home}").get_data(as_text=True)
    dudao = login_as("dudao")
    queue = dudao.get("/audit/core-requests").get_data(as_text=True)
    assert "回访核实办理结果：安排助老服务需了解病情和用药" in queue and "患病需每日服药" not in queue
    request_id = re.search(r'action="/audit/core-requests/(\d+)"', queue).group(1)
    refused = dudao.post(f"/audit/core-requests/{request_id}", data={"decision": "refuse", "note": ""})
    assert refused.status_code == 400 and "不批准须说明理由" in refused.get_data(as_text=True)
    assert dudao.post(f"/audit/core-requests/{request_id}", data={"decision": "approve"}).status_code == 302
    assert "已批准" in dudao.get("/audit/core-requests").get_data(as_text=True)
    page = wangge.get(f"/field/households/{home}").get_data(as_text=True)
    assert f'action="/field/notes/{note}/read"' in page and "有效至" in page
    shown = wangge.post(f"/field/notes/{note}/read")
    assert shown.status_code == 200 and "患病需每日服药" in shown.get_data(as_text=True)
    assert shown.headers["Cache-Control"] == "no-store"
    assert dudao.post(f"/field/notes/{note}/read").status_code == 403  # the approval is the asker's
    log = login_as("jiandu").get("/audit/access-log").get_data(as_text=True)
    for words in ("申请查看核心数据", "批准查看核心数据", "查看敏感信息"):
        assert words in log


def test_the_field_pages_and_the_due_visit_panel_read_in_english(field: FieldService, login_as: LoginAs) -> None:
    [home] = register(field, "XF-01", "3号楼,101,张建国")
    field.set_flags(home, ["独居老人"], GRID_WORKER)
    field.create_plan(name="每月两次", flag="独居老人", per_month=2, grid_code=None, actor=SUPERVISOR)
    wangge = login_as("wangge")
    wangge.post("/lang/en", data={"next": "/"})
    inbox = wangge.get("/inbox").get_data(as_text=True)
    assert "Due visits 2" in inbox and "All due visits" in inbox and "待走访" not in inbox
    pages = {path: wangge.get(path) for path in ("/field", "/field/households", f"/field/households/{home}",
                                                  "/field/visits/new", "/field/meetings", "/field/meetings/new",
                                                  "/field/volunteers", "/field/m")}
    assert {path: r.status_code for path, r in pages.items()} == dict.fromkeys(pages, 200)
    text = {path: r.get_data(as_text=True) for path, r in pages.items()}
    assert "Field log" in text["/field"] and "民情日志" not in text["/field"]
    assert "Living alone (elderly)" in text["/field"]  # the due visit's flag, not 独居老人
    assert "Living alone (elderly)" in text[f"/field/households/{home}"]
    assert "独居老人" not in text[f"/field/households/{home}"] and "重点人群" not in text["/field/households"]
    assert "Visit date" in text["/field/visits/new"] and "Volunteer register" in text["/field/volunteers"]
    assert "Record visits (phone)" in text["/field/m"]
    plans = login_as("dudao")
    plans.post("/lang/en", data={"next": "/"})
    assert "Visit plans" in plans.get("/field/plans").get_data(as_text=True)
