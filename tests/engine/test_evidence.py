"""Evidence files: stored once by SHA-256, attached with an event the hash chain covers, hostile files refused
with nothing stored, public copies without EXIF, and ``verify`` naming the case when a stored file changes.

Every test runs with the local folder and with an S3-compatible server (moto), on SQLite and PostgreSQL."""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from engine import Intake
from engine.cases.events import CaseEvent
from engine.db import Database
from engine.errors import NotFound, PermissionDenied, ValidationError
from engine.evidence.content import FileRefused
from engine.evidence.models import Attachment, EvidenceFile
from engine.evidence.operations import attach
from engine.evidence.service import EvidenceService
from engine.evidence.store import EvidenceStore, Store
from engine.cases.queries import lock_case
from engine.people.actor import Actor
from engine import CaseService
from tests.fixtures import photos
from tests.fixtures.stores import (  # noqa: F401 (fixtures)
    dead_s3_store,
    evidence_store,
    overwrite,
    read,
    s3_endpoint,
    store_location,
    stored_names,
)

GRID_WORKER = Actor("wangge", "grid_worker", grid_code="XF-01")
OTHER_GRID = Actor("lisi", "grid_worker", grid_code="XF-02")
DEPARTMENT = Actor("chengguan", "department", department_code="chengguan")


@pytest.fixture
def evidence(db: Database, clock, evidence_store: Store) -> EvidenceService:
    return EvidenceService(db, evidence_store, clock)


def test_a_photo_is_stored_once_by_its_hash_with_capture_metadata(evidence: EvidenceService, db: Database) -> None:
    data = photos.photo(gps=True)
    first = evidence.receive(io.BytesIO(data))
    again = evidence.receive(io.BytesIO(data))
    assert first == again and first.media_type == "image/jpeg" and first.size == len(data)
    assert read(evidence.store, first.sha256) == data
    assert f"{first.sha256[:2]}/{first.sha256[2:4]}/{first.sha256}" in "\n".join(stored_names(evidence.store))
    with db.reading() as s:
        row = s.get(EvidenceFile, first.sha256)
        assert s.scalar(select(func.count()).select_from(EvidenceFile)) == 1
    assert (row.captured_at, row.gps_lat, row.gps_lon) == ("2026-03-01T18:20:05", "31.230417", "121.473678")
    assert not [name for name in stored_names(evidence.store) if "/" not in name or "incoming" in name]


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "HEIF"])
def test_public_copy_and_thumbnail_carry_no_exif(evidence: EvidenceService, db: Database, fmt: str) -> None:
    stored = evidence.receive(io.BytesIO(photos.photo(fmt, size=(2400, 1800), gps=True)))
    with db.reading() as s:
        row = s.get(EvidenceFile, stored.sha256)
    for sha256, side in ((row.public_sha256, 1600), (row.thumb_sha256, 320)):
        data = read(evidence.store, sha256)
        with Image.open(io.BytesIO(data)) as img:
            assert img.format == "JPEG" and max(img.size) == side
            assert not img.getexif() and "exif" not in img.info
        assert b"Exif" not in data and b"CameraMaker" not in data and b"2026:03:01" not in data


# Not HEIF: there the rotation is the container's irot box, applied by libheif as it decodes (EXIF's orientation
# is ignored by the format and reset by pillow-heif), so a HEIC cannot be written sideways through EXIF.
@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_a_photo_taken_sideways_is_shown_upright(evidence: EvidenceService, db: Database, fmt: str) -> None:
    stored = evidence.receive(io.BytesIO(photos.photo(fmt, size=(2400, 1800), orientation=6)))
    with db.reading() as s:
        row = s.get(EvidenceFile, stored.sha256)
    for sha256, size in ((row.public_sha256, (1200, 1600)), (row.thumb_sha256, (240, 320))):
        with Image.open(io.BytesIO(read(evidence.store, sha256))) as img:
            assert img.size == size


