"""The admin's data catalogue (数据目录) and what a case whose personal data was erased shows (issue 19)."""
from __future__ import annotations

import html as html_lib
import re

import pytest
from flask import Flask
from sqlalchemy import text as sql_text

from engine.cases.models import Case
from engine.db import Database
from engine.demo.driver import Driver
from engine.people.actor import Actor
from engine.privacy.catalogue import CATALOGUE
from engine.privacy.shredding import erase_case
from tests.web.conftest import LoginAs


def text(html: str) -> str:
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_the_admin_reads_every_catalogued_field_with_its_class_and_storage(login_as: LoginAs,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    admin = login_as("admin")
    response = admin.get("/admin/data-catalogue")
    assert response.status_code == 200
    page = text(response.get_data(as_text=True))
    for f in CATALOGUE:
        assert f.key in page and f.label in page
    assert "敏感 反映人电话 reporter_contact.phone 加密（按案件密钥）" in page
    assert "核心 纠纷概要 mediation.summary 明文" in page
    assert "默认：3 年" in page and "类别 邻里纠纷：5 年" in page
    assert "/admin/data-catalogue" in admin.get("/admin/users").get_data(as_text=True)  # in the menu
    monkeypatch.setenv("CASEGRID_RETENTION", "{not json")
    broken = admin.get("/admin/data-catalogue")
    assert broken.status_code == 200 and "保存期限配置有误" in text(broken.get_data(as_text=True))


def test_a_case_whose_personal_data_was_erased_says_so_on_its_page_and_in_its_timeline(
        db: Database, driver: Driver, login_as: LoginAs) -> None:
    case = driver.report("楼道灯坏了，晚上很黑", "公共设施", reporter_name="王阿姨", reporter_phone="13812345678")
    dudao = login_as("dudao")
    before = text(dudao.get(f"/cases/{case.tracking_code}").get_data(as_text=True))
    assert "138****5678" in before
    with db.transaction() as s:
        erase_case(s, s.get(Case, case.id), actor=Actor("admin", "admin"), at=driver.clock.now(),  # type: ignore[arg-type]
                   reason="resident_request", detail="反映人来电申请")
    after = text(dudao.get(f"/cases/{case.tracking_code}").get_data(as_text=True))
    assert "138****5678" not in after and "已按规定删除" in after
    assert "个人信息已按规定删除（反映人本人申请删除：反映人来电申请）" in after
    replay = text(login_as("jiandu").get(f"/audit/cases/{case.tracking_code}").get_data(as_text=True))
    assert "已按规定删除" in replay


def test_a_resident_deletes_their_personal_data_through_their_private_link_once_the_case_is_closed(
        db: Database, driver: Driver, csrf_app: Flask, login_as: LoginAs) -> None:
    case = driver.report("楼道灯坏了，晚上很黑", "公共设施", reporter_name="王阿姨", reporter_phone="13812345678")
    mine = f"/my/{driver.reporter_key(case)}"
    resident = csrf_app.test_client()
    assert "/erase" in resident.get(mine).get_data(as_text=True)
    page = resident.get(f"{mine}/erase")
    assert page.status_code == 200 and "还在办理中" in text(page.get_data(as_text=True))
    assert page.headers["Cache-Control"] == "no-store" and page.headers["Referrer-Policy"] == "no-referrer"
    refused = resident.post(f"{mine}/erase")  # (CSRF is checked by tests/web/test_hostile_input.py)
    assert refused.status_code == 409 and "办结后才能申请删除" in text(refused.get_data(as_text=True))

    driver.do(case, "triage", triage_decision="on_spot", triage_note="已当场处理")
    driver.do(case, "rate", rating="satisfied")
    page = resident.get(f"{mine}/erase")
    assert "确认删除我的个人信息" in text(page.get_data(as_text=True))
    done = resident.post(f"{mine}/erase")
    assert done.status_code == 200 and "您的个人信息已按规定删除" in text(done.get_data(as_text=True))
    with db.engine.connect() as conn:
        [(wrapped, reason, by)] = conn.execute(sql_text(
            "SELECT wrapped, shred_reason, shredded_by FROM case_data_key WHERE case_id = :c"), {"c": case.id}).all()
    assert wrapped is None and reason == "resident_request" and by == f"reporter:{case.tracking_code}"
    staff = text(login_as("dudao").get(f"/cases/{case.tracking_code}").get_data(as_text=True))
    assert "反映人本人申请删除" in staff and "138****5678" not in staff
    assert resident.get("/my/not-a-key/erase").status_code == 404
    assert driver.service.verify(case.id)[0].ok

