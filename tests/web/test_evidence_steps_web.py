"""Files at the steps in the browser's forms and the JSON API: the department's before/after photos and
documents, the mediation session's files and the signed agreement's scan; a file that does not fit is refused
next to its field with nothing attached and the case where it was; the public sees the completion photos
without EXIF; an object store serves the same pages."""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image

from engine.cases.models import Case
from engine.clock import FixedClock
from engine.db import Database
from engine.demo.driver import Driver
from tests.fixtures import photos
from tests.fixtures.evidence_steps import at_completion, attachments
from tests.fixtures.stores import dead_s3_store, new_bucket, s3_endpoint, s3_url  # noqa: F401 (fixture)
from tests.web.conftest import LoginAs
from tests.web.test_api import basic


@pytest.fixture
def web_driver(csrf_app: Flask, clock: FixedClock) -> Driver:
    """Drives cases through the app's own services (its store, its limits)."""
    return Driver(csrf_app.extensions["casegrid.cases"], clock)


def _fetch(client: FlaskClient, url: str):
    answer = client.get(url)
    answer.get_data()
    answer.close()
    return answer


def _complete(client: FlaskClient, driver: Driver, case: Case, **files: list[tuple[bytes, str]]):
    item = driver.item(case, "complete")
    data: dict = {"case_version": str(driver.service.case(case.id).version), "completion_report": "已更换灯泡，恢复照明"}
    for name, items in files.items():
        data[name] = [(io.BytesIO(content), filename) for content, filename in items]
    return client.post(f"/inbox/tasks/{item.id}", data=data, content_type="multipart/form-data")


def test_the_department_completes_with_photos_and_the_resident_sees_both_public_copies(
        csrf_app: Flask, login_as: LoginAs, web_driver: Driver, db: Database) -> None:
    case = at_completion(web_driver)
    department = login_as("chengguan")
    form = department.get(f"/inbox/tasks/{web_driver.item(case, 'complete').id}").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in form and 'name="after_photos"' in form and 'accept="image/jpeg' in form
    answer = _complete(department, web_driver, case, before_photos=[(photos.photo(colour="red", gps=True), "b.jpg")],
                       after_photos=[(photos.photo(colour="green", gps=True), "a.jpg")],
                       documents=[(photos.pdf(), "report.pdf")])
    assert answer.status_code == 302, answer.get_data(as_text=True)
    assert attachments(db) == 3
    track = csrf_app.test_client().get(f"/track/{case.tracking_code}").get_data(as_text=True)
    assert "处置前" in track and "处置后" in track
    urls = re.findall(rf'/track/{case.tracking_code}/photos/[0-9a-f]{{64}}', track)
    assert len(urls) == 4  # two photos, a copy and a thumbnail each; the PDF is not public
    for url in urls:
        data = _fetch(csrf_app.test_client(), url).data
        assert b"CameraMaker" not in data
        with Image.open(io.BytesIO(data)) as img:
            assert not img.getexif()
    page = department.get(f"/cases/{case.tracking_code}").get_data(as_text=True)
    assert "办理文书" in page and page.count(f"/cases/{case.tracking_code}/files/") >= 3


