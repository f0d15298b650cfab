"""Open311 GeoReport v2, walked section by section as the spec (wiki.open311.org/GeoReport_v2 and
/Service_Discovery) states it, in both formats, and read by a third-party client (PyPI ``georeport``)
over a real HTTP server on 127.0.0.1.

Each test is named after the section it checks; together they are the conformance checklist.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from georeport import GeoReport

from engine import CaseService

V2 = "/open311/v2"
XML_TYPE = "text/xml; charset=utf-8"
JSON_TYPE = "application/json; charset=utf-8"
FORMATS = ("xml", "json")


@pytest.fixture
def api_key(app: Flask) -> str:
    return app.extensions["casegrid.tokens"].issue("wangge", "GeoReport 客户端", by="admin").secret


def post(client: FlaskClient, api_key: str, fmt: str = "json", **fields: str) -> Any:
    data = {"api_key": api_key, "service_code": "2", "lat": "31.2304", "long": "121.4737"} | fields
    return client.post(f"{V2}/requests.{fmt}", data={k: v for k, v in data.items() if v is not None})


def parsed(response: Any, fmt: str) -> Any:
    """The body as JSON, or the XML root — after checking the spec's content type and XML declaration."""
    assert response.headers["Content-Type"] == (XML_TYPE if fmt == "xml" else JSON_TYPE)
    if fmt == "json":
        return response.get_json()
    assert response.data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(response.data)


def error_codes(response: Any, fmt: str) -> list[tuple[int, str]]:
    """The spec's error list: ``[{"code", "description"}]`` / ``<errors><error><code/><description/>``."""
    body = parsed(response, fmt)
    if fmt == "json":
        return [(e["code"], e["description"]) for e in body]
    assert body.tag == "errors"
    return [(int(e.findtext("code") or 0), e.findtext("description") or "") for e in body.iter("error")]


# -- Service Discovery -------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_discovery_names_the_endpoint_its_formats_and_how_to_get_a_key(client: FlaskClient,
                                                                              fmt: str) -> None:
    response = client.get(f"{V2}/discovery.{fmt}")
    assert response.status_code == 200
    body = parsed(response, fmt)
    if fmt == "xml":
        assert body.tag == "discovery"
        endpoint = body.find("endpoints/endpoint")
        assert endpoint is not None
        found = {"changeset": body.findtext("changeset"), "contact": body.findtext("contact"),
                 "key_service": body.findtext("key_service"), "specification": endpoint.findtext("specification"),
                 "url": endpoint.findtext("url"), "type": endpoint.findtext("type"),
                 "formats": [f.text for f in endpoint.iter("format")]}
    else:
        [endpoint] = body["endpoints"]
        found = {**{k: body[k] for k in ("changeset", "contact", "key_service")},
                 **{k: endpoint[k] for k in ("specification", "url", "type", "formats")}}
    assert found["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert found["url"] == f"http://localhost{V2}"
    assert found["type"] == "production"
    assert found["formats"] == ["text/xml", "application/json"]
    assert found["contact"] and "api_key" in found["key_service"]
    assert datetime.fromisoformat(found["changeset"]).utcoffset() is not None


# -- Internationalization and Encoding; Format Support -----------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_endpoint_answers_utf8_in_both_formats_with_offsets_on_times(client: FlaskClient, api_key: str,
                                                                           fmt: str) -> None:
    created = post(client, api_key, fmt, description="楼道灯坏了，晚上很黑")
    assert created.status_code == 201
    body = parsed(created, fmt)
    code = body[0]["service_request_id"] if fmt == "json" else body.findtext("request/service_request_id")
    for path in ("services", "services/2", "requests", f"requests/{code}", "discovery"):
        response = client.get(f"{V2}/{path}.{fmt}")
        assert response.status_code == 200, path
        parsed(response, fmt)
    request = parsed(client.get(f"{V2}/requests/{code}.{fmt}"), fmt)
    description = request[0]["description"] if fmt == "json" else request.findtext("request/description")
    when = request[0]["requested_datetime"] if fmt == "json" else request.findtext("request/requested_datetime")
    assert description == "楼道灯坏了，晚上很黑"
    assert when.endswith("+08:00")  # "Timezone information … must be included"


