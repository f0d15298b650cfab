"""The volunteer pages (issue 23): a grid worker registers a volunteer, records a service, confirms its hours
and redeems points through the forms; the supervisor sees the grids short of volunteers; another grid sees nothing."""
from __future__ import annotations

import re

import pytest
from flask import Flask

from engine.field.service import FieldService
from tests.fixtures.passwords import cheap_password_hashes  # noqa: F401
from tests.web.conftest import LoginAs

pytestmark = pytest.mark.usefixtures("cheap_password_hashes")


@pytest.fixture
def field(app: Flask) -> FieldService:
    return app.extensions["casegrid.field"]


def test_register_serve_confirm_and_redeem_through_the_forms(field: FieldService, login_as: LoginAs) -> None:
    wangge = login_as("wangge")
    page = wangge.get("/field/volunteers").get_data(as_text=True)
    assert "网格配备" in page and "不足" in page
    made = wangge.post("/field/volunteers", data={"name": "赵志愿", "phone": "13800138000", "skills": "理发"})
    assert made.status_code == 302, made.get_data(as_text=True)
    volunteer = made.location
    served = wangge.post(f"{volunteer}/services", data={"served_on": "2026-03-01", "hours": "2",
                                                         "description": "为独居老人理发"})
    assert served.status_code == 302, served.get_data(as_text=True)
    listing = wangge.get("/field/volunteers").get_data(as_text=True)
    assert "待确认的服务时长" in listing and "为独居老人理发" in listing
    service = re.search(r'action="/field/services/(\d+)/decide"', listing).group(1)
    assert wangge.post(f"/field/services/{service}/decide", data={"decision": "confirm"}).status_code == 302
    shown = wangge.get(volunteer).get_data(as_text=True)
    assert '<dd class="points">20</dd>' in shown and "120 分钟" in shown
    refused = wangge.post(f"{volunteer}/spend", data={"account": "points", "amount": "21", "reason": "兑换"})
    assert refused.status_code == 400 and "余额只有 20 分" in refused.get_data(as_text=True)
    spent = wangge.post(f"{volunteer}/spend", data={"account": "points", "amount": "15", "reason": "兑换洗衣液"})
    assert spent.status_code == 302
    assert '<dd class="points">5</dd>' in wangge.get(volunteer).get_data(as_text=True)
    bad = wangge.post(f"{volunteer}/services", data={"served_on": "2026-03-01", "hours": "0.1", "description": "x"})
    assert bad.status_code == 400 and "0.25" in bad.get_data(as_text=True)
    # the supervisor reads (the phone included); the other grid's worker is refused the volunteer's page
    assert "13800138000" in login_as("dudao").get(volunteer).get_data(as_text=True)
    assert login_as("wangge2").get(volunteer).status_code in (403, 404)
