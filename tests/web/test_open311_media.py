"""Open311 and photos: ``media_url`` points at the EXIF-free public copy of a request's photo; a POST may carry
the photo as multipart ``media`` (FixMyStreet's way) or a ``media_url`` link, recorded as given; a file that is
no photo, or a bad link, is refused naming the field with nothing written."""
from __future__ import annotations

import io
import json

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import func, select

from engine.cases.events import CaseEvent
from engine.db import Database
from engine.evidence.models import EvidenceFile
from engine import CaseService
from tests.fixtures import photos
from tests.web.test_open311 import V2, api_key, one  # noqa: F401 (fixture)


def _post(client: FlaskClient, key: str, **extra) -> object:
    data = {"api_key": key, "service_code": "2", "description": "3 号楼门口垃圾堆了三天", "lat": "31.2304",
            "long": "121.4737", "attribute[grid]": "XF-01"} | extra
    return client.post(f"{V2}/requests.json", data=data, content_type="multipart/form-data")


def _count(db: Database, model) -> int:
    with db.reading() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_a_photo_posted_as_media_is_the_requests_media_url_without_exif(client: FlaskClient, api_key: str,
                                                                        service: CaseService) -> None:
    answer = _post(client, api_key, media=(io.BytesIO(photos.photo(gps=True)), "IMG_1.JPG"))
    assert answer.status_code == 201, answer.get_data(as_text=True)
    code = answer.get_json()[0]["service_request_id"]
    attached = [json.loads(e.payload) for e in service.events(code) if e.type == "evidence_attached"]
    assert [a["purpose"] for a in attached] == ["report"] and attached[0]["gps"]
    url = one(client, code)["media_url"]
    assert url.startswith("http://localhost/track/") and attached[0]["public_sha256"] in url
    photo = client.get(url)
    photo.get_data()
    photo.close()  # send_file keeps the file open until then
    assert photo.status_code == 200 and b"CameraMaker" not in photo.data
    with Image.open(io.BytesIO(photo.data)) as img:
        assert not img.getexif()
    listing = client.get(f"{V2}/requests.json?service_request_id={code}").get_json()
    assert listing[0]["media_url"] == url
    xml = client.get(f"{V2}/requests/{code}.xml").get_data(as_text=True)
    assert "<media_url>http://localhost/track/" in xml


def test_an_iphone_heic_posted_as_media_is_kept_and_its_media_url_is_a_jpeg(client: FlaskClient, api_key: str,
                                                                            service: CaseService) -> None:
    answer = _post(client, api_key, media=(io.BytesIO(photos.heic(gps=True)), "IMG_2.HEIC"))
    assert answer.status_code == 201, answer.get_data(as_text=True)
    code = answer.get_json()[0]["service_request_id"]
    [attached] = [json.loads(e.payload) for e in service.events(code) if e.type == "evidence_attached"]
    assert attached["media_type"] == "image/heic" and attached["gps"]
    photo = client.get(one(client, code)["media_url"])
    photo.get_data()
    photo.close()
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg" and b"CameraMaker" not in photo.data


def test_a_request_without_a_photo_has_no_media_url(client: FlaskClient, api_key: str) -> None:
    code = _post(client, api_key).get_json()[0]["service_request_id"]
    assert one(client, code)["media_url"] is None


def test_a_media_url_is_recorded_as_a_link(client: FlaskClient, api_key: str, service: CaseService,
                                          db: Database) -> None:
    answer = _post(client, api_key, media_url="https://img.example.cn/reports/123.jpg")
    code = answer.get_json()[0]["service_request_id"]
    [linked] = [json.loads(e.payload) for e in service.events(code) if e.type == "evidence_linked"]
    assert linked == {"url": "https://img.example.cn/reports/123.jpg", "purpose": "report"}
    assert one(client, code)["media_url"] == "https://img.example.cn/reports/123.jpg"  # the link, as given (GeoReport v2)
    assert _count(db, EvidenceFile) == 0 and all(c.ok for c in service.verify(code))


@pytest.mark.parametrize("extra,field,message", [
    ({"media": (photos.renamed_program(), "photo.jpg")}, "media", "程序或压缩包"),
    ({"media": (photos.zip_polyglot(), "photo.jpg")}, "media", "多余或缺失"),
    ({"media": (photos.png_bomb(), "bomb.png")}, "media", "像素过多"),
    ({"media": (photos.pdf(), "a.pdf")}, "media", "只能上传照片"),
    ({"media_url": "javascript:alert(1)"}, "media_url", "http(s)"),
    ({"media_url": "https://user:pw@example.cn/a.jpg"}, "media_url", "http(s)"),
    ({"media_url": "https://example.cn/" + "a" * 2100}, "media_url", "http(s)"),
])
def test_a_bad_media_or_media_url_is_refused_and_nothing_is_written(client: FlaskClient, api_key: str,
                                                                    db: Database, extra: dict, field: str,
                                                                    message: str) -> None:
    # A fresh stream per run: the parameters are shared by the SQLite and PostgreSQL runs, and a posted stream is closed
    extra = {k: (io.BytesIO(v[0]), v[1]) if isinstance(v, tuple) else v for k, v in extra.items()}
    answer = _post(client, api_key, **extra)
    assert answer.status_code == 400, answer.get_data(as_text=True)
    [error] = answer.get_json()
    assert message in error["description"] and field in error["description"]
    assert _count(db, CaseEvent) == 0 and _count(db, EvidenceFile) == 0


def test_media_without_a_valid_api_key_is_not_even_received(client: FlaskClient, app: Flask, db: Database) -> None:
    answer = _post(client, "wrong", media=(io.BytesIO(photos.photo()), "a.jpg"))
    assert answer.status_code == 403 and _count(db, EvidenceFile) == 0
