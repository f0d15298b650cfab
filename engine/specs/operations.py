"""Adding and publishing process versions."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.clock import to_db
from engine.errors import SpecError
from engine.specs.models import ProcessVersion
from engine.specs.registry import parsed_xml, sha256_of


def publish(session: Session, xml: str, *, by: str, at: datetime, key: str | None = None,
            note: str | None = None) -> ProcessVersion:
    """Validate ``xml`` and store it as the next published version of its process."""
    process = parsed_xml(xml, key)
    latest = session.scalar(select(func.max(ProcessVersion.version)).where(ProcessVersion.key == process.key))
    version = ProcessVersion(
        key=process.key, version=(latest or 0) + 1, name=process.name, xml=xml,
        sha256=sha256_of(xml), status="published", created_at=to_db(at), published_at=to_db(at),
        published_by=by, change_note=note,
    )
    session.add(version)
    session.flush()
    return version


def load_seed_files(session: Session, files: list[Path], *, by: str, at: datetime) -> list[ProcessVersion]:
    """Publish each seed file whose process has no version yet (``casegrid init`` is idempotent)."""
    loaded = []
    for path in files:
        xml = path.read_text(encoding="utf-8")
        try:
            key = parsed_xml(xml).key
        except SpecError as exc:
            raise SpecError(f"{path.name}: {exc.message}", exc.problems) from None
        exists = session.scalar(select(ProcessVersion.id).where(ProcessVersion.key == key).limit(1))
        if exists is None:
            loaded.append(publish(session, xml, by=by, at=at, key=key, note=f"seed {path.name}"))
    return loaded
