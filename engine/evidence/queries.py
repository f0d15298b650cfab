"""Reading attachments for public views (no access check here: only EXIF-free public copies are returned)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.evidence.models import Attachment, EvidenceFile
from engine.evidence.purposes import PUBLIC_PURPOSES


def first_public_photos(session: Session, case_ids: list[int]) -> dict[int, str]:
    """Case id → the public copy of its first public photo (report, else before/after), one query for all."""
    if not case_ids:
        return {}
    rows = session.execute(select(Attachment.case_id, EvidenceFile.public_sha256).join(EvidenceFile)
                           .where(Attachment.case_id.in_(case_ids), Attachment.purpose.in_(PUBLIC_PURPOSES),
                                  EvidenceFile.public_sha256.is_not(None))
                           .order_by(Attachment.case_id, Attachment.event_seq))
    first: dict[int, str] = {}
    for case_id, sha256 in rows:
        first.setdefault(case_id, sha256)
    return first
