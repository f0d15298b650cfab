"""Reading process versions."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import NotFound
from engine.specs.models import ProcessVersion


def current_version(session: Session, key: str) -> ProcessVersion:
    """The newest published version of a process: what new cases start on."""
    version = session.scalar(
        select(ProcessVersion)
        .where(ProcessVersion.key == key, ProcessVersion.status == "published")
        .order_by(ProcessVersion.version.desc())
        .limit(1)
    )
    if version is None:
        raise NotFound(f"流程 {key} 没有已发布的版本")
    return version


def version_by_id(session: Session, version_id: int) -> ProcessVersion:
    version = session.get(ProcessVersion, version_id)
    if version is None:
        raise NotFound(f"流程版本 {version_id} 不存在")
    return version
