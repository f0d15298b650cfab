"""隐私保护模式 (issue 19): a resident chooses it when reporting (the web form, the residents' app); the case then
shows no contact on staff pages — not even masked — until someone unmasks it with a purpose, and nothing of it
reaches a public page (notice board and its feed, Open311)."""
from __future__ import annotations

import json

from flask import Flask
from sqlalchemy import text as sql_text

from engine.db import Database
from engine.demo.driver import Driver
from engine.public.service import PublicService
from tests.web.conftest import LoginAs

COMMUNITY = "幸福里社区"


def _closed(driver: Driver, private: bool, phone: str):  # type: ignore[no-untyped-def]
    case = driver.report("垃圾桶满了没人清运", "环境卫生", reporter_name="王阿姨", reporter_phone=phone,
                         privacy_mode=private)
    driver.do(case, "triage", triage_decision="on_spot", triage_note="已联系保洁当场清运")
    driver.later(hours=3)
    driver.do(case, "rate", rating="satisfied", rating_comment="处理很快")
    return case


def test_a_resident_chooses_privacy_mode_on_the_contact_screen_and_the_case_keeps_it(
        csrf_app: Flask, db: Database) -> None:
    client = csrf_app.test_client()
    client.post("/report", data={"category": "公共设施"})
    client.post("/report/where", data={"grid_code": "XF-01", "address": "3号楼2单元门口"})
    client.post("/report/what", data={"description": "楼道灯坏了，晚上很黑"})
    assert "隐私保护模式" in client.get("/report/contact").get_data(as_text=True)
    chosen = client.post("/report/contact", data={"name": "王阿姨", "phone": "13812345678", "privacy_mode": "y"})
    assert chosen.headers["Location"] == "/report/review"
    review = client.get("/report/review").get_data(as_text=True)
    assert "隐私保护模式" in review and "已开启" in review
    assert client.post("/report/review").headers["Location"] == "/report/done"
    with db.reading() as s:
        assert s.execute(sql_text("SELECT privacy_mode FROM \"case\"")).scalars().all() == [True]


def test_a_private_case_shows_no_contact_to_staff_until_unmasked_and_reaches_no_public_page(
        app: Flask, driver: Driver, login_as: LoginAs) -> None:
    private = _closed(driver, True, "13812345678")
    ordinary = _closed(driver, False, "13987654321")
    dudao = login_as("dudao")
    page = dudao.get(f"/cases/{private.tracking_code}").get_data(as_text=True)
    assert "已隐藏（隐私保护模式）" in page and "138****5678" not in page and "王*" not in page
    assert "隐私保护模式" in page and "/audit/cases/" in page  # unmasking with a purpose still works
    assert "139****4321" in dudao.get(f"/cases/{ordinary.tracking_code}").get_data(as_text=True)
    shown = dudao.post(f"/audit/cases/{private.tracking_code}/unmask",
                       data={"purpose": "revisit", "detail": "回访确认垃圾已经清运干净"})
    assert shown.status_code == 200 and "13812345678" in shown.get_data(as_text=True)
    # public pages: the notice board (and its feed) lists the ordinary case only; Open311 knows only it
    board = PublicService(driver.service.db, driver.clock).notice_board(COMMUNITY)
    assert board is not None and len(board.cases) == 1
    anon = app.test_client()
    assert anon.get(f"/board/{COMMUNITY}").status_code == 200
    assert anon.get(f"/board/{COMMUNITY}/feed.atom").status_code == 200
    listed = json.loads(anon.get("/open311/v2/requests.json").get_data())
    codes = [r["service_request_id"] for r in listed]
    assert ordinary.tracking_code in codes and private.tracking_code not in codes
    assert anon.get(f"/open311/v2/requests/{private.tracking_code}.json").status_code == 404
    asked = json.loads(anon.get(f"/open311/v2/requests.json?service_request_id={private.tracking_code}").get_data())
    assert asked == []
