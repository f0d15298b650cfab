"""The documents a case ran on are the ones its log names: process XML and routing table, by sha256.

``case_opened`` records the process version (key, version, sha256) and the routing table
(decision version) the case was pinned to; each ``spec_migrated`` names the version it moved
to with its sha256. Replay reads the XML from the version rows, so an edited row — even with
its ``sha256`` column recomputed to match — must be caught here, before replay runs on it.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.cases.models import Case
from engine.specs.models import DecisionVersion, ProcessVersion


class LoggedEvent(Protocol):
    seq: int
    type: str
    payload: str


@dataclass(frozen=True)
class Stored:
    """A version row as stored: what it claims and the sha256 of the XML it really holds."""

    key: str
    version: int
    sha256: str
    xml_sha256: str


class PinnedVersions:
    """Version rows read once per verify run (a thousand cases share a handful of versions)."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._seen: dict[tuple[str, int], Stored | None] = {}

    def get(self, kind: str, version_id: int) -> Stored | None:
        if (kind, version_id) not in self._seen:
            model = ProcessVersion if kind == "process" else DecisionVersion
            row = self._session.execute(select(model.key, model.version, model.sha256, model.xml)
                                        .where(model.id == version_id)).first()
            self._seen[kind, version_id] = None if row is None else Stored(
                row.key, row.version, row.sha256, hashlib.sha256(row.xml.encode("utf-8")).hexdigest())
        return self._seen[kind, version_id]


_NAMES = {"process": "流程版本", "decisions": "权责清单（路由表）版本"}


def _row_problem(kind: str, version_id: int, stored: Stored | None, logged: dict[str, Any]) -> str | None:
    """How the version row differs from what the log recorded (``logged``: key, version, sha256 — any subset)."""
    name = _NAMES[kind]
    if stored is None:
        return f"{name} {version_id} 不存在（被删除）"
    label = f"{name} {stored.key} v{stored.version}"
    if stored.xml_sha256 != stored.sha256:
        return f"{label} 的 XML 与其 sha256 列不符（XML 被改写）"
    for field in ("key", "version", "sha256"):
        if field in logged and logged[field] != getattr(stored, field):
            ours, theirs = (str(v)[:16] for v in (getattr(stored, field), logged[field]))
            return f"{label} 的 {field} 与事件记录不符：版本表为 {ours}，事件记录为 {theirs}（固定的流程文件被改写）"
    return None


def pinned_problem(case: Case, events: Sequence[LoggedEvent], versions: PinnedVersions) -> tuple[int, str] | None:
    """(seq, problem) of the first event whose pinned document differs from the stored version row, or None."""
    if not events or events[0].type != "case_opened":
        return None
    opened = json.loads(events[0].payload)
    migrations = [(e.seq, json.loads(e.payload)) for e in events if e.type == "spec_migrated"]
    first_id = int(migrations[0][1]["from_version_id"]) if migrations else case.process_version_id
    checks: list[tuple[int, str, int, dict[str, Any]]] = []
    if "process" in opened:
        checks.append((events[0].seq, "process", first_id, opened["process"]))
    for seq, payload in migrations:
        checks.append((seq, "process", int(payload["to_version_id"]), {"sha256": payload.get("to_sha256")}))
    pinned_decisions = opened.get("decisions")
    if pinned_decisions:
        checks.append((events[0].seq, "decisions", int(pinned_decisions["id"]), pinned_decisions))
        if case.decision_version_id != int(pinned_decisions["id"]):
            return events[0].seq, (f"案件的权责清单版本 {case.decision_version_id} 与 case_opened 记录的 "
                                   f"{pinned_decisions['id']} 不符")
    last_id = int(migrations[-1][1]["to_version_id"]) if migrations else first_id
    if case.process_version_id != last_id:
        return events[-1].seq, f"案件固定的流程版本 {case.process_version_id} 与事件记录的 {last_id} 不符"
    for seq, kind, version_id, logged in checks:
        logged = {k: v for k, v in logged.items() if k in ("key", "version", "sha256") and v is not None}
        if (problem := _row_problem(kind, version_id, versions.get(kind, version_id), logged)) is not None:
            return seq, problem
    return None