def test_a_palette_png_is_flattened_onto_white_before_it_is_scaled(evidence: EvidenceService, db: Database) -> None:
    img = Image.new("P", (2000, 1000), 0)
    img.putpalette([255, 0, 0, 0, 0, 255] + [0] * 762)
    for x in range(0, 2000, 2):  # a fine red/blue stripe: nearest-neighbour scaling would keep one colour
        img.paste(1, (x, 0, x + 1, 1000))
    out = io.BytesIO()
    img.save(out, format="PNG")
    stored = evidence.receive(io.BytesIO(out.getvalue()))
    with db.reading() as s:
        row = s.get(EvidenceFile, stored.sha256)
    with Image.open(io.BytesIO(read(evidence.store, row.public_sha256))) as public:
        r, g, b = public.convert("RGB").getpixel((800, 400))
    assert r > 60 and b > 60  # the stripes averaged to purple, not one of the two colours


def test_report_with_photos_is_one_transaction_with_chained_events(service: CaseService, evidence: EvidenceService,
                                                                   db: Database) -> None:
    shas = [evidence.receive(io.BytesIO(photos.photo(colour=c, gps=True))).sha256 for c in ("red", "blue")]
    case = service.report(Intake("路灯不亮", "公共设施", grid_code="XF-01"), GRID_WORKER, evidence=shas).case
    events = [e for e in service.events(case.tracking_code) if e.type == "evidence_attached"]
    assert [json.loads(e.payload)["sha256"] for e in events] == shas
    payload = json.loads(events[0].payload)
    assert payload["purpose"] == "report" and payload["media_type"] == "image/jpeg"
    assert payload["gps"] == ["31.230417", "121.473678"] and payload["captured_at"] == "2026-03-01T18:20:05"
    assert events[0].actor == GRID_WORKER.username and payload["size"] > 0 and payload["public_sha256"]
    assert all(check.ok for check in service.verify(case.tracking_code))
    gallery = evidence.gallery(case.tracking_code, GRID_WORKER)
    assert [(v.sha256, v.event_seq) for v in gallery] == [(shas[0], events[0].seq), (shas[1], events[1].seq)]
    assert [p.public_sha256 for p in evidence.public_photos(case.tracking_code)] == [v.public_sha256 for v in gallery]


def test_a_file_never_received_is_not_attached_and_nothing_is_written(service: CaseService, db: Database) -> None:
    with pytest.raises(ValidationError) as refused:
        service.report(Intake("路灯不亮", "公共设施", grid_code="XF-01"), GRID_WORKER, evidence=["ab" * 32])
    assert "file" in refused.value.field_errors
    with db.reading() as s:
        assert s.scalar(select(func.count()).select_from(CaseEvent)) == 0


def test_per_case_count_is_enforced_inside_the_transaction(service: CaseService, evidence: EvidenceService,
                                                           db: Database, clock) -> None:
    shas = [evidence.receive(io.BytesIO(photos.photo(colour=c))).sha256 for c in ("red", "blue", "green")]
    case = service.report(Intake("路灯不亮", "公共设施", grid_code="XF-01"), GRID_WORKER, evidence=shas[:2]).case
    with pytest.raises(ValidationError, match="最多 2 个"):
        with db.transaction() as s:
            attach(s, lock_case(s, case.id), shas[2:], purpose="report", actor=GRID_WORKER, at=clock.now(),
                   max_per_case=2)
    with pytest.raises(ValidationError, match="未知的用途"):
        with db.transaction() as s:
            attach(s, lock_case(s, case.id), shas[2:], purpose="selfie", actor=GRID_WORKER, at=clock.now())
    with db.reading() as s:
        assert s.scalar(select(func.count()).select_from(Attachment)) == 2


