"""Open311 GeoReport v2 at /open311/v2: services, posting a request (api_key) and reading requests, JSON and XML."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient

from engine.cases.models import Case
from engine.clock import FixedClock, as_utc
from engine.db import Database
from engine.demo.driver import Driver
from engine import CaseService
from web import create_app

V2 = "/open311/v2"


@pytest.fixture
def api_key(app: Flask) -> str:
    return app.extensions["casegrid.tokens"].issue("wangge", "微信小程序", by="admin").secret


def post(client: FlaskClient, api_key: str, fmt: str = "json", **fields: str) -> Any:
    data = {"api_key": api_key, "service_code": "2", "description": "3 号楼门口垃圾堆了三天",
            "lat": "31.2304", "long": "121.4737", "attribute[grid]": "XF-01"} | fields
    return client.post(f"{V2}/requests.{fmt}", data=data)


def xml(response: Any) -> ET.Element:
    assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
    return ET.fromstring(response.data)


def submitted(client: FlaskClient, api_key: str, **fields: str) -> str:
    response = post(client, api_key, **fields)
    assert response.status_code == 201, response.get_data(as_text=True)
    code: str = response.get_json()[0]["service_request_id"]
    return code


def one(client: FlaskClient, code: str) -> dict[str, Any]:
    response = client.get(f"{V2}/requests/{code}.json")
    assert response.status_code == 200
    rows: list[dict[str, Any]] = response.get_json()
    assert len(rows) == 1
    return rows[0]


# -- services --------------------------------------------------------------------------


def test_services_are_the_active_categories_in_json_and_xml(client: FlaskClient, app: Flask) -> None:
    app.extensions["casegrid.people"].set_category_active("其他", False, by="admin")
    services = client.get(f"{V2}/services.json").get_json()
    assert services[0] == {"service_code": "1", "service_name": "物业管理", "description": "物业管理",
                           "metadata": True, "type": "realtime", "keywords": "", "group": ""}
    assert "其他" not in [s["service_name"] for s in services]
    root = xml(client.get(f"{V2}/services.xml"))
    assert root.tag == "services"
    assert [s.findtext("service_name") for s in root.iter("service")] == [s["service_name"] for s in services]


def test_a_service_definition_offers_the_grids_as_an_attribute(client: FlaskClient) -> None:
    definition = client.get(f"{V2}/services/2.json").get_json()
    assert definition["service_code"] == "2"
    attribute, privacy = definition["attributes"]
    assert (attribute["code"], attribute["datatype"], attribute["required"]) == ("grid", "singlevaluelist", False)
    assert "XF-01" in [v["key"] for v in attribute["values"]]
    assert (privacy["code"], privacy["required"], [v["key"] for v in privacy["values"]]) == (
        "privacy_mode", False, ["false", "true"])
    root = xml(client.get(f"{V2}/services/2.xml"))
    assert root.tag == "service_definition"
    assert [k.text for k in root.iter("key")] == [v["key"] for a in (attribute, privacy) for v in a["values"]]


def test_an_unknown_service_is_404_in_the_error_format(client: FlaskClient) -> None:
    response = client.get(f"{V2}/services/9999.json")
    assert response.status_code == 404
    assert response.get_json()[0]["code"] == 404 and response.get_json()[0]["description"]
    response = client.get(f"{V2}/services/9999.xml")
    assert response.status_code == 404
    root = xml(response)
    assert (root.tag, root.findtext("error/code")) == ("errors", "404")


# -- posting a request -------------------------------------------------------------------


def test_a_posted_request_opens_a_civic_loop_case(client: FlaskClient, api_key: str, service: CaseService) -> None:
    code = submitted(client, api_key, first_name="三", last_name="张", phone="13812345678")
    case = service.case(code)
    assert (case.process_key, case.channel, case.category, case.grid_code) == \
        ("civic_loop", "open311", "环境卫生", "XF-01")
    assert case.opened_by == "wangge"
    assert [i.bpmn_id for i in service.work_items(case.id)] == ["triage"]


def test_a_posted_request_answers_in_xml(client: FlaskClient, api_key: str) -> None:
    root = xml(post(client, api_key, fmt="xml"))
    assert root.tag == "service_requests"
    assert root.findtext("request/service_request_id")


def test_posting_without_a_valid_api_key_is_403(client: FlaskClient, app: Flask) -> None:
    auditor_key = app.extensions["casegrid.tokens"].issue("jiandu", "评估", by="admin").secret
    for key in ["", "cgt_not-a-real-token-at-all", auditor_key]:
        response = post(client, key)
        assert response.status_code == 403, key
        assert response.get_json()[0]["code"] == 403


#: One bad field each, and the field the error must name.
BAD_POSTS = [
    ({"lat": "", "long": "", "address_string": ""}, "address_string"),
    ({"lat": "north"}, "lat"),
    ({"lat": "91"}, "lat"),
    ({"long": "nan"}, "long"),
    ({"description": "坏了\x00"}, "description"),
    ({"attribute[grid]": "NOPE"}, "attribute[grid]"),
    ({"attribute[privacy_mode]": "maybe"}, "attribute[privacy_mode]"),
    ({"phone": "<script>"}, "phone"),
    ({"first_name": "名" * 41}, "first_name"),
]


#: The engine's own field names: a client never sent them, so no message may name them.
INTERNAL_FIELDS = ("reporter_phone", "reporter_name", "grid_code", "category", "channel", "title", "address:")


def test_a_bad_request_is_400_naming_the_field_and_writes_nothing(client: FlaskClient, api_key: str) -> None:
    for fields, named in BAD_POSTS:
        response = post(client, api_key, **fields)
        assert response.status_code == 400, fields
        assert any(e["description"].startswith(f"{named}: ") for e in response.get_json()), response.get_json()
        text = response.get_data(as_text=True)
        assert not [f for f in INTERNAL_FIELDS if f in text], text
    assert client.get(f"{V2}/requests.json").get_json() == []


@pytest.mark.parametrize(("given", "missing"), [("lat", "long"), ("long", "lat")])
def test_half_a_point_is_reported_as_the_missing_half(client: FlaskClient, api_key: str, given: str,
                                                      missing: str) -> None:
    response = post(client, api_key, **{given: "31.2304" if given == "lat" else "121.4737", missing: ""})
    assert response.status_code == 400
    assert [e["description"] for e in response.get_json()] == [f"{missing}: 缺少 {missing}：lat 和 long 须一起提供"]


def test_an_address_alone_is_enough_location(client: FlaskClient, api_key: str) -> None:
    code = submitted(client, api_key, lat="", long="", address_string="幸福里 3 号楼")
    assert (one(client, code)["address"], one(client, code)["lat"]) == ("幸福里 3 号楼", None)


def test_posting_is_rate_limited_like_the_public_form(db: Database, clock: FixedClock, tmp_path: Any) -> None:
    app = create_app({"TESTING": True, "DATABASE": db, "DATABASE_URL": db.url, "CLOCK": clock, "SECRET_KEY": "t",
                      "INSTANCE": str(tmp_path / "instance"), "RATELIMIT_ENABLED": True,
                      "PUBLIC_FORM_LIMIT": "2 per minute"})
    client = app.test_client()
    statuses = [post(client, "cgt_wrong-key-wrong-key").status_code for _ in range(3)]
    assert statuses == [403, 403, 429]
    assert post(client, "cgt_wrong-key-wrong-key").get_json()[0]["code"] == 429


# -- reading requests --------------------------------------------------------------------


def test_a_request_shows_no_personal_data_of_the_reporter(client: FlaskClient, api_key: str) -> None:
    code = submitted(client, api_key, first_name="三", last_name="张", phone="13812345678",
                     description="张三反映：门口垃圾没人清，电话 13812345678")
    row = one(client, code)
    text = str(row)
    assert "张三" not in text and "13812345678" not in text
    assert row["service_request_id"] == code
    assert (row["status"], row["service_code"], row["service_name"]) == ("open", "2", "环境卫生")
    assert (row["lat"], row["long"]) == (31.2304, 121.4737)


def test_a_request_reads_the_same_in_xml(client: FlaskClient, api_key: str) -> None:
    code = submitted(client, api_key)
    root = xml(client.get(f"{V2}/requests/{code}.xml"))
    assert root.findtext("request/service_request_id") == code
    assert root.findtext("request/status") == "open"


def test_an_unknown_or_malformed_request_id_is_404(client: FlaskClient, driver: Driver) -> None:
    case = driver.report()
    assert client.get(f"{V2}/requests/260302-ABCDEF.json").status_code == 404
    assert client.get(f"{V2}/requests/{case.id}.json").status_code == 404  # never the database id
    assert client.get(f"{V2}/requests/%3Cscript%3E.xml").status_code == 404


def test_the_request_closes_when_its_case_closes(client: FlaskClient, api_key: str, driver: Driver,
                                                 service: CaseService) -> None:
    case = service.case(submitted(client, api_key))
    driver.do(case, "triage", triage_decision="on_spot", triage_note="已联系保洁当场清运")
    assert one(client, case.tracking_code)["status"] == "open"
    driver.later(hours=3)
    driver.do(case, "rate", rating="satisfied")
    row = one(client, case.tracking_code)
    assert (row["status"], row["status_notes"], row["expected_datetime"]) == ("closed", "resolved", None)
    assert row["updated_datetime"] > row["requested_datetime"]


def test_agency_and_expected_time_come_from_the_assignment(client: FlaskClient, api_key: str, driver: Driver,
                                                           service: CaseService) -> None:
    case = service.case(submitted(client, api_key))
    driver.do(case, "triage", triage_decision="negotiate")
    driver.do(case, "deliberate", decision="adopt", responsible_department="chengguan", deadline="2026-03-20",
              votes_for=7, votes_against=1, votes_abstain=1, resolution_text="同意交办处理")
    due = driver.item(case, "accept").due_at
    assert due is not None
    row = one(client, case.tracking_code)
    assert row["agency_responsible"] == "城管执法中队"
    assert datetime.fromisoformat(row["expected_datetime"]) == as_utc(due).replace(microsecond=0)
    assert row["expected_datetime"].endswith("+08:00")


def test_the_list_is_newest_first_and_filters_by_status_and_service(client: FlaskClient, api_key: str,
                                                                    driver: Driver, clock: FixedClock) -> None:
    first = submitted(client, api_key, service_code="1")
    clock.advance(hours=1)
    second = submitted(client, api_key, service_code="2")
    case = driver.refresh(driver.service.case(first))
    driver.do(case, "triage", triage_decision="duplicate", duplicate_of=second)

    def ids(query: str) -> list[str]:
        response = client.get(f"{V2}/requests.json?{query}")
        assert response.status_code == 200, response.get_json()
        return [r["service_request_id"] for r in response.get_json()]

    assert ids("") == [second, first]
    assert ids("status=closed") == [first]
    assert ids("status=open,closed&service_code=2") == [second]
    assert ids(f"service_request_id={first},{second}&status=open") == [second, first]  # ids override filters


def test_the_list_defaults_to_the_last_90_days_and_takes_a_date_range(client: FlaskClient, api_key: str,
                                                                      clock: FixedClock) -> None:
    old = submitted(client, api_key)
    clock.advance(days=100)
    new = submitted(client, api_key)
    assert [r["service_request_id"] for r in client.get(f"{V2}/requests.json").get_json()] == [new]
    start = (clock.now() - timedelta(days=101)).isoformat()
    end = (clock.now() - timedelta(days=99)).isoformat()
    query = {"start_date": start, "end_date": end}
    assert [r["service_request_id"] for r in client.get(f"{V2}/requests.json", query_string=query).get_json()] \
        == [old]


def test_a_bad_list_query_is_400_in_the_error_format(client: FlaskClient) -> None:
    for query in ["start_date=yesterday", "status=pending", "service_request_id=" + ",".join(["X"] * 101),
                  "start_date=9999-12-31T23:59:59", "end_date=0001-01-01T00:00:00%2B14:00",
                  "start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z",
                  "start_date=2026-03-01T00:00:00Z&end_date=2026-02-01T00:00:00Z"]:
        response = client.get(f"{V2}/requests.xml?{query}")
        assert response.status_code == 400, query
        assert xml(response).findtext("error/code") == "400"


def test_xml_drops_characters_xml_cannot_carry(client: FlaskClient, driver: Driver) -> None:
    case: Case = driver.report("门口\x01有\x1f垃圾 <b>&amp;</b>", "环境卫生")
    root = xml(client.get(f"{V2}/requests/{case.tracking_code}.xml"))
    assert root.findtext("request/description") == "门口有垃圾 <b>&amp;</b>"


def test_every_open311_message_has_an_english_translation() -> None:
    folder = Path(__file__).resolve().parents[2] / "web" / "open311"
    used = {m for f in folder.glob("*.py") for m in re.findall(r'_\("([^"]+)"', f.read_text())}
    with (folder / "translations/en/LC_MESSAGES/messages.po").open("rb") as po:
        translated = {m.id for m in read_po(po) if m.string}
    assert used <= translated


def test_a_request_in_privacy_mode_is_kept_off_the_public_listings(client: FlaskClient, api_key: str,
                                                                   service: CaseService) -> None:
    """隐私保护模式 as the resident's own form offers it: the integration passes the resident's choice as an
    attribute; the case opens as usual for the staff and is no public service request, not even by its code."""
    private = submitted(client, api_key, **{"attribute[privacy_mode]": "true"})
    public = submitted(client, api_key, **{"attribute[privacy_mode]": "false"})
    assert service.case(private).privacy_mode and not service.case(public).privacy_mode
    assert client.get(f"{V2}/requests/{private}.json").status_code == 404
    listed = [r["service_request_id"] for r in client.get(f"{V2}/requests.json").get_json()]
    assert public in listed and private not in listed
