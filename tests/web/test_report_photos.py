"""Photos on the resident's report: received on their own screen, refused with a message next to the field,
attached with the case, shown to staff (originals only to who may see the case) and to the public without EXIF."""
from __future__ import annotations

import io
import re
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from PIL import Image

from tests.fixtures import photos
from tests.web.conftest import LoginAs


def _to_photos(client: FlaskClient) -> None:
    client.post("/report?new=1", data={"category": "公共设施"})
    client.post("/report", data={"category": "公共设施"})
    client.post("/report/where", data={"grid_code": "XF-01", "address": "3号楼门口"})
    assert client.post("/report/what", data={"description": "路灯不亮"}).headers["Location"] == "/report/photos"


def _fetch(client: FlaskClient, url: str):
    """GET a file and close the response (send_file keeps the file open until then)."""
    answer = client.get(url)
    answer.get_data()
    answer.close()
    return answer


def _files(*items: tuple[bytes, str]) -> dict:
    return {"photos": [(io.BytesIO(data), name) for data, name in items]}


def _report(client: FlaskClient, *items: tuple[bytes, str]) -> str:
    _to_photos(client)
    answer = client.post("/report/photos", data=_files(*items), content_type="multipart/form-data")
    assert answer.status_code == 302 and answer.headers["Location"] == "/report/contact", answer.get_data(as_text=True)
    client.post("/report/contact", data={})
    review = client.get("/report/review").get_data(as_text=True)
    assert f"{len(items)} 张" in review
    assert client.post("/report/review").headers["Location"] == "/report/done"
    return re.search(r"\d{6}-[A-Z0-9]{6}", client.get("/report/done").get_data(as_text=True)).group(0)


def test_a_resident_reports_with_two_photos_and_the_public_sees_them_without_exif(csrf_app: Flask,
                                                                                login_as: LoginAs) -> None:
    client = csrf_app.test_client()
    code = _report(client, (photos.photo(gps=True), "IMG_0001.JPG"), (photos.photo("PNG", colour="red"), "b.png"))
    track = client.get(f"/track/{code}").get_data(as_text=True)
    urls = re.findall(rf'/track/{code}/photos/[0-9a-f]{{64}}', track)
    assert len(urls) == 4  # two photos: a public copy and a thumbnail each
    for url in urls:
        answer = _fetch(client, url)
        assert answer.status_code == 200 and answer.mimetype == "image/jpeg"
        assert b"Exif" not in answer.data and b"CameraMaker" not in answer.data
        with Image.open(io.BytesIO(answer.data)) as img:
            assert not img.getexif()
    staff = login_as("wangge")
    page = staff.get(f"/cases/{code}").get_data(as_text=True)
    assert "照片与文件" in page and "31.230417" in page and "2026-03-01 18:20:05" in page
    original = re.search(rf'/cases/{code}/files/[0-9a-f]{{64}}/original', page).group(0)
    download = _fetch(staff, original)
    assert download.status_code == 200 and b"CameraMaker" in download.data
    assert download.headers["Content-Disposition"].startswith("attachment")
    # A grid worker of another grid, and the public with the tracking code, never get the original.
    assert login_as("wangge2").get(original).status_code in (403, 404)
    assert client.get(original).status_code == 302  # to the login page
    sha = original.split("/")[-2]
    assert client.get(f"/track/{code}/photos/{sha}").status_code == 404


def test_a_hostile_file_is_refused_next_to_the_field_and_nothing_is_kept(csrf_app: Flask) -> None:
    client = csrf_app.test_client()
    _to_photos(client)
    root = Path(csrf_app.extensions["casegrid.evidence"].store.root)
    for data, name, message in ((photos.renamed_program(), "photo.jpg", "程序或压缩包"),
                                (photos.zip_polyglot(), "holiday.jpg", "多余或缺失"),
                                (photos.png_bomb(), "bomb.png", "像素过多"),
                                (photos.pdf(), "scan.pdf", "只能上传照片"),
                                (photos.photo()[:-400], "cut.jpg", "照片")):
        answer = client.post("/report/photos", data=_files((data, name)), content_type="multipart/form-data")
        text = answer.get_data(as_text=True)
        assert answer.status_code == 400 and name in text and message in text, text
        assert re.search(r'class="field has-error', text)
    assert [p for p in root.rglob("*") if p.is_file()] == []
    assert client.get("/report/review").status_code in (200, 302)


