"""Receiving files (outside any transaction), attaching them, and reading them back with access checks."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from collections.abc import Collection
from typing import BinaryIO, Literal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from engine.audit.access_log import record_access
from engine.cases.access import check_may_view
from engine.cases.models import Case
from engine.cases.queries import find_case
from engine.clock import Clock, SystemClock, to_db
from engine.db import Database
from engine.calendar.workdays import CHINA_TZ
from engine.errors import NotFound, StorageUnavailable
from engine.evidence.checks import FileCheck, check_files
from engine.evidence.content import IMAGE_TYPES, FileRefused, read_content
from engine.evidence.copies import public_copies
from engine.evidence.models import Attachment, EvidenceFile
from engine.evidence.purposes import PUBLIC_PURPOSES, PURPOSES, SENSITIVE_PURPOSES
from engine.evidence.store import MAX_FILE_BYTES, Store
from engine.evidence.sweep import Swept, sweep_unattached
from engine.people.actor import Actor

Variant = Literal["original", "public", "thumb"]
#: The media types of photos (a form that asks for photos accepts only these).
PHOTOS = frozenset(IMAGE_TYPES.values())


@dataclass(frozen=True)
class StoredFile:
    """A received file, ready to be attached by its ``sha256``."""

    sha256: str
    size: int
    media_type: str

    @property
    def is_image(self) -> bool:
        return self.media_type.startswith("image/")


@dataclass(frozen=True)
class AttachmentView:
    """A file on the staff case page: capture time and position are staff-only evidence."""

    sha256: str
    event_seq: int
    purpose: str
    purpose_label: str
    media_type: str
    size: int
    width: int | None
    height: int | None
    captured_at: str | None
    gps_lat: str | None
    gps_lon: str | None
    thumb_sha256: str | None
    public_sha256: str | None
    uploaded_by: str
    uploaded_role: str
    #: Whole hours the camera's clock puts the photo before the case was reported (None: not before, or unknown).
    hours_before_report: int | None = None

    @property
    def is_image(self) -> bool:
        return self.media_type.startswith("image/")

    @property
    def taken_long_before(self) -> bool:
        """Worth a warning: a report photo a day older than the report, any other photo older than the report
        (a completion photo taken before the problem was reported cannot show it solved)."""
        limit = 24 if self.purpose == "report" else 0
        return self.hours_before_report is not None and self.hours_before_report >= max(limit, 1)


def hours_before(captured_at: str | None, opened_at: datetime) -> int | None:
    """Hours from the camera's clock (China local time, as phones here write it) to the report, if before."""
    if not captured_at:
        return None
    try:
        taken = datetime.fromisoformat(captured_at).replace(tzinfo=CHINA_TZ)
    except ValueError:
        return None
    reported = opened_at.replace(tzinfo=timezone.utc) if opened_at.tzinfo is None else opened_at
    hours = int((reported - taken).total_seconds() // 3600)
    return hours if hours > 0 else None


@dataclass(frozen=True)
class PublicPhoto:
    public_sha256: str
    thumb_sha256: str
    purpose_label: str


@dataclass(frozen=True)
class FileToSend:
    """A stored file to send; :meth:`open` reads it from the store (a folder or a bucket)."""

    store: Store
    sha256: str
    media_type: str

    def open(self) -> BinaryIO:
        """The bytes; :class:`NotFound` when the store has lost them (``verify`` names those),
        :class:`StorageUnavailable` when the store does not answer."""
        try:
            return self.store.open(self.sha256)
        except FileNotFoundError:
            raise NotFound("文件已不在存储中，请联系管理员核查") from None
        except OSError as exc:
            raise StorageUnavailable(f"证据文件暂时无法读取（{exc.strerror or type(exc).__name__}），请稍后再试") from None


class EvidenceService:
    def __init__(self, db: Database, store: Store, clock: Clock | None = None,
                 max_file_bytes: int = MAX_FILE_BYTES) -> None:
        self.db = db
        self.store = store
        self.clock = clock or SystemClock()
        self.max_file_bytes = max_file_bytes

    def receive(self, stream: BinaryIO, kinds: Collection[str] | None = None) -> StoredFile:
        """Store an upload once it is known to be a photo or plain PDF (of ``kinds`` when given);
        :class:`FileRefused` otherwise.

        The file is streamed, checked and renamed into place, the public copy and thumbnail written,
        and only then is it catalogued (one short transaction). It is in no case until attached.
        """
        try:
            return self._receive(stream, kinds)
        except OSError as exc:  # disk full, folder gone or read-only: nothing is referenced, say so
            raise StorageUnavailable(f"证据文件暂时无法保存（{exc.strerror or type(exc).__name__}），请稍后再试") from None

    def _receive(self, stream: BinaryIO, kinds: Collection[str] | None) -> StoredFile:
        received = self.store.receive(stream, self.max_file_bytes)
        try:
            content = read_content(received.path)
            if kinds is not None and content.media_type not in kinds:
                raise FileRefused("这里只能上传照片（JPEG、PNG、WebP 或 HEIC）")
        except FileRefused:
            self.store.discard(received)
            raise
        public = thumb = None
        try:
            copies = public_copies(received.path, content.pixels) if content.is_image else None
            self.store.keep(received)  # an object store takes the local file away
        except BaseException:
            self.store.discard(received)
            raise
        if copies is not None:
            public, thumb = self.store.put_bytes(copies[0]), self.store.put_bytes(copies[1])
        row = EvidenceFile(sha256=received.sha256, size=received.size, media_type=content.media_type,
                           width=content.width, height=content.height, captured_at=content.captured_at,
                           gps_lat=content.gps_lat, gps_lon=content.gps_lon, public_sha256=public,
                           thumb_sha256=thumb, stored_at=to_db(self.clock.now()))
        try:
            with self.db.transaction() as s:
                if (known := s.get(EvidenceFile, received.sha256)) is None:
                    s.add(row)
                else:  # received again: the grace period before an unattached upload is swept starts anew
                    known.stored_at = row.stored_at
        except IntegrityError:
            pass  # the same bytes catalogued by a concurrent upload: one row is all it needs
        return StoredFile(received.sha256, received.size, content.media_type)

    # -- reading -----------------------------------------------------------------

    def gallery(self, ref: str | int, actor: Actor) -> list[AttachmentView]:
        with self.db.reading() as s:
            case = find_case(s, ref)
            check_may_view(s, actor, case)
            opened_at = case.opened_at
            rows = s.execute(select(Attachment, EvidenceFile).join(EvidenceFile)
                             .where(Attachment.case_id == case.id).order_by(Attachment.event_seq)).all()
        return [AttachmentView(
            a.sha256, a.event_seq, a.purpose, PURPOSES.get(a.purpose, a.purpose), f.media_type, f.size, f.width,
            f.height, f.captured_at, f.gps_lat, f.gps_lon, f.thumb_sha256, f.public_sha256, a.uploaded_by,
            a.uploaded_role, hours_before(f.captured_at, opened_at)) for a, f in rows]

    def staff_file(self, ref: str | int, sha256: str, variant: Variant, actor: Actor) -> FileToSend:
        """A file of the case the actor may see; :class:`NotFound` unless ``sha256`` is attached to it.

        The original of a file with a sensitive purpose (a mediation's papers, minutes, documents) is handed
        out only once the download is written to the access log (数据使用备案).
        """
        view = next((v for v in self.gallery(ref, actor) if v.sha256 == sha256), None)
        if view is None:
            raise NotFound("没有这个文件")
        if variant == "original":
            if view.purpose in SENSITIVE_PURPOSES:
                with self.db.transaction() as s:
                    record_access(s, actor, kind="download", case=find_case(s, ref), what=f"evidence:{sha256[:16]}",
                                  reason=f"下载证据原件（{view.purpose_label}）", at=self.clock.now())
            return FileToSend(self.store, view.sha256, view.media_type)
        chosen = view.public_sha256 if variant == "public" else view.thumb_sha256
        if chosen is None:
            raise NotFound("这个文件没有预览")
        return FileToSend(self.store, chosen, "image/jpeg")

    def draft_thumbnail(self, sha256: str) -> FileToSend:
        """The thumbnail of a received photo (the caller checks that its uploader is asking)."""
        with self.db.reading() as s:
            row = s.get(EvidenceFile, sha256)
        if row is None or row.thumb_sha256 is None:
            raise NotFound("没有这张照片")
        return FileToSend(self.store, row.thumb_sha256, "image/jpeg")

    def public_photos(self, code: str) -> list[PublicPhoto]:
        """The EXIF-free copies of the case's report and completion photos (before/after), for its tracking page
        (anyone holding the code); a mediation's or a sitting's files never."""
        with self.db.reading() as s:
            case = s.scalar(select(Case).where(Case.tracking_code == code))
            if case is None:
                return []
            rows = s.execute(select(Attachment.purpose, EvidenceFile.public_sha256, EvidenceFile.thumb_sha256)
                             .join(EvidenceFile).where(Attachment.case_id == case.id,
                                                       Attachment.purpose.in_(PUBLIC_PURPOSES),
                                                       EvidenceFile.public_sha256.is_not(None))
                             .order_by(Attachment.event_seq)).all()
        return [PublicPhoto(public, thumb, PURPOSES.get(purpose, purpose)) for purpose, public, thumb in rows]

    def public_file(self, code: str, sha256: str) -> FileToSend:
        """A public copy or thumbnail of the case's photos; :class:`NotFound` for anything else."""
        for photo in self.public_photos(code):
            if sha256 in (photo.public_sha256, photo.thumb_sha256):
                return FileToSend(self.store, sha256, "image/jpeg")
        raise NotFound("没有这张照片")

    def sweep_unattached(self, older_than: timedelta) -> Swept:
        """Remove uploads never attached to a case and last received more than ``older_than`` ago."""
        return sweep_unattached(self.db, self.store, self.clock.now() - older_than)

    def check_files(self, case_ids: list[int] | None = None) -> FileCheck:
        """Every file the record refers to exists and matches its hash (part of ``casegrid verify``)."""
        with self.db.reading() as s:
            return check_files(s, self.store, case_ids)