@pytest.mark.parametrize("field,data,name,message", [
    ("after_photos", photos.renamed_program(), "after.jpg", "程序或压缩包"),
    ("after_photos", photos.zip_polyglot(), "after.jpg", "多余或缺失"),
    ("after_photos", photos.png_bomb(), "bomb.png", "像素过多"),
    ("after_photos", photos.photo()[:-300], "cut.jpg", "不是完整的照片"),
    ("after_photos", photos.pdf(), "scan.pdf", "只能上传照片"),
    ("documents", photos.pdf(b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >>"), "x.pdf", "脚本"),
])
def test_a_bad_file_is_refused_next_to_its_field_and_the_case_stays(csrf_app: Flask, login_as: LoginAs,
                                                                     web_driver: Driver, db: Database, field: str,
                                                                     data: bytes, name: str, message: str) -> None:
    case = at_completion(web_driver)
    version = web_driver.service.case(case.id).version
    answer = _complete(login_as("chengguan"), web_driver, case, **{field: [(data, name)]})
    text = answer.get_data(as_text=True)
    assert answer.status_code == 400 and message in text and name in text
    assert re.search(rf'class="field has-error[^"]*">\s*<label for="{field}"', text), text
    assert attachments(db) == 0 and web_driver.service.case(case.id).version == version
    assert "complete" in web_driver.open_ids(case)


def test_over_the_size_limit_and_too_many_files_are_refused(csrf_app: Flask, login_as: LoginAs,
                                                            web_driver: Driver, db: Database) -> None:
    csrf_app.extensions["casegrid.evidence"].max_file_bytes = 200 * 1024
    case = at_completion(web_driver)
    department = login_as("chengguan")
    big = _complete(department, web_driver, case, after_photos=[(photos.photo(size=(1600, 1200)) + b"\0" * 300_000,
                                                                 "big.jpg")])
    assert big.status_code == 400 and "超过" in big.get_data(as_text=True)
    seven = [(photos.photo(colour=c), f"{c}.jpg") for c in ("red", "blue", "green", "white", "black", "gray", "pink")]
    many = _complete(department, web_driver, case, after_photos=seven)
    assert many.status_code == 400 and "最多 6 个文件，这次选了 7 个" in many.get_data(as_text=True)
    assert attachments(db) == 0


def test_a_storage_outage_refuses_the_step_and_the_case_stays(csrf_app: Flask, login_as: LoginAs,
                                                              web_driver: Driver, db: Database, tmp_path: Path) -> None:
    csrf_app.extensions["casegrid.evidence"].store = dead_s3_store(tmp_path)
    case = at_completion(web_driver)
    version = web_driver.service.case(case.id).version
    answer = _complete(login_as("chengguan"), web_driver, case, after_photos=[(photos.photo(), "a.jpg")])
    assert answer.status_code == 400 and "暂时无法保存" in answer.get_data(as_text=True)
    assert web_driver.service.case(case.id).version == version and attachments(db) == 0


def test_the_api_uploads_then_completes_naming_the_files(csrf_app: Flask, login_as: LoginAs, web_driver: Driver,
                                                        db: Database) -> None:
    case = at_completion(web_driver)
    api = csrf_app.test_client()
    api.environ_base["HTTP_AUTHORIZATION"] = basic("chengguan")["Authorization"]
    item = web_driver.item(case, "complete")
    form = api.get(f"/api/work-items/{item.id}").get_json()["form"]
    after = next(f for f in form if f["id"] == "after_photos")
    assert (after["type"], after["purpose"], after["min_files"], after["max_files"]) == ("photo", "after", 0, 6)
    refused = api.post("/api/evidence", data={"file": (io.BytesIO(photos.renamed_program()), "a.jpg")},
                       content_type="multipart/form-data")
    assert refused.status_code == 400 and "程序或压缩包" in refused.get_json()["field_errors"]["file"]
    assert api.post("/api/evidence", data={}, content_type="multipart/form-data").status_code == 400
    session = login_as("chengguan")  # a browser session alone: a cross-site form could send this one
    assert session.post("/api/evidence", data={"file": (io.BytesIO(photos.photo()), "a.jpg")},
                        content_type="multipart/form-data").status_code == 401
    assert api.post("/api/evidence", json={"file": "x"}).status_code == 415
    upload = api.post("/api/evidence", data={"file": (io.BytesIO(photos.photo(gps=True)), "a.jpg")},
                      content_type="multipart/form-data")
    assert upload.status_code == 201 and upload.get_json()["media_type"] == "image/jpeg"
    sha = upload.get_json()["sha256"]
    wrong = api.post(f"/api/work-items/{item.id}/complete", json={"data": {
        "completion_report": "已处理完毕", "after_photos": [{"sha256": sha, "purpose": "agreement"}]}})
    assert wrong.status_code == 400 and "用途" in wrong.get_json()["field_errors"]["after_photos"]
    assert attachments(db) == 0
    done = api.post(f"/api/work-items/{item.id}/complete", json={"data": {
        "completion_report": "已处理完毕", "after_photos": [{"sha256": sha, "purpose": "after"}]}})
    assert done.status_code == 200, done.get_json()
    assert attachments(db) == 1


def test_mediation_session_files_and_the_signed_agreement_scan_in_the_browser(
        csrf_app: Flask, login_as: LoginAs, web_driver: Driver, db: Database) -> None:
    from engine.demo import mediation_scenarios as ms

    with db.transaction() as s:
        ms.seed_mediators(s)
    case = ms.register(web_driver)
    ms.assign_and_accept(web_driver, case)
    ms.everyone_agrees(web_driver, case)
    mediator = login_as("tiaojie")
    session_id = web_driver.item(case, "hold_session").id
    answer = mediator.post(f"/mediation/tasks/{session_id}/session", content_type="multipart/form-data", data={
        "case_version": str(web_driver.service.case(case.id).version), "session_date": ms._today(web_driver),
        "attendees": "双方当事人", "session_notes": "双方同意赔偿", "session_result": "agreement",
        "session_files": [(io.BytesIO(photos.photo(colour="white")), "notes.jpg")]})
    assert answer.status_code == 302, answer.get_data(as_text=True)
    item_id, actor = ms._mediator(web_driver, case, "draft_agreement")
    ms.mediation(web_driver).save_agreement_draft(item_id, "赔偿维修费 3000 元", actor)
    party = ms.mediation(web_driver).mediation_page(case.tracking_code, actor).parties[0]

    def sign(scan: bytes) -> object:
        return mediator.post(f"/mediation/tasks/{item_id}/agreement/signatures", content_type="multipart/form-data",
                             data={"case_version": str(web_driver.service.case(case.id).version),
                                   "party_id": str(party.id), "outcome": "signed",
                                   "signed_on": ms._today(web_driver), "scan": (io.BytesIO(scan), "scan.pdf")})

    bad = sign(photos.renamed_program())
    assert bad.status_code == 400 and "程序或压缩包" in bad.get_data(as_text=True)
    good = sign(photos.pdf())
    assert good.status_code == 302, good.get_data(as_text=True)
    printed = mediator.get(f"/mediation/{case.tracking_code}/agreements/1").get_data(as_text=True)
    assert "签字协议扫描件" in printed and re.search(r"SHA-256 [0-9a-f]{64}", printed)
    assert attachments(db) == 2
    # The scan's original is handed out to the mediator once the download is in the access log.
    original = re.search(rf'/cases/{case.tracking_code}/files/[0-9a-f]{{64}}/original', printed).group(0)
    assert _fetch(mediator, original).status_code == 200
    log = login_as("jiandu").get("/audit/access-log?kind=download").get_data(as_text=True)
    assert "下载证据原件（调解协议）" in log and case.tracking_code in log


def test_an_object_store_serves_the_public_copies_and_the_originals(csrf_app: Flask, login_as: LoginAs,
                                                                   web_driver: Driver, s3_endpoint: str,
                                                                   tmp_path: Path) -> None:
    from engine.evidence.stores import open_store

    csrf_app.extensions["casegrid.evidence"].store = open_store(s3_url(s3_endpoint, new_bucket(s3_endpoint)),
                                                                incoming=tmp_path / "incoming")
    case = at_completion(web_driver)
    department = login_as("chengguan")
    assert _complete(department, web_driver, case,
                     after_photos=[(photos.photo(gps=True), "a.jpg")]).status_code == 302
    track = csrf_app.test_client().get(f"/track/{case.tracking_code}").get_data(as_text=True)
    [public, *_] = re.findall(rf'/track/{case.tracking_code}/photos/[0-9a-f]{{64}}', track)
    answer = _fetch(csrf_app.test_client(), public)
    assert answer.status_code == 200 and answer.data[:2] == b"\xff\xd8" and b"CameraMaker" not in answer.data
    page = department.get(f"/cases/{case.tracking_code}").get_data(as_text=True)
    original = re.search(rf'/cases/{case.tracking_code}/files/[0-9a-f]{{64}}/original', page).group(0)
    assert b"CameraMaker" in _fetch(department, original).data


def test_the_limits_are_settings(db: Database, clock: FixedClock, tmp_path: Path) -> None:
    """Files per case (EVIDENCE_MAX_PER_CASE) and uploads per address (EVIDENCE_UPLOAD_LIMIT) come from the
    configuration, like the largest file (EVIDENCE_MAX_FILE_BYTES, above)."""
    from web import create_app

    app = create_app({"TESTING": True, "DATABASE": db, "DATABASE_URL": db.url, "CLOCK": clock, "SECRET_KEY": "t",
                      "INSTANCE": str(tmp_path / "instance"), "WTF_CSRF_ENABLED": False,
                      "EVIDENCE_MAX_PER_CASE": 1, "EVIDENCE_UPLOAD_LIMIT": "2 per hour",
                      "RATELIMIT_STORAGE_URI": "memory://"})
    driver = Driver(app.extensions["casegrid.cases"], clock)
    case = at_completion(driver)
    department = app.test_client()
    department.post("/login", data={"username": "chengguan", "password": "casegrid-demo"})
    answer = _complete(department, driver, case, after_photos=[(photos.photo(colour="red"), "a.jpg"),
                                                               (photos.photo(colour="blue"), "b.jpg")])
    assert answer.status_code == 400 and "每件案件最多 1 个文件（已有 0 个）" in answer.get_data(as_text=True)
    assert attachments(db) == 0
    api = app.test_client()
    api.environ_base["HTTP_AUTHORIZATION"] = basic("chengguan")["Authorization"]
    codes = [api.post("/api/evidence", data={"file": (io.BytesIO(photos.photo(colour=c)), "a.jpg")},
                      content_type="multipart/form-data").status_code for c in ("red", "blue", "green")]
    assert codes == [201, 201, 429]
