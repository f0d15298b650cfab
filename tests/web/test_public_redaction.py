"""Redaction that holds in what is published: the tracking page and Open311 (issue 15 point 4).

The corpus of patterns is tested on the redaction itself (tests/engine/test_redaction.py); these tests
check that every published field goes through it, with the people of the case masked by name too.
"""
from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from engine.demo import mediation_scenarios as ms
from engine.demo.driver import Driver
from tests.fixtures.personal_data import MUST_KEEP, MUST_MASK

V2 = "/open311/v2"


def page(response) -> str:
    return response.get_data(as_text=True)


def test_a_mediations_tracking_page_names_neither_party(client: FlaskClient, driver: Driver) -> None:
    case = ms.register(driver, ms.neighbours(title="王建国 与 李春梅 漏水纠纷"))
    html = page(client.get(f"/track/{case.tracking_code}"))
    assert "邻里纠纷" in html
    for private in ("王建国", "李春梅", "13800001111", "201", "漏水纠纷"):
        assert private not in html, private


def test_the_issue_a_mediation_came_from_masks_the_parties_names_in_its_published_text(
        client: FlaskClient, driver: Driver) -> None:
    issue = driver.report("楼上王建国家装修漏水，找李春梅协商不成", "邻里纠纷")
    ms.register(driver, source=issue)
    description = client.get(f"{V2}/requests/{issue.tracking_code}.json").get_json()[0]["description"]
    assert description == "楼上**家装修漏水，找**协商不成"


def test_open311_returns_the_whole_description_with_only_personal_data_masked(
        client: FlaskClient, driver: Driver) -> None:
    kept = "；".join(MUST_KEEP)
    masked = "；".join(text for text, _ in MUST_MASK)
    long = kept + "。" + masked + "。" + "路灯坏了。" * 300
    assert 2000 < len(long) <= 4000
    case = driver.report(long, "公共设施")
    description = client.get(f"{V2}/requests/{case.tracking_code}.json").get_json()[0]["description"]
    assert description.startswith(kept + "。")  # standards, dates, amounts, 12345 orders: untouched
    assert description.endswith("路灯坏了。" * 300) and "…" not in description  # not cut at 1 000
    masked_part = description[len(kept) + 1:]
    for _text, datum in MUST_MASK:
        assert datum not in masked_part, datum
    xml = page(client.get(f"{V2}/requests/{case.tracking_code}.xml"))
    assert "GB 50016-2014" in xml and "13800138000" not in xml


def test_open311_masks_the_room_of_an_address_and_keeps_the_building(client: FlaskClient, app: Flask) -> None:
    api_key = app.extensions["casegrid.tokens"].issue("wangge", "小程序", by="admin").secret
    created = client.post(f"{V2}/requests.json", data={
        "api_key": api_key, "service_code": "2", "description": "门口垃圾", "lat": "31.2304", "long": "121.4737",
        "address_string": "幸福里3号楼2单元502室", "phone": "13800138000", "first_name": "秀英", "last_name": "王"})
    assert created.status_code == 201
    row = client.get(f"{V2}/requests/{created.get_json()[0]['service_request_id']}.json").get_json()[0]
    assert row["address"] == "幸福里3号楼2单元****室"


def test_nothing_published_shows_a_phone_written_with_chinese_numerals(client: FlaskClient, driver: Driver) -> None:
    case = driver.report("电话一三八零零一三八零零零，幸福里3号楼2单元502", "公共设施", reporter_name="王秀英")
    driver.do(case, "triage", triage_decision="negotiate")
    driver.do(case, "deliberate", decision="reject", reason="已联系王秀英（一三八零零一三八零零零），不属于公共事务",
              votes_for=5, votes_against=2, votes_abstain=0)
    for path in (f"/track/{case.tracking_code}", f"{V2}/requests/{case.tracking_code}.json",
                 f"{V2}/requests.json", f"{V2}/requests/{case.tracking_code}.xml"):
        body = page(client.get(path))
        for private in ("一三八零零一三八零零零", "王秀英", "502"):
            assert private not in body, (path, private)
