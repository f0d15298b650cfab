"""Versioned decision tables (DMN; the routing table 权责清单): drafts, publishing, and what a case is pinned to.

The life cycle is the process diagrams' one: a *draft* is whatever the supervisor saved (well-formed DMN,
valid or not); *publishing* checks it (:func:`decision_problems`) and makes it what new cases use; running
cases keep the version they were pinned to when they opened (``case.decision_version_id``, also in the
``case_opened`` event), and replay evaluates that version. These functions never commit.
"""
from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from pathlib import Path
from threading import Lock

from lxml import etree
from sqlalchemy import func, select
from sqlalchemy.orm import Session, defer

from engine.bpmn.context import DecisionLookup
from engine.bpmn.decisions import DecisionDocument, parse_decisions
from engine.bpmn.dmn_split import split_decisions
from engine.bpmn.parser import MAX_BPMN_BYTES, read_xml
from engine.clock import to_db
from engine.labels import SEED_NOTE
from engine.errors import ConflictError, NotFound, SpecError, ValidationError
from engine.specs.models import DecisionVersion
from engine.specs.registry import sha256_of

log = logging.getLogger("casegrid.decisions")

#: Longest change note accepted, in characters.
MAX_NOTE_LENGTH = 2000
#: A domain's checks run at publish beyond :func:`engine.bpmn.decisions.parse_decisions` (the routing table's
#: gaps, overlaps and unknown departments): ``(session, xml, document) -> problems``.
Checker = Callable[[Session, str, DecisionDocument], list[str]]

_cache: OrderedDict[str, DecisionDocument] = OrderedDict()
_lock = Lock()
CACHE_SIZE = 32


def _in_memory(digest: str) -> DecisionDocument | None:
    with _lock:
        return _cache.get(digest)


def parsed_document(xml: str, digest: str | None = None) -> DecisionDocument:
    """The parsed tables of ``xml`` (parsed once per content)."""
    key = digest or sha256_of(xml)
    with _lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            return hit
    document = parse_decisions(xml)
    with _lock:
        _cache[key] = document
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return document


def decision_lookup(session: Session, version_id: int | None) -> DecisionLookup | None:
    """The tables of version ``version_id``, read on first use (most steps evaluate no table)."""
    if version_id is None:
        return None
    loaded: list[DecisionDocument] = []

    def lookup(decision_id: str) -> object:
        if not loaded:
            digest = session.scalar(select(DecisionVersion.sha256).where(DecisionVersion.id == version_id))
            document = _in_memory(digest) if digest is not None else None
            if document is None:  # the XML is read only to parse the version the first time
                row = session.execute(select(DecisionVersion.xml, DecisionVersion.sha256)
                                      .where(DecisionVersion.id == version_id)).first()
                if row is None:
                    raise NotFound(f"决策表版本 {version_id} 不存在")
                document = parsed_document(row.xml, row.sha256)
            loaded.append(document)
        return loaded[0].tables.get(decision_id)
    return lookup


def current_decision(session: Session, key: str) -> DecisionVersion | None:
    """The newest published version of decision document ``key``."""
    return session.scalar(select(DecisionVersion).where(DecisionVersion.key == key,
                                                        DecisionVersion.status == "published")
                          .order_by(DecisionVersion.version.desc()).limit(1))


def published_decisions(session: Session) -> list[DecisionVersion]:
    """The newest published version of each decision document, by key."""
    keys = session.scalars(select(DecisionVersion.key).where(DecisionVersion.status == "published").distinct())
    return [v for v in (current_decision(session, key) for key in sorted(keys)) if v is not None]


def published_tables(session: Session) -> dict[str, etree._Element]:
    """Decision id → its table in the newest published version of each document (one-decision DMN documents,
    as a diagram's business rule tasks are parsed against them); the first document by key wins a clash,
    as in :func:`pin_for`."""
    tables: dict[str, etree._Element] = {}
    keys = session.scalars(select(DecisionVersion.key).where(DecisionVersion.status == "published").distinct())
    for key in sorted(keys):
        version = current_decision(session, key)
        if version is not None:
            for decision_id, node in split_decisions(read_xml(version.xml)).items():
                tables.setdefault(decision_id, node)
    return tables


def pin_problems(session: Session, decision_ids: Iterable[str]) -> list[str]:
    """Why new cases of a process evaluating ``decision_ids`` could not be pinned to one published document."""
    try:
        pin_for(session, decision_ids)
    except NotFound:
        return [f"决策 {'、'.join(sorted(set(decision_ids)))} 不在同一份已发布的决策表中：案件登记时固定一份决策表"
                "的版本，请把一个流程要用的决策放进同一份决策表后发布"]
    return []


