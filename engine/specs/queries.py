"""Reading process versions."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, defer

from engine.errors import NotFound
from engine.specs.models import ProcessVersion


def current_version(session: Session, key: str) -> ProcessVersion:
    """The newest published version of a process: what new cases start on. Its XML is read only if used
    (:func:`engine.specs.registry.parsed_version` takes the parsed spec from memory without it)."""
    version = session.scalar(
        select(ProcessVersion)
        .options(defer(ProcessVersion.xml))
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


def versions_of(session: Session, key: str | None = None) -> list[ProcessVersion]:
    """Every version (of ``key``, or of every process), by process and newest first."""
    stmt = select(ProcessVersion).order_by(ProcessVersion.key, ProcessVersion.version.desc())
    if key is not None:
        stmt = stmt.where(ProcessVersion.key == key)
    return list(session.scalars(stmt))


def published_count(session: Session, key: str) -> int:
    return session.scalar(select(func.count()).select_from(ProcessVersion).where(
        ProcessVersion.key == key, ProcessVersion.status == "published")) or 0


def next_version_number(session: Session, key: str) -> int:
    return (session.scalar(select(func.max(ProcessVersion.version)).where(ProcessVersion.key == key)) or 0) + 1


def published_processes(session: Session) -> list[ProcessVersion]:
    """The version new cases of each process start on (its newest published one), by process name."""
    newest = (select(ProcessVersion.key, func.max(ProcessVersion.version).label("version"))
              .where(ProcessVersion.status == "published").group_by(ProcessVersion.key).subquery())
    rows = session.scalars(select(ProcessVersion).join(
        newest, (ProcessVersion.key == newest.c.key) & (ProcessVersion.version == newest.c.version))
        .order_by(ProcessVersion.name, ProcessVersion.key))
    return list(rows)
