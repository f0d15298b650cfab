"""Adding, drafting, publishing and retiring process versions.

A *draft* is whatever the supervisor saved from the editor, valid or not; no case
ever starts on one. *Publishing* checks the draft with every rule of
:func:`engine.bpmn.parser.parse_process` and makes it the next version, which new
cases start on; running cases stay on the version they started on. A *retired*
version takes no new cases (its running cases go on). These functions never
commit: the caller's transaction does.
"""
from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from engine.bpmn.parser import MAX_BPMN_BYTES, ParsedProcess, read_xml
from engine.bpmn.text import diagram_text
from engine.clock import to_db
from engine.labels import SEED_NOTE
from engine.errors import ConflictError, SpecError, ValidationError
from engine.specs.decisions import pin_problems, published_tables
from engine.specs.models import ProcessVersion
from engine.specs.queries import next_version_number, published_count
from engine.specs.registry import parsed_xml, sha256_of

log = logging.getLogger("casegrid.processes")

#: Longest change note accepted, in characters.
MAX_NOTE_LENGTH = 2000


def checked(session: Session, xml: str, key: str | None = None, digest: str | None = None) -> ParsedProcess:
    """``xml`` parsed with every publishing rule, its business rule tasks against the published decision tables
    (:class:`SpecError` naming each problem)."""
    tables = published_tables(session)
    process = parsed_xml(xml, key, digest, decisions=tables)
    if process.decision_refs and process.decision_refs <= tables.keys():
        problems = pin_problems(session, process.decision_refs)
        if problems:  # named after the process: no one task is at fault
            raise SpecError("流程图无法发布", [f"{process.key}: {p}" for p in problems])
    return process


def publish(session: Session, xml: str, *, by: str, at: datetime, key: str | None = None,
            note: str | None = None) -> ProcessVersion:
    """Validate ``xml`` and store it as the next published version of its process."""
    xml = diagram_text(xml)
    process = checked(session, xml, key)
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
    """Publish each seed file whose process has no version yet, or whose newest version is an older seed.

    ``casegrid init`` is idempotent, and it upgrades: a database whose process still runs the diagram an
    earlier release shipped gets the new one as its next version (cases open on the old one keep it). A
    version a supervisor published is never replaced by a seed.
    """
    loaded = []
    for path in files:
        xml = path.read_text(encoding="utf-8")
        try:
            key = parsed_xml(xml).key
        except SpecError as exc:
            raise SpecError(f"{path.name}: {exc.message}", exc.problems) from None
        newest = session.scalar(select(ProcessVersion).where(ProcessVersion.key == key)
                                .order_by(ProcessVersion.version.desc()).limit(1))
        known = session.scalar(select(ProcessVersion.id).where(ProcessVersion.key == key,
                                                               ProcessVersion.sha256 == sha256_of(xml)).limit(1))
        if newest is None or (known is None and newest.published_by == by and newest.status == "published"):
            loaded.append(publish(session, xml, by=by, at=at, key=key, note=SEED_NOTE))
    return loaded


def _draft_name(xml: str, key: str, fallback: str) -> str:
    """The process name written in a draft, if the draft can be read at all (a draft may be broken)."""
    try:
        root = read_xml(xml)
    except SpecError:
        return fallback
    for process in root.iter("{http://www.omg.org/spec/BPMN/20100524/MODEL}process"):
        if process.get("id") == key and process.get("name"):
            return str(process.get("name"))[:200]
    return fallback


def _check_draft_text(xml: str) -> None:
    if not xml.strip():
        raise ValidationError("草稿无法保存", {"xml": "流程图是空的"})
    if len(xml.encode("utf-8")) > MAX_BPMN_BYTES:
        raise ValidationError("草稿无法保存", {"xml": f"流程图超过 {MAX_BPMN_BYTES} 字节"})


def save_draft(session: Session, base: ProcessVersion, xml: str, *, by: str, at: datetime) -> ProcessVersion:
    """Store ``xml`` as a new draft of ``base``'s process; it is not checked (see :func:`publish_draft`)."""
    _check_draft_text(xml)
    xml = diagram_text(xml)
    draft = ProcessVersion(
        key=base.key, version=next_version_number(session, base.key), name=_draft_name(xml, base.key, base.name),
        xml=xml, sha256=sha256_of(xml), status="draft", created_at=to_db(at),
        change_note=None,
    )
    session.add(draft)
    session.flush()
    log.info("%s saved draft %s v%s (from v%s)", by, draft.key, draft.version, base.version)
    return draft