def pin_for(session: Session, decision_ids: Iterable[str]) -> DecisionVersion | None:
    """The published document new cases use for ``decision_ids`` (None when the process evaluates no table)."""
    wanted = set(decision_ids)
    if not wanted:
        return None
    # One query for the newest published version of every document, without their XML (read only to parse a
    # version the first time: the parsed tables are kept by content hash).
    newest: dict[str, DecisionVersion] = {}
    for version in session.scalars(select(DecisionVersion).options(defer(DecisionVersion.xml))
                                   .where(DecisionVersion.status == "published")
                                   .order_by(DecisionVersion.key, DecisionVersion.version.desc())):
        newest.setdefault(version.key, version)
    for key in sorted(newest):
        version = newest[key]
        document = _in_memory(version.sha256) or parsed_document(version.xml, version.sha256)
        if wanted <= set(document.tables):
            return version
    raise NotFound(f"没有包含决策 {'、'.join(sorted(wanted))} 的已发布决策表")


def decision_by_id(session: Session, version_id: int) -> DecisionVersion:
    version = session.get(DecisionVersion, version_id)
    if version is None:
        raise NotFound(f"决策表版本 {version_id} 不存在")
    return version


def decision_problems(session: Session, xml: str, checks: Sequence[Checker] = ()) -> list[str]:
    """Every reason ``xml`` cannot be published (``<element id>: message``); empty when it can."""
    try:
        document = parse_decisions(xml)
    except SpecError as exc:
        return exc.problems or [exc.message]
    problems: list[str] = []
    for checker in checks:
        problems += checker(session, xml, document)
    return problems


def _document_key(xml: str) -> tuple[str, str]:
    """The ``definitions`` id and name of a draft, which must at least be well-formed DMN."""
    if not xml.strip():
        raise ValidationError("草稿无法保存", {"xml": "决策表是空的"})
    if len(xml.encode("utf-8")) > MAX_BPMN_BYTES:
        raise ValidationError("草稿无法保存", {"xml": f"决策表超过 {MAX_BPMN_BYTES} 字节"})
    try:
        root = read_xml(xml)
    except SpecError as exc:
        raise ValidationError("草稿无法保存", {"xml": exc.message}) from None
    if etree.QName(root).localname != "definitions" or not root.get("id"):
        raise ValidationError("草稿无法保存", {"xml": "不是 DMN 决策表（根元素应为带 id 的 definitions）"})
    return str(root.get("id"))[:100], str(root.get("name") or root.get("id"))[:200]


def _next_number(session: Session, key: str) -> int:
    return (session.scalar(select(func.max(DecisionVersion.version)).where(DecisionVersion.key == key)) or 0) + 1


def save_draft(session: Session, xml: str, *, by: str, at: datetime) -> DecisionVersion:
    """Store ``xml`` as a new draft of its document (its ``definitions`` id); not checked until publishing."""
    key, name = _document_key(xml)
    draft = DecisionVersion(key=key, version=_next_number(session, key), name=name, xml=xml, sha256=sha256_of(xml),
                            status="draft", created_at=to_db(at), created_by=by)
    session.add(draft)
    session.flush()
    log.info("%s saved decision draft %s v%s", by, draft.key, draft.version)
    return draft


def publish_draft(session: Session, draft: DecisionVersion, *, by: str, at: datetime,
                  note: str | None, checks: Sequence[Checker] = ()) -> DecisionVersion:
    """Check the draft with the engine's rules and ``checks``, then make it what new cases use.

    Raises :class:`SpecError` naming each problem. The seed table is published with no ``checks``:
    it comes before the organisation it names exists.
    """
    if draft.status != "draft":
        raise ConflictError(f"{draft.key} v{draft.version} 不是草稿，无需发布")
    note = (note or "").strip()
    if len(note) > MAX_NOTE_LENGTH:
        raise ValidationError("发布信息有误", {"change_note": f"变更说明最多 {MAX_NOTE_LENGTH} 个字"})
    problems = decision_problems(session, draft.xml, checks)
    if problems:
        raise SpecError("决策表无法发布", problems)
    latest = session.scalar(select(func.max(DecisionVersion.version)).where(
        DecisionVersion.key == draft.key, DecisionVersion.id != draft.id)) or 0
    if draft.version < latest:  # a later draft exists: the published one is always the newest
        draft.version = latest + 1
    draft.status, draft.published_at, draft.published_by = "published", to_db(at), by
    draft.change_note = note or None
    session.flush()
    log.info("%s published decision table %s v%s", by, draft.key, draft.version)
    return draft


def load_seed_decisions(session: Session, files: list[Path], *, by: str, at: datetime) -> list[DecisionVersion]:
    """Publish each seed table whose document has no version yet (``casegrid init`` is idempotent)."""
    loaded = []
    for path in files:
        xml = path.read_text(encoding="utf-8")
        key, _ = _document_key(xml)
        if session.scalar(select(DecisionVersion.id).where(DecisionVersion.key == key).limit(1)) is not None:
            continue
        draft = save_draft(session, xml, by=by, at=at)
        try:
            loaded.append(publish_draft(session, draft, by=by, at=at, note=SEED_NOTE))
        except SpecError as exc:
            raise SpecError(f"{path.name}: {exc.message}", exc.problems) from None
    return loaded
