"""The grid worker's offline phone page (issue 23): the page, its service worker, and the sync endpoint that
stores a capture once per key whatever is sent again, and refuses bad captures with their reason."""
from __future__ import annotations

import io
import json
import re

import pytest
from flask import Flask
from sqlalchemy import func, select

from engine.cases.location import CaseLocation
from engine.cases.models import Case
from engine.civic.contact import contact_of
from engine.civic.models import ReporterContact
from engine.evidence.models import Attachment
from engine.field.models import FieldReport, FieldVisit, VisitPhoto
from engine.field.service import FieldService
from tests.fixtures.field import register
from tests.fixtures.photos import photo
from tests.fixtures.passwords import cheap_password_hashes  # noqa: F401
from tests.web.conftest import LoginAs

pytestmark = pytest.mark.usefixtures("cheap_password_hashes")


@pytest.fixture
def field(app: Flask) -> FieldService:
    return app.extensions["casegrid.field"]


def visits(field: FieldService) -> int:
    with field.db.reading() as s:
        return s.scalar(select(func.count()).select_from(FieldVisit)) or 0


def test_a_capture_sent_twice_is_one_visit_and_bad_ones_say_why(field: FieldService, login_as: LoginAs) -> None:
    [home] = register(field, "XF-01", "3号楼,101,张建国")
    [other] = register(field, "HP-01", "1号楼,101,陈明")
    wangge = login_as("wangge")
    page = wangge.get("/field/m")
    block = re.search(r'<script type="application/json" id="phone-data">(.*?)</script>', page.get_data(as_text=True))
    assert page.status_code == 200 and block is not None
    # the grid's households travel to the phone; another grid's do not
    assert [h["label"] for h in json.loads(block.group(1))["households"]] == ["3号楼 101 张建国"]
    worker = wangge.get("/field/sw.js")
    assert worker.mimetype == "text/javascript" and worker.headers["Service-Worker-Allowed"] == "/field/m"
    capture = {"client_key": "7d1c2a9e-0000-4000-8000-000000000001", "household_id": home,
               "visited_on": "2026-03-02", "met": "户主本人", "notes": "", "needs": ["楼道灯坏了"]}
    first = wangge.post("/field/m/visits", json=capture)
    assert first.status_code == 201, first.get_data(as_text=True)
    again = wangge.post("/field/m/visits", json=capture)
    assert again.status_code == 200 and again.json == {"visit_id": first.json["visit_id"], "new": False}
    assert visits(field) == 1
    for body, status, field_name in [
            ({**capture, "client_key": "k2-aaaaaaaa", "household_id": other}, 403, None),
            ({**capture, "client_key": "k3-aaaaaaaa", "visited_on": "2026-03-09"}, 400, "visited_on"),
            ({**capture, "client_key": "bad key!"}, 400, "client_key"),
            ({**capture, "client_key": "k4-aaaaaaaa", "household_id": "x"}, 400, "household_id"),
            ({**capture, "client_key": "k5-aaaaaaaa", "needs": "not a list"}, 400, "needs"),
            ({**capture, "client_key": "k6-aaaaaaaa", "extra": 1}, 400, "extra"),
            ({**capture, "client_key": "k7-aaaaaaaa", "met": None}, 400, "met"),
            ({**capture, "client_key": "k8-aaaaaaaa", "household_id": 999999}, 404, None)]:
        refused = wangge.post("/field/m/visits", json=body)
        assert refused.status_code == status, (body, refused.get_data(as_text=True))
        assert refused.json["error"]
        if field_name:
            assert field_name in refused.json["field_errors"]
    assert wangge.post("/field/m/visits", data="[]", content_type="application/json").status_code == 400
    assert visits(field) == 1
    assert login_as("dudao").post("/field/m/visits", json=capture).status_code == 403