@pytest.mark.parametrize("path", ["services", "discovery", "requests", "services/2", "nope.json", "nope"])
def test_a_path_without_a_format_or_unknown_answers_the_error_list_not_a_page(client: FlaskClient,
                                                                            path: str) -> None:
    response = client.get(f"{V2}/{path}")
    assert response.status_code == 404
    fmt = "json" if path.endswith(".json") else "xml"  # XML is GeoReport's required format
    [(code, description)] = error_codes(response, fmt)
    assert code == 404 and "services.xml" in description
    asked = client.get(f"{V2}/{path}", headers={"Accept": "application/json"})
    assert error_codes(asked, "json")[0][0] == 404


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_a_method_no_operation_takes_answers_405_in_the_error_format(client: FlaskClient, fmt: str,
                                                                    method: str) -> None:
    for path in ("requests", "services", "requests/260302-ABCDEF"):
        response = client.open(f"{V2}/{path}.{fmt}", method=method)
        assert response.status_code == 405
        assert error_codes(response, fmt)[0][0] == 405


# -- jurisdiction_id ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_jurisdiction_id_is_optional_and_another_one_is_404_on_every_operation(client: FlaskClient, api_key: str,
                                                                              fmt: str) -> None:
    for path in ("services", "services/2", "requests", "discovery"):
        assert client.get(f"{V2}/{path}.{fmt}?jurisdiction_id=casegrid").status_code == 200
        other = client.get(f"{V2}/{path}.{fmt}?jurisdiction_id=sf.gov")
        assert other.status_code == 404
        [(code, description)] = error_codes(other, fmt)
        assert code == 404 and "jurisdiction_id" in description
    assert post(client, api_key, fmt, jurisdiction_id="casegrid").status_code == 201
    refused = post(client, api_key, fmt, jurisdiction_id="sf.gov")
    assert refused.status_code == 404 and error_codes(refused, fmt)[0][0] == 404


# -- GET Service List; GET Service Definition --------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_get_service_list_gives_every_field_the_spec_names(client: FlaskClient, fmt: str) -> None:
    body = parsed(client.get(f"{V2}/services.{fmt}"), fmt)
    fields = ("service_code", "service_name", "description", "metadata", "type", "keywords", "group")
    rows = body if fmt == "json" else [{f: s.findtext(f) for f in fields} for s in body.iter("service")]
    assert rows and all(set(fields) <= set(row) for row in rows)
    assert {str(row["type"]) for row in rows} <= {"realtime", "batch", "blackbox"}


@pytest.mark.parametrize("fmt", FORMATS)
def test_get_service_definition_and_an_unknown_service_code_is_404(client: FlaskClient, fmt: str) -> None:
    body = parsed(client.get(f"{V2}/services/2.{fmt}"), fmt)
    attribute = body["attributes"][0] if fmt == "json" else \
        {c.tag: c.text for c in body.find("attributes/attribute")}  # type: ignore[union-attr]
    assert {"variable", "code", "datatype", "required", "datatype_description", "order", "description"} \
        <= set(attribute)
    missing = client.get(f"{V2}/services/9999.{fmt}")
    assert missing.status_code == 404 and error_codes(missing, fmt)[0][0] == 404


# -- POST Service Request ----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_locates_by_lat_long_or_address_string_or_address_id_alone(client: FlaskClient, api_key: str,
                                                                       fmt: str, service: CaseService) -> None:
    for location in ({"lat": "31.2304", "long": "121.4737"},
                     {"lat": None, "long": None, "address_string": "幸福里 3 号楼"},
                     {"lat": None, "long": None, "address_id": "310104-001-0003"}):
        response = post(client, api_key, fmt, description="井盖松动", **location)
        assert response.status_code == 201, (location, response.data)
        body = parsed(response, fmt)
        code = body[0]["service_request_id"] if fmt == "json" else body.findtext("request/service_request_id")
        row = client.get(f"{V2}/requests/{code}.json").get_json()[0]
        if "address_id" in location:
            assert (row["address_id"], row["lat"]) == ("310104-001-0003", None)
        assert service.case(code).channel == "open311"
    nowhere = post(client, api_key, fmt, lat=None, long=None)
    assert nowhere.status_code == 400
    assert "address_id" in error_codes(nowhere, fmt)[0][1]


