"""Parsed specs, cached by content hash: a published version never changes, so parsing it once is enough."""
from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Mapping
from threading import Lock

from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.bpmn.parser import ParsedProcess, parse_process
from engine.errors import NotFound
from engine.specs.models import ProcessVersion

#: How many parsed specs stay in memory per process.
CACHE_SIZE = 64

_cache: OrderedDict[str, ParsedProcess] = OrderedDict()
_lock = Lock()


def sha256_of(xml: str) -> str:
    return hashlib.sha256(xml.encode("utf-8")).hexdigest()


def parsed(version: ProcessVersion) -> ParsedProcess:
    """The parsed spec of a stored version (parsed on first use, then from memory)."""
    return parsed_xml(version.xml, version.key, version.sha256)


def _in_memory(key: str, digest: str) -> ParsedProcess | None:
    with _lock:
        return _cache.get(f"{key}:{digest}")


def parsed_version(version: ProcessVersion) -> ParsedProcess:
    """:func:`parsed`, without reading the version's XML when its spec is in memory: the cache is keyed by
    the content's hash, so a version published later (another row, another hash) is never served stale."""
    hit = _in_memory(version.key, version.sha256)
    return hit if hit is not None else parsed(version)


def english_task_names(session: Session) -> dict[str, str]:
    """bpmn id → the English name its diagram gives the task (``name_en``), over the versions in use.

    Task ids name the same step across a process's versions; a later version's name wins.
    """
    names: dict[str, str] = {}
    versions = session.scalars(select(ProcessVersion).where(ProcessVersion.status != "draft")
                               .order_by(ProcessVersion.key, ProcessVersion.version))
    for version in versions:
        names.update({i: t.name_en for i, t in parsed(version).human_tasks.items() if t.name_en})
    return names


def english_diagram_words(session: Session) -> dict[str, str]:
    """Chinese → English of the words diagrams give in both (task names, field labels, option labels),
    over the versions in use: pages that show what a step recorded word it with them (issue 21)."""
    words: dict[str, str] = {}
    versions = session.scalars(select(ProcessVersion).where(ProcessVersion.status != "draft")
                               .order_by(ProcessVersion.key, ProcessVersion.version))
    for version in versions:
        for task in parsed(version).human_tasks.values():
            if task.name_en:
                words[task.name] = task.name_en
            for field in task.form.fields:
                if field.label_en:
                    words[field.label] = field.label_en
                words.update({o.label: o.label_en for o in field.options if o.label_en})
    return words


def process_of(session: Session, version_id: int) -> ParsedProcess:
    """The parsed spec of version ``version_id``; the XML is read only when the spec is not in memory yet."""
    row = session.execute(select(ProcessVersion.key, ProcessVersion.sha256)
                          .where(ProcessVersion.id == version_id)).first()
    if row is None:
        raise NotFound(f"流程版本 {version_id} 不存在")
    key, digest = row
    if (hit := _in_memory(key, digest)) is not None:
        return hit
    xml = session.scalar(select(ProcessVersion.xml).where(ProcessVersion.id == version_id))
    return parsed_xml(xml, key, digest)


def parsed_xml(xml: str, key: str | None = None, digest: str | None = None,
               decisions: Mapping[str, etree._Element] | None = None) -> ParsedProcess:
    """Parse (or fetch from memory) process ``key`` of ``xml``; no key means the first executable process.

    With ``decisions`` (the published tables) the diagram is being published and is checked against them,
    never taken from memory; without, it is a published version read again, whose business rule tasks
    evaluate the tables each case is pinned to (:func:`engine.bpmn.parser.parse_process`).
    """
    cache_key = f"{key or ''}:{digest or sha256_of(xml)}"
    if decisions is None:
        with _lock:
            hit = _cache.get(cache_key)
            if hit is not None:
                _cache.move_to_end(cache_key)
                return hit
    process = parse_process(xml, key, decisions=decisions, published=decisions is None)
    with _lock:
        _cache[cache_key] = process
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return process