HOSTILE = {
    "renamed program": (photos.renamed_program, "程序或压缩包"),
    "zip polyglot": (photos.zip_polyglot, "多余或缺失"),
    "truncated jpeg": (lambda: photos.photo(size=(400, 300))[:-300], "不是完整的照片"),
    "png cut after its pixels": (lambda: photos.photo("PNG", size=(400, 300))[:-20], "多余或缺失"),
    "png cut in half": (lambda: _half(photos.photo("PNG", size=(400, 300))), "不是完整的照片"),
    "html in a gif": (lambda: b"GIF89a<script>alert(1)</script>", "网页或 PDF"),
    "gif": (lambda: _gif(), "只能上传"),
    "image bomb": (photos.png_bomb, "像素过多"),
    "image bomb under the error line": (lambda: photos.png_bomb(8_000, 7_000), "像素过多"),
    "pdf with javascript": (lambda: photos.pdf(b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >>"), "脚本"),
    "truncated pdf": (lambda: photos.pdf()[:-10], "PDF 文件不完整"),
    "empty": (lambda: b"", "空的"),
    "truncated heic": (lambda: photos.heic(size=(400, 300))[:-200], "不是完整的照片"),
    "heic cut in half": (lambda: _half(photos.heic(size=(400, 300))), "不是完整的照片"),
    "zip after a heic": (lambda: photos.heic() + photos.zip_polyglot()[-200:], "多余或缺失"),
    "heic bomb": (photos.heic_bomb, "像素过多"),
    "heic bomb under the error line": (lambda: photos.heic_bomb(8_000, 7_000), "像素过多"),
    "heic beyond libheif's limits": (lambda: photos.heic_bomb(70_000, 70_000), "像素过多"),
}


def _half(data: bytes) -> bytes:
    return data[:len(data) // 2]


def _gif() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, format="GIF")
    return out.getvalue()


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_files_are_refused_and_nothing_is_stored(evidence: EvidenceService, db: Database, name: str) -> None:
    make, message = HOSTILE[name]
    with pytest.raises(FileRefused) as refused:
        evidence.receive(io.BytesIO(make()))
    assert message in refused.value.field_errors["file"]
    assert stored_names(evidence.store) == []
    with db.reading() as s:
        assert s.scalar(select(func.count()).select_from(EvidenceFile)) == 0


def test_over_the_size_limit_is_refused_while_streaming(db: Database, clock, evidence_store: Store) -> None:
    evidence = EvidenceService(db, evidence_store, clock, max_file_bytes=1024 * 1024)
    with pytest.raises(FileRefused, match="超过 1 MB"):
        evidence.receive(io.BytesIO(b"\xff\xd8" + b"\x00" * (2 * 1024 * 1024)))
    assert stored_names(evidence_store) == []


def test_an_iphone_heic_is_kept_as_sent_with_its_metadata_and_a_jpeg_public_copy(
        service: CaseService, evidence: EvidenceService, db: Database) -> None:
    data = photos.heic(size=(2400, 1800), gps=True)
    stored = evidence.receive(io.BytesIO(data))
    assert stored.media_type == "image/heic" and stored.is_image and stored.size == len(data)
    assert evidence.receive(io.BytesIO(data)) == stored  # content-addressed: the same bytes are one file
    assert read(evidence.store, stored.sha256) == data  # the original as the phone sent it
    with db.reading() as s:
        row = s.get(EvidenceFile, stored.sha256)
        assert s.scalar(select(func.count()).select_from(EvidenceFile)) == 1
    assert (row.width, row.height) == (2400, 1800)
    assert (row.captured_at, row.gps_lat, row.gps_lon) == ("2026-03-01T18:20:05", "31.230417", "121.473678")
    case = service.report(Intake("路灯不亮", "公共设施", grid_code="XF-01"), GRID_WORKER,
                          evidence=[stored.sha256]).case
    [event] = [e for e in service.events(case.tracking_code) if e.type == "evidence_attached"]
    payload = json.loads(event.payload)
    assert payload["media_type"] == "image/heic" and payload["gps"] == ["31.230417", "121.473678"]
    assert all(check.ok for check in service.verify(case.tracking_code))
    [shown] = evidence.public_photos(case.tracking_code)
    assert shown.public_sha256 == row.public_sha256 and shown.thumb_sha256 == row.thumb_sha256


def test_a_plain_pdf_is_kept_without_public_copies(evidence: EvidenceService, db: Database) -> None:
    stored = evidence.receive(io.BytesIO(photos.pdf()))
    assert stored.media_type == "application/pdf"
    with db.reading() as s:
        row = s.get(EvidenceFile, stored.sha256)
    assert row.public_sha256 is None and row.thumb_sha256 is None


def test_files_are_read_back_only_by_who_may_see_the_case(service: CaseService, evidence: EvidenceService) -> None:
    sha = evidence.receive(io.BytesIO(photos.photo(gps=True))).sha256
    other = evidence.receive(io.BytesIO(photos.photo(colour="red"))).sha256
    case = service.report(Intake("路灯不亮", "公共设施", grid_code="XF-01"), GRID_WORKER, evidence=[sha]).case
    with evidence.staff_file(case.tracking_code, sha, "original", GRID_WORKER).open() as original:
        assert original.read()[:2] == b"\xff\xd8"
    with pytest.raises(NotFound):
        evidence.staff_file(case.tracking_code, other, "original", GRID_WORKER)  # stored, but not this case's
    with pytest.raises((NotFound, PermissionDenied)):
        evidence.staff_file(case.tracking_code, sha, "original", OTHER_GRID)
    public = evidence.public_photos(case.tracking_code)[0]
    assert evidence.public_file(case.tracking_code, public.thumb_sha256).media_type == "image/jpeg"
    with pytest.raises(NotFound):
        evidence.public_file(case.tracking_code, sha)  # the original (with its EXIF) is never public


@pytest.mark.parametrize("damage", ["altered", "deleted", "public copy deleted"])
def test_verify_fails_naming_the_case_when_a_stored_file_changes(service: CaseService, evidence: EvidenceService,
                                                                 db: Database, damage: str) -> None:
    from click.testing import CliRunner

    from engine.cli import main

    kept = service.report(Intake("井盖缺失", "公共设施", grid_code="XF-01"), GRID_WORKER,
                          evidence=[evidence.receive(io.BytesIO(photos.photo(colour="red"))).sha256]).case
    sha = evidence.receive(io.BytesIO(photos.photo(gps=True))).sha256
    case = service.report(Intake("路灯不亮", "公共设施", grid_code="XF-01"), GRID_WORKER, evidence=[sha]).case
    url = db.engine.url.render_as_string(hide_password=False)
    args = ["verify", "--db", url, "--evidence", store_location(evidence.store)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0 and "2 cases" in result.output and "6 evidence files" in result.output, result.output
    seq = next(e.seq for e in service.events(case.id) if e.type == "evidence_attached")
    with db.reading() as s:
        public = s.get(EvidenceFile, sha).public_sha256
    if damage == "altered":
        overwrite(evidence.store, sha, read(evidence.store, sha)[:-3] + b"\x00\xff\xd9")
    else:
        evidence.store.delete(public if damage == "public copy deleted" else sha)
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    assert f"FAILED: case {case.tracking_code} (id {case.id}) at seq {seq}" in result.output
    assert kept.tracking_code not in result.output
    assert ("与哈希不符" if damage == "altered" else "缺失") in result.output
    assert ("公开副本" if damage == "public copy deleted" else "原件") in result.output
    alone = CliRunner().invoke(main, args[:3] + [kept.tracking_code] + args[3:])
    assert alone.exit_code == 0, alone.output  # the intact case on its own still verifies


@pytest.mark.parametrize("kind", ["local", "s3"])
def test_a_storage_outage_refuses_the_upload_and_references_nothing(db: Database, clock, tmp_path: Path,
                                                                    kind: str) -> None:
    from engine.errors import StorageUnavailable

    if kind == "local":
        blocked = tmp_path / "not-a-folder"
        blocked.write_text("the evidence root is a file: every write fails")
        store: Store = EvidenceStore(blocked)
    else:
        store = dead_s3_store(tmp_path)
    evidence = EvidenceService(db, store, clock)
    with pytest.raises(StorageUnavailable, match="暂时无法保存") as outage:
        evidence.receive(io.BytesIO(photos.photo()))
    assert kind == "local" or "对象存储无法访问" in outage.value.message
    with db.reading() as s:
        assert s.scalar(select(func.count()).select_from(EvidenceFile)) == 0
    assert not list((tmp_path / "incoming").glob("*"))  # the checked upload waited locally and is gone


def test_staff_are_warned_of_a_photo_taken_long_before_the_report(service: CaseService, evidence: EvidenceService,
                                                                 clock) -> None:
    sha = evidence.receive(io.BytesIO(photos.photo(gps=True))).sha256  # taken 2026-03-01 18:20 (China)
    fresh = service.report(Intake("路灯不亮", "公共设施", grid_code="XF-01"), GRID_WORKER, evidence=[sha]).case
    clock.advance(days=3)
    late = service.report(Intake("路灯还是不亮", "公共设施", grid_code="XF-01"), GRID_WORKER, evidence=[sha]).case
    [same_morning] = evidence.gallery(fresh.tracking_code, GRID_WORKER)
    [three_days] = evidence.gallery(late.tracking_code, GRID_WORKER)
    assert (same_morning.hours_before_report, same_morning.taken_long_before) == (14, False)  # 09:00 the next day
    assert (three_days.hours_before_report, three_days.taken_long_before) == (86, True)
    untimed = evidence.receive(io.BytesIO(photos.photo(colour="red"))).sha256
    case = service.report(Intake("井盖缺失", "公共设施", grid_code="XF-01"), GRID_WORKER, evidence=[untimed]).case
    assert evidence.gallery(case.tracking_code, GRID_WORKER)[0].hours_before_report is None  # no capture time


def test_uploads_never_attached_are_swept_after_the_grace_period(service: CaseService, evidence: EvidenceService,
                                                                db: Database, clock) -> None:
    from datetime import timedelta

    from click.testing import CliRunner

    from engine.cli import main

    kept = evidence.receive(io.BytesIO(photos.photo(gps=True))).sha256
    case = service.report(Intake("路灯不亮", "公共设施", grid_code="XF-01"), GRID_WORKER, evidence=[kept]).case
    abandoned = evidence.receive(io.BytesIO(photos.photo(size=(800, 600), colour="red"))).sha256
    document = photos.pdf()
    evidence.receive(io.BytesIO(document))
    clock.advance(hours=20)
    again = evidence.receive(io.BytesIO(document)).sha256  # received again: its grace period starts anew
    clock.advance(hours=5)
    fresh = evidence.receive(io.BytesIO(photos.photo(size=(800, 600), colour="blue"))).sha256
    with db.reading() as s:
        copies = {s.get(EvidenceFile, abandoned).public_sha256, s.get(EvidenceFile, abandoned).thumb_sha256}
    swept = evidence.sweep_unattached(timedelta(hours=24))
    assert (swept.uploads, swept.files) == (1, 3)
    names = "\n".join(stored_names(evidence.store))
    assert abandoned not in names and not any(c in names for c in copies)
    assert all(sha in names for sha in (kept, again, fresh))
    with db.reading() as s:
        assert s.get(EvidenceFile, abandoned) is None and s.get(EvidenceFile, kept) is not None
    assert evidence.check_files().problems == [] and all(c.ok for c in service.verify(case.tracking_code))
    # The command (on the system clock, months after these uploads): every unattached upload goes, none attached.
    url = db.engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(main, ["evidence-sweep", "--db", url, "--evidence", store_location(evidence.store)])
    assert result.exit_code == 0 and "removed 2 unattached upload(s), 4 stored file(s)" in result.output, result.output
    assert evidence.check_files().problems == [] and evidence.check_files().files == 3
    bad = CliRunner().invoke(main, ["evidence-sweep", "--db", url, "--older-than", "0m"])
    assert bad.exit_code == 2 and "longer than zero" in bad.output