@pytest.mark.parametrize(("given", "missing"), [("lat", "long"), ("long", "lat")])
def test_post_half_a_point_names_the_missing_half(client: FlaskClient, api_key: str, given: str,
                                                   missing: str) -> None:
    for fields in ({missing: None}, {missing: ""}):
        response = post(client, api_key, **fields)
        assert response.status_code == 400
        assert [d for _, d in error_codes(response, "json")] == [f"{missing}: 缺少 {missing}：lat 和 long 须一起提供"]


def test_post_description_is_optional(client: FlaskClient, api_key: str, service: CaseService) -> None:
    response = post(client, api_key)
    assert response.status_code == 201, response.get_json()
    code = response.get_json()[0]["service_request_id"]
    row = client.get(f"{V2}/requests/{code}.json").get_json()[0]
    assert row["description"] is None
    assert service.case(code).category == "环境卫生"


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_errors_are_the_spec_codes_and_write_nothing(client: FlaskClient, api_key: str, fmt: str) -> None:
    unknown = post(client, api_key, fmt, service_code="9999")
    assert unknown.status_code == 404  # "404 - service_code provided was not found"
    assert error_codes(unknown, fmt)[0][0] == 404
    no_key = post(client, "", fmt)
    assert no_key.status_code == 403  # "403 - api_key was not provided or invalid"
    assert error_codes(no_key, fmt)[0][0] == 403
    bad = post(client, api_key, fmt, lat="north")
    assert bad.status_code == 400 and error_codes(bad, fmt)[0][1].startswith("lat: ")
    assert client.get(f"{V2}/requests.json").get_json() == []


def test_post_media_url_is_kept_and_read_back(client: FlaskClient, api_key: str) -> None:
    response = post(client, api_key, media_url="https://img.example.org/p/123.jpg", description="路灯不亮")
    code = response.get_json()[0]["service_request_id"]
    row = client.get(f"{V2}/requests/{code}.json").get_json()[0]
    assert row["media_url"] == "https://img.example.org/p/123.jpg"
    root = ET.fromstring(client.get(f"{V2}/requests/{code}.xml").data)
    assert root.findtext("request/media_url") == "https://img.example.org/p/123.jpg"


# -- GET Service Requests; GET Service Request -------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_get_service_request_gives_every_field_and_an_unknown_id_is_404(client: FlaskClient, api_key: str,
                                                                        fmt: str) -> None:
    code = post(client, api_key, description="垃圾未清运").get_json()[0]["service_request_id"]
    body = parsed(client.get(f"{V2}/requests/{code}.{fmt}"), fmt)
    fields = ("service_request_id", "status", "status_notes", "service_name", "service_code", "description",
              "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
              "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url")
    row = body[0] if fmt == "json" else {c.tag: c.text for c in body.find("request")}  # type: ignore[union-attr]
    assert set(fields) <= set(row)
    assert row["status"] == "open"
    missing = client.get(f"{V2}/requests/260302-ABCDEF.{fmt}")
    assert missing.status_code == 404 and error_codes(missing, fmt)[0][0] == 404


# -- a third-party client ----------------------------------------------------------------------------------




@pytest.mark.parametrize("fmt", FORMATS)
def test_the_georeport_client_from_pypi_reads_every_operation(live_url: str, client: FlaskClient, api_key: str,
                                                             fmt: str) -> None:
    code = post(client, api_key, description="小区门口路面塌陷").get_json()[0]["service_request_id"]
    georeport = GeoReport(live_url + V2, jurisdiction="casegrid", output_format=fmt)
    services = georeport.get_service_list()
    assert "环境卫生" in [s["service_name"] for s in services]
    definition = georeport.get_service_definition("2")
    assert definition["service_code"] == "2"
    requests = georeport.get_service_requests(status="open")
    row = requests if isinstance(requests, dict) else requests[0]  # xmltodict gives one row as a dict
    assert row["service_request_id"] == code
    assert georeport.get_service_request(code)["description"] == "小区门口路面塌陷"
    with pytest.raises(Exception, match="404"):
        GeoReport(live_url + V2, jurisdiction="elsewhere", output_format=fmt).get_service_list()