def test_a_capture_with_photos_and_a_report_are_stored_once_each(field: FieldService, login_as: LoginAs) -> None:
    """Sent as multipart (the phone's own photo files beside the JSON), twice: one visit with one photo, one
    case with its photo; a bad report says why and opens nothing."""
    [home] = register(field, "XF-01", "3号楼,101,张建国")
    wangge = login_as("wangge")
    page = wangge.get("/field/m").get_data(as_text=True)
    block = re.search(r'<script type="application/json" id="phone-data">(.*?)</script>', page)
    assert block is not None and "公共设施" in [c["value"] for c in json.loads(block.group(1))["categories"]]
    capture = {"client_key": "visit-photo-0001", "household_id": home, "visited_on": "2026-03-02", "met": "户主本人",
               "notes": "", "needs": []}
    for status in (201, 200):
        sent = wangge.post("/field/m/visits", content_type="multipart/form-data", data={
            "capture": json.dumps(capture), "photos": (io.BytesIO(photo()), "door.jpg")})
        assert sent.status_code == status, sent.get_data(as_text=True)
    with field.db.reading() as s:
        assert s.scalar(select(func.count()).select_from(VisitPhoto)) == 1
    assert visits(field) == 1
    report = {"client_key": "report-0001", "category": "公共设施", "description": "3号楼前路灯不亮",
              "address": "3号楼前"}
    codes = []
    for status in (201, 200):
        sent = wangge.post("/field/m/reports", content_type="multipart/form-data", data={
            "capture": json.dumps(report), "photos": (io.BytesIO(photo(colour="red")), "lamp.jpg")})
        assert sent.status_code == status, sent.get_data(as_text=True)
        codes.append(sent.json["tracking_code"])
    assert codes[0] == codes[1]
    with field.db.reading() as s:
        [case] = s.scalars(select(Case)).all()
        assert case.tracking_code == codes[0] and case.channel == "grid_visit" and case.grid_code == "XF-01"
        assert s.scalar(select(func.count()).select_from(Attachment).where(Attachment.case_id == case.id)) == 1
        assert s.scalar(select(func.count()).select_from(FieldReport)) == 1
    for body, status, name in [({**report, "client_key": "report-0002", "category": "没有这类"}, 400, "category"),
                               ({**report, "client_key": "report-0003", "description": " "}, 400, "description"),
                               ({**report, "client_key": ""}, 400, "client_key"),
                               ({**report, "client_key": "report-0004", "grid_code": "HP-01"}, 400, "grid_code")]:
        refused = wangge.post("/field/m/reports", json=body)
        assert refused.status_code == status and name in refused.json["field_errors"], refused.json
    not_json = wangge.post("/field/m/reports", content_type="multipart/form-data", data={"capture": "{"})
    assert not_json.status_code == 400
    not_photo = wangge.post("/field/m/reports", content_type="multipart/form-data", data={
        "capture": json.dumps({**report, "client_key": "report-0005"}), "photos": (io.BytesIO(b"%PDF-1.4"), "a.pdf")})
    assert not_photo.status_code == 400 and "photos" in not_photo.json["field_errors"]
    with field.db.reading() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 1
    assert login_as("dudao").post("/field/m/reports", json=report).status_code == 403


def test_a_phone_report_keeps_the_phones_position_and_the_residents_contact(field: FieldService,
                                                                             login_as: LoginAs) -> None:
    """The worker pressed 使用手机定位 and noted who reported it: the case has its point and the resident's
    contact (encrypted like any reporter's, for the call-back); a bad position is refused and opens nothing."""
    wangge = login_as("wangge")
    report = {"client_key": "report-gps-0001", "category": "公共设施", "description": "3号楼前井盖缺失",
              "address": "", "lat": 31.230416, "long": 121.473678, "reporter_name": "李秀英",
              "reporter_phone": "13800138000"}
    for bad, field_name in (({"lat": "31.2"}, "lat"), ({"long": None}, "long"), ({"lat": 91.0}, "lat"),
                            ({"lat": True}, "lat"), ({"reporter_phone": "12"}, "reporter_phone")):
        refused = wangge.post("/field/m/reports", json={**report, **bad, "client_key": f"bad-{field_name}-{len(bad)}"})
        assert refused.status_code == 400 and field_name in refused.json["field_errors"], refused.json
    with field.db.reading() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 0
    sent = wangge.post("/field/m/reports", json=report)
    assert sent.status_code == 201, sent.get_data(as_text=True)
    with field.db.reading() as s:
        case = s.scalars(select(Case)).one()
        point = s.get(CaseLocation, case.id)
        assert point is not None and (point.lat, point.long) == (31.230416, 121.473678)
        contact = contact_of(s, case)
        assert contact is not None and (contact.name, contact.phone) == ("李秀英", "13800138000")
        assert s.get(ReporterContact, case.id).phone != "13800138000"  # type: ignore[union-attr]


def test_only_the_phone_page_may_ask_for_the_devices_position(login_as: LoginAs) -> None:
    wangge = login_as("wangge")
    assert "geolocation=(self)" in wangge.get("/field/m").headers["Permissions-Policy"]
    assert "geolocation=()" in wangge.get("/field").headers["Permissions-Policy"]
