"""The catalogue of stored files and the attachments that put them in a case's record."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base


class EvidenceFile(Base):
    """One stored original, by its SHA-256, with what was read from it when it arrived.

    Written when the file is received (before any case refers to it); the same bytes uploaded
    twice are one row and one file. Capture time and GPS position are staff-only evidence metadata.
    """

    __tablename__ = "evidence_file"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(nullable=False)
    #: Sniffed from the content: image/jpeg, image/png, image/webp or application/pdf.
    media_type: Mapped[str] = mapped_column(String(40), nullable=False)
    width: Mapped[int | None] = mapped_column(nullable=True)
    height: Mapped[int | None] = mapped_column(nullable=True)
    #: The camera's clock as it wrote it (EXIF DateTimeOriginal, ISO, no zone), or None.
    captured_at: Mapped[str | None] = mapped_column(String(32), nullable=True)
    #: Decimal degrees as text (no float rounding between backends), or None.
    gps_lat: Mapped[str | None] = mapped_column(String(16), nullable=True)
    gps_lon: Mapped[str | None] = mapped_column(String(16), nullable=True)
    #: The re-encoded copy without EXIF that the public sees, and its thumbnail (images only).
    public_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    thumb_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    #: When these bytes were last received: an upload no case refers to is swept a grace period after it.
    stored_at: Mapped[datetime] = mapped_column(nullable=False)

    def __repr__(self) -> str:
        return f"<EvidenceFile {self.sha256[:12]} {self.media_type} {self.size}B>"


class Attachment(Base):
    """A file in a case's record: written with the ``evidence_attached`` event (seq ``event_seq``)."""

    __tablename__ = "attachment"
    __table_args__ = (UniqueConstraint("case_id", "event_seq", name="uq_attachment_case_event"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), nullable=False, index=True)
    event_seq: Mapped[int] = mapped_column(nullable=False)
    sha256: Mapped[str] = mapped_column(ForeignKey("evidence_file.sha256"), nullable=False)
    #: Why it was attached (:data:`engine.evidence.purposes.PURPOSES`).
    purpose: Mapped[str] = mapped_column(String(30), nullable=False)
    uploaded_by: Mapped[str] = mapped_column(String(80), nullable=False)
    uploaded_role: Mapped[str] = mapped_column(String(30), nullable=False)
    attached_at: Mapped[datetime] = mapped_column(nullable=False)

    def __repr__(self) -> str:
        return f"<Attachment case={self.case_id} #{self.event_seq} {self.purpose} {self.sha256[:12]}>"
