"""Uploads that were never attached (a report abandoned after its photo screen, a form never sent) are
removed once they are older than a grace period: their catalogue rows in one transaction, then their
files (original, public copy, thumbnail) — unless another row still refers to the same bytes.

Files are deleted only after the rows are gone, so a crash in between leaves orphan files (harmless,
removed by the next run's incoming sweep only if half-received) and never a row without its file.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from typing import Any

from sqlalchemy import delete, exists, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.elements import ColumnElement

from engine.clock import to_db
from engine.db import Database
from engine.evidence.models import Attachment, EvidenceFile
from engine.evidence.store import Store


@dataclass(frozen=True)
class Swept:
    #: Catalogue rows of never-attached uploads removed.
    uploads: int
    #: Stored files removed (originals and their copies).
    files: int
    #: Half-received uploads removed from the incoming folder.
    incoming: int


#: Columns of other domains' rows that keep a received file without a case (a field visit's photos).
_KEEPERS: list[InstrumentedAttribute[Any]] = []


def keep_files_of(column: InstrumentedAttribute[Any]) -> None:
    """Register a SHA-256 column whose rows keep their files: the sweep never removes a file one names.

    Domains register their columns where their models are defined (engine/models.py imports them all),
    so this package needs to know none of them.
    """
    if column not in _KEEPERS:
        _KEEPERS.append(column)


def _kept() -> ColumnElement[bool]:
    """Whether an upload is referred to: by a case's attachment or by a registered keeper."""
    kept: ColumnElement[bool] = exists().where(Attachment.sha256 == EvidenceFile.sha256)
    for column in _KEEPERS:
        kept = or_(kept, exists().where(column == EvidenceFile.sha256))
    return kept


def _still_referred(session: Session, hashes: set[str]) -> set[str]:
    rows = session.execute(select(EvidenceFile.sha256, EvidenceFile.public_sha256, EvidenceFile.thumb_sha256)
                           .where(or_(EvidenceFile.sha256.in_(hashes), EvidenceFile.public_sha256.in_(hashes),
                                      EvidenceFile.thumb_sha256.in_(hashes))))
    return {h for row in rows for h in row if h in hashes}


def sweep_unattached(db: Database, store: Store, before: datetime, limit: int = 1000) -> Swept:
    """Remove up to ``limit`` uploads last received before ``before`` that no case refers to."""
    with db.transaction() as s:
        attached = _kept()
        rows = s.execute(select(EvidenceFile.sha256, EvidenceFile.public_sha256, EvidenceFile.thumb_sha256)
                         .where(EvidenceFile.stored_at < to_db(before), ~attached)
                         .order_by(EvidenceFile.stored_at).limit(limit)).all()
        originals = [r.sha256 for r in rows]
        removed = 0
        if originals:
            # Re-checked in the statement itself: an attach committed since the select keeps its row.
            removed = s.execute(delete(EvidenceFile).where(EvidenceFile.sha256.in_(originals), ~attached)
                                .execution_options(synchronize_session=False)).rowcount
        hashes = {h for row in rows for h in row if h}
        gone = hashes - _still_referred(s, hashes) if hashes else set()
    for sha256 in sorted(gone):
        store.delete(sha256)
    return Swept(removed, len(gone), store.sweep_incoming(before))
