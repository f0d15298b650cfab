"""Evidence in an exported audit bundle: the files the case's ``evidence_attached`` events refer to (originals,
public copies, thumbnails) carried in the bundle, or by option only their hashes and sizes, and the check
``verify-bundle`` makes of them with nothing but the file.

Kept apart from engine/audit/bundle.py, which only puts :func:`evidence_section` into the signed bundle and
calls :func:`check_bundle_files`: the signature covers the section like the rest of the bundle.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

from engine.cases.events import CaseEvent
from engine.evidence.operations import EVENT_TYPE
from engine.evidence.store import Store

#: Where each copy's hash sits in an attaching event's payload, and what a finding calls it.
COPIES = (("sha256", "原件"), ("public_sha256", "公开副本"), ("thumb_sha256", "缩略图"))


def referenced(events: Iterable[tuple[int, str]]) -> list[tuple[int, str, str]]:
    """(seq, hash, what) of every file the attaching events among ``(seq, payload)`` refer to, in seq order."""
    found = []
    for seq, payload in events:
        data = json.loads(payload)
        for key, name in COPIES:
            if isinstance(data.get(key), str) and data[key]:
                found.append((seq, data[key], name))
    return found


def evidence_section(store: Store, events: list[CaseEvent], *, with_files: bool = True) -> dict[str, Any]:
    """The bundle's ``evidence``: each referenced file once, with its bytes (base64) unless ``with_files`` is off."""
    files: dict[str, dict[str, Any]] = {}
    for _seq, sha256, _name in referenced((e.seq, e.payload) for e in events if e.type == EVENT_TYPE):
        if sha256 in files:
            continue
        with store.open(sha256) as stream:  # a missing file fails the export: casegrid verify names it first
            data = stream.read()
        entry: dict[str, Any] = {"sha256": sha256, "size": len(data)}
        if with_files:
            entry["data"] = base64.b64encode(data).decode("ascii")
        files[sha256] = entry
    return {"mode": "files" if with_files else "hashes", "files": list(files.values())}


def check_bundle_files(bundle: Mapping[str, Any]) -> tuple[list[str], list[str], list[str]]:
    """(problems, passed, notes) of the bundle's evidence against its attaching events."""
    wanted = referenced((int(e["seq"]), str(e["payload"])) for e in bundle["events"] if e["type"] == EVENT_TYPE)
    if not wanted:
        return [], [], []
    section = bundle.get("evidence")
    if not isinstance(section, Mapping) or not isinstance(section.get("files"), list):
        return [], [], [f"文件中没有附带证据文件（{len(wanted)} 个文件只由事件中的哈希记录）"]
    carried = {str(f.get("sha256")): f for f in section["files"] if isinstance(f, Mapping)}
    with_files = section.get("mode") == "files"
    problems = []
    for seq, sha256, name in wanted:
        entry = carried.get(sha256)
        if entry is None:
            problems.append(f"第 {seq} 个事件的{name}不在文件中：{sha256}")
        elif with_files and _digest(entry.get("data")) != sha256:
            problems.append(f"第 {seq} 个事件的{name}与哈希不符（文件被改动）：{sha256}")
    if problems:
        return problems, [], []
    if with_files:
        return [], [f"证据文件完整：{len(carried)} 个文件与事件记录的 SHA-256 一致"], []
    return [], [], [f"导出时只含证据文件的哈希（{len(carried)} 个），文件本身未随附，未能核对内容"]


def _digest(data: Any) -> str | None:
    try:
        return hashlib.sha256(base64.b64decode(str(data), validate=True)).hexdigest()
    except (binascii.Error, ValueError):
        return None