def test_at_most_six_photos_and_the_draft_thumbnail_only_to_its_session(csrf_app: Flask) -> None:
    client = csrf_app.test_client()
    _to_photos(client)
    six = [(photos.photo(colour=c), f"{c}.jpg") for c in ("red", "blue", "green", "white", "black", "gray")]
    assert client.post("/report/photos", data=_files(*six[:4]), content_type="multipart/form-data").status_code == 302
    refused = client.post("/report/photos", data=_files(*six[:3]), content_type="multipart/form-data")
    assert refused.status_code == 400 and "最多 6 张照片（已添加 4 张）" in refused.get_data(as_text=True)
    page = client.get("/report/photos").get_data(as_text=True)
    thumbs = re.findall(r'/report/photos/[0-9a-f]{64}', page)
    assert len(thumbs) == 4 and _fetch(client, thumbs[0]).mimetype == "image/jpeg"
    assert csrf_app.test_client().get(thumbs[0]).status_code == 404  # another browser's session
    assert client.post("/report/photos", data={"clear": "1"}).status_code == 200
    assert "已添加" not in client.get("/report/photos").get_data(as_text=True)


def test_a_storage_outage_is_told_next_to_the_field_and_the_report_goes_on_without_the_photo(
        csrf_app: Flask, tmp_path: Path) -> None:
    from engine.evidence.store import EvidenceStore

    blocked = tmp_path / "blocked"
    blocked.write_text("not a folder")
    csrf_app.extensions["casegrid.evidence"].store = EvidenceStore(blocked)
    client = csrf_app.test_client()
    _to_photos(client)
    answer = client.post("/report/photos", data=_files((photos.photo(), "a.jpg")), content_type="multipart/form-data")
    assert answer.status_code == 400 and "暂时无法保存" in answer.get_data(as_text=True)
    client.post("/report/contact", data={})
    assert client.post("/report/review").headers["Location"] == "/report/done"


def test_the_auditors_replay_shows_each_photo_at_the_step_that_attached_it(csrf_app: Flask, login_as: LoginAs) -> None:
    client = csrf_app.test_client()
    code = _report(client, (photos.photo(gps=True), "a.jpg"), (photos.photo(colour="red"), "b.jpg"))
    auditor = login_as("jiandu")
    replay = auditor.get(f"/audit/cases/{code}").get_data(as_text=True)
    thumbs = re.findall(rf'/cases/{code}/files/([0-9a-f]{{64}})/thumb', replay)
    assert len(thumbs) == 2 and "上传的证据文件" in replay and "31.230417, 121.473678" in replay
    assert _fetch(auditor, f"/cases/{code}/files/{thumbs[0]}/thumb").status_code == 200


def test_an_iphone_heic_is_taken_at_the_report_and_shown_to_the_public_as_a_jpeg_without_exif(
        csrf_app: Flask, login_as: LoginAs) -> None:
    client = csrf_app.test_client()
    heic = photos.heic(size=(2400, 1800), gps=True)
    code = _report(client, (heic, "IMG_0002.HEIC"))
    track = client.get(f"/track/{code}").get_data(as_text=True)
    urls = re.findall(rf'/track/{code}/photos/[0-9a-f]{{64}}', track)
    assert len(urls) == 2  # the public copy and its thumbnail
    for url in urls:
        answer = _fetch(client, url)
        assert answer.status_code == 200 and answer.mimetype == "image/jpeg"
        assert b"Exif" not in answer.data and b"CameraMaker" not in answer.data
        with Image.open(io.BytesIO(answer.data)) as img:
            assert img.format == "JPEG" and not img.getexif() and max(img.size) in (1600, 320)
    staff = login_as("wangge")
    page = staff.get(f"/cases/{code}").get_data(as_text=True)
    assert "31.230417" in page and "2026-03-01 18:20:05" in page
    original = re.search(rf'/cases/{code}/files/[0-9a-f]{{64}}/original', page).group(0)
    download = _fetch(staff, original)
    assert download.status_code == 200 and download.data == heic and download.mimetype == "image/heic"
    assert ".heic" in download.headers["Content-Disposition"]


def test_a_hostile_heic_is_refused_next_to_the_field_and_nothing_is_kept(csrf_app: Flask) -> None:
    client = csrf_app.test_client()
    _to_photos(client)
    root = Path(csrf_app.extensions["casegrid.evidence"].store.root)
    for data, name, message in ((photos.heic_bomb(), "bomb.heic", "像素过多"),
                                (photos.heic(size=(400, 300))[:-200], "cut.heic", "不是完整的照片"),
                                (photos.heic() + b"PK\x03\x04" + b"\x00" * 60, "zip.heic", "多余或缺失")):
        answer = client.post("/report/photos", data=_files((data, name)), content_type="multipart/form-data")
        text = answer.get_data(as_text=True)
        assert answer.status_code == 400 and name in text and message in text, text
    assert [p for p in root.rglob("*") if p.is_file()] == []