def update_draft(session: Session, draft: ProcessVersion, xml: str, *, by: str, at: datetime) -> ProcessVersion:
    """Replace a draft's diagram (saving again from the editor)."""
    if draft.status != "draft":
        raise ConflictError(f"{draft.key} v{draft.version} 已{'发布' if draft.status == 'published' else '停用'}，"
                            "不能再修改：请从它新建草稿")
    _check_draft_text(xml)
    xml = diagram_text(xml)
    draft.xml, draft.sha256 = xml, sha256_of(xml)
    draft.name = _draft_name(xml, draft.key, draft.name)
    draft.created_at = to_db(at)
    session.flush()
    log.info("%s updated draft %s v%s", by, draft.key, draft.version)
    return draft


def publish_draft(session: Session, draft: ProcessVersion, *, by: str, at: datetime, note: str) -> ProcessVersion:
    """Check the draft and make it the newest published version (raises :class:`SpecError` naming each problem)."""
    if draft.status != "draft":
        raise ConflictError(f"{draft.key} v{draft.version} 不是草稿，无需发布")
    note = (note or "").strip()
    if not note:
        raise ValidationError("发布信息有误", {"change_note": "请写明本次修改了什么、为什么修改"})
    if len(note) > MAX_NOTE_LENGTH:
        raise ValidationError("发布信息有误", {"change_note": f"变更说明最多 {MAX_NOTE_LENGTH} 个字"})
    process = checked(session, draft.xml, draft.key, draft.sha256)
    latest = session.scalar(select(func.max(ProcessVersion.version)).where(
        ProcessVersion.key == draft.key, ProcessVersion.id != draft.id)) or 0
    if draft.version < latest:  # another draft was started later: the published one is always the newest
        draft.version = latest + 1
    draft.name = process.name[:200]
    draft.status, draft.published_at, draft.published_by, draft.change_note = "published", to_db(at), by, note
    session.flush()
    log.info("%s published %s v%s: %s", by, draft.key, draft.version, note)
    return draft


def retire(session: Session, version: ProcessVersion, *, by: str, at: datetime) -> ProcessVersion:
    """Stop new cases from starting on ``version`` (cases pinned to it go on); never the only published one."""
    if version.status != "published":
        raise ConflictError(f"{version.key} v{version.version} 不是已发布的版本")
    if published_count(session, version.key) <= 1:
        raise ConflictError(f"{version.key} v{version.version} 是唯一的已发布版本，停用后将无法登记新案件")
    version.status = "retired"
    session.flush()
    log.info("%s retired %s v%s at %s", by, version.key, version.version, at.isoformat())
    return version


def discard_draft(session: Session, draft: ProcessVersion, *, by: str) -> None:
    """Delete a draft (no case can use a draft, so nothing refers to it)."""
    if draft.status != "draft":
        raise ConflictError(f"{draft.key} v{draft.version} 不是草稿，不能删除")
    # A statement on process_version only (the engine never deletes through the session: see test_integrity).
    session.execute(delete(ProcessVersion).where(ProcessVersion.id == draft.id, ProcessVersion.status == "draft"))
    log.info("%s discarded draft %s v%s", by, draft.key, draft.version)


def create_process(session: Session, key: str, name: str, xml: str, *, by: str, at: datetime) -> ProcessVersion:
    """A new process: its first version, a draft holding ``xml`` (a template or an imported diagram)."""
    if session.scalar(select(ProcessVersion.id).where(ProcessVersion.key == key).limit(1)) is not None:
        raise ValidationError("流程信息有误", {"key": f"流程标识 {key} 已被使用，请换一个"})
    _check_draft_text(xml)
    xml = diagram_text(xml)
    draft = ProcessVersion(key=key, version=1, name=name[:200], xml=xml, sha256=sha256_of(xml), status="draft",
                           created_at=to_db(at), change_note=None)
    session.add(draft)
    session.flush()
    log.info("%s created process %s (%s)", by, key, name)
    return draft
