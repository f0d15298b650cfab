"""The grid worker's offline phone page (issue 23): the page, its service worker, and the sync endpoint that
stores a capture once per key whatever is sent again, and refuses bad captures with their reason."""
from __future__ import annotations

import json
import re

import pytest
from flask import Flask
from sqlalchemy import func, select

from engine.field.models import FieldVisit
from engine.field.service import FieldService
from tests.fixtures.field import register
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
