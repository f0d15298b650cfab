"""A case's signed history as one self-contained JSON file, and its check without the database.

The bundle holds everything needed to prove the record on another machine: the
pinned diagram(s), every event with its hash, the chain head, the stored snapshot,
the calendar overrides the deadlines were computed with, the newest signed tree head
of the Merkle log with the inclusion proof of each of the case's leaves, and the
operator's signature (Ed25519 or SM2) over the whole bundle. :func:`verify_bundle`
recomputes the hash chain, replays the log from the diagram alone, compares the result
with the snapshot and checks the signatures and proofs with the public keys alone;
without a public key it refuses to call the bundle verified.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit.access_log import record_access
from engine.cases.chain import format_at
from engine.audit.heads import case_proof, check_case_proof, latest_head
from engine.cases.leaves import EVENT
from engine.audit.signing import KeyRing, PrivateKey
from engine.cases.events import CaseEvent
from engine.audit.replay import ReplayFailed, replay_events
from engine.audit.verify import chain_problem, snapshot_matches
from engine.bpmn.context import DecisionLookup
from engine.bpmn.decisions import parse_decisions
from engine.bpmn.parser import ParsedProcess, parse_process
from engine.bpmn.serializer import canonical_json
from engine.calendar import DayOverride, WorkCalendar
from engine.calendar.models import CalendarDay
from engine.cases.models import Case
from engine.cases.queries import find_case
from engine.cases.read_models import case_events
from engine.clock import as_utc, to_db
from engine.errors import CasegridError
from engine.evidence.bundle import check_bundle_files
from engine.people.actor import Actor
from engine.specs.models import DecisionVersion, ProcessVersion

FORMAT = "casegrid-case-bundle/1"
#: Builds the bundle's ``evidence`` section from the case's events (:func:`engine.evidence.bundle.evidence_section`).
EvidenceSection = Callable[[list[CaseEvent]], dict[str, Any]]


# -- writing ---------------------------------------------------------------------------------------

def _spec(version: ProcessVersion) -> dict[str, Any]:
    # The id is the database's: ``spec_migrated`` events name versions by it.
    return {"id": version.id, "key": version.key, "version": version.version, "sha256": version.sha256,
            "xml": version.xml}


def _versions_used(session: Session, case: Case, events: list[CaseEvent]) -> list[ProcessVersion]:
    """The pinned version and every version a ``spec_migrated`` event names."""
    ids = {case.process_version_id}
    for event in events:
        if event.type == "spec_migrated":
            payload = json.loads(event.payload)
            ids |= {int(payload[k]) for k in ("from_version_id", "to_version_id") if k in payload}
    return sorted(session.scalars(select(ProcessVersion).where(ProcessVersion.id.in_(ids))),
                  key=lambda v: (v.key, v.version))


def _event(event: CaseEvent) -> dict[str, Any]:
    return {"id": event.id, "seq": event.seq, "type": event.type, "actor": event.actor, "role": event.role,
            "at": format_at(event.at), "payload": event.payload, "prev_hash": event.prev_hash, "hash": event.hash}


def build_bundle(session: Session, case: Case, key: PrivateKey, *, at: datetime, by: str,
                 evidence: EvidenceSection | None = None) -> dict[str, Any]:
    """``evidence``: the section carrying the case's evidence files (engine/evidence/bundle.py), signed with the rest."""
    events = case_events(session, case)
    pinned = session.get(ProcessVersion, case.process_version_id)
    assert pinned is not None
    head = latest_head(session)
    days = session.scalars(select(CalendarDay).order_by(CalendarDay.entered_at, CalendarDay.id))
    bundle: dict[str, Any] = {
        "format": FORMAT,
        "exported_at": format_at(at),
        "exported_by": by,
        "case": {"uuid": case.uuid, "tracking_code": case.tracking_code, "process_key": pinned.key,
                 "process_version": pinned.version, "process_sha256": pinned.sha256, "status": case.status,
                 "outcome": case.outcome, "last_seq": case.last_seq, "head_hash": case.head_hash},
        "specs": [_spec(v) for v in _versions_used(session, case, events)],
        "events": [_event(e) for e in events],
        "chain_head": {"seq": case.last_seq, "hash": case.head_hash},
        "snapshot": case.snapshot,
        "log": case_proof(session, case.id, head) if head is not None else None,
        "calendar_days": [{"day": d.day.isoformat(), "is_workday": d.is_workday, "note": d.note,
                           "entered_at": format_at(d.entered_at)} for d in days],
    }
    if case.decision_version_id is not None:  # the decision tables it was pinned to: replay evaluates them
        tables = session.get(DecisionVersion, case.decision_version_id)
        assert tables is not None
        bundle["decisions"] = {"id": tables.id, "key": tables.key, "version": tables.version,
                               "sha256": tables.sha256, "xml": tables.xml}
    if evidence is not None:
        bundle["evidence"] = evidence(events)
    bundle["signature"] = {"algorithm": key.profile, "key_id": key.key_id,
                           "value": key.sign(_signed_text(bundle).encode("utf-8"))}
    return bundle


@dataclass(frozen=True)
class Export:
    tracking_code: str
    filename: str
    data: bytes


def export_case(session: Session, ref: str, actor: Actor, reason: str, key: PrivateKey, *, at: datetime,
                evidence: EvidenceSection | None = None) -> Export:
    """The case's bundle, after writing the export to the access log (in the caller's transaction)."""
    case = find_case(session, ref)
    record_access(session, actor, kind="export", case=case, what="bundle", reason=reason, at=at)
    bundle = build_bundle(session, case, key, at=at, by=actor.username, evidence=evidence)
    return Export(case.tracking_code, f"casegrid-{case.tracking_code}.json", bundle_bytes(bundle))


def _signed_text(bundle: dict[str, Any]) -> str:
    return canonical_json({k: v for k, v in bundle.items() if k != "signature"})


def bundle_bytes(bundle: dict[str, Any]) -> bytes:
    """The file's bytes: readable JSON (the signature covers the content, not the layout)."""
    return (json.dumps(bundle, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


# -- checking --------------------------------------------------------------------------------------

@dataclass
class BundleCheck:
    tracking_code: str | None = None
    events: int = 0
    problems: list[str] = field(default_factory=list)
    #: What was not checked (no key) or could not be (another key).
    notes: list[str] = field(default_factory=list)
    #: What was checked and held.
    passed: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class _Malformed(CasegridError):
    code = "bad_bundle"


def _parse_at(text: Any) -> datetime:
    if not isinstance(text, str):
        raise _Malformed(f"时间 {text!r} 格式不对")
    moment = to_db(datetime.fromisoformat(text))
    assert moment is not None
    return moment


def _calendar_at(rows: list[dict[str, Any]]) -> Callable[[datetime], WorkCalendar]:
    """The calendar as of a moment, from the bundle's rows (latest entry per day entered by then wins)."""
    entries = sorted(((_parse_at(r["entered_at"]), i, date.fromisoformat(r["day"]), bool(r["is_workday"]),
                       str(r.get("note") or "")) for i, r in enumerate(rows)))
    built: dict[tuple[Any, ...], WorkCalendar] = {}

    def at(moment: datetime) -> WorkCalendar:
        cutoff = as_utc(moment).replace(tzinfo=None)
        latest = {day: (day, workday, note) for entered, _, day, workday, note in entries if entered <= cutoff}
        key = tuple(sorted(latest.values()))
        if key not in built:
            built[key] = WorkCalendar(DayOverride(*entry) for entry in key)
        return built[key]

    return at


def _events(bundle: dict[str, Any], case_id: int = 0) -> list[CaseEvent]:
    return [CaseEvent(case_id=case_id, seq=int(e["seq"]), type=str(e["type"]), actor=str(e["actor"]),
                      role=str(e["role"]), at=_parse_at(e["at"]), payload=str(e["payload"]),
                      prev_hash=str(e["prev_hash"]), hash=str(e["hash"])) for e in bundle["events"]]


def _processes(bundle: dict[str, Any], check: BundleCheck) -> dict[int, ParsedProcess]:
    """The bundle's diagrams by version id, each checked against its sha256 first."""
    processes = {}
    for spec in bundle["specs"]:
        xml = str(spec["xml"])
        if hashlib.sha256(xml.encode("utf-8")).hexdigest() != spec["sha256"]:
            check.problems.append(f"流程 {spec['key']} v{spec['version']} 的 XML 与其 sha256 不符（流程图被改动）")
            continue
        # Published diagrams: their business rule tasks evaluate the tables the file carries (_decisions).
        processes[int(spec["id"])] = parse_process(xml, str(spec["key"]), published=True)
    return processes


def _decisions(bundle: dict[str, Any], events: list[CaseEvent], check: BundleCheck) -> DecisionLookup | None:
    """The decision tables the case was pinned to, from the file, checked against ``case_opened``."""
    carried = bundle.get("decisions")
    named = json.loads(events[0].payload).get("decisions") if events[0].type == "case_opened" else None
    if carried is None:
        if named:
            check.problems.append(f"文件中没有案件所用的决策表（{named.get('key')} v{named.get('version')}）")
        return None
    xml = str(carried["xml"])
    if hashlib.sha256(xml.encode("utf-8")).hexdigest() != carried["sha256"] or not named \
            or named.get("sha256") != carried["sha256"]:
        check.problems.append(f"决策表 {carried.get('key')} v{carried.get('version')} 与案件登记时固定的版本不符"
                              "（决策表被改动）")
        return None
    try:
        document = parse_decisions(xml)
    except CasegridError as exc:
        check.problems.append(f"文件中的决策表无法读取：{exc.message}")
        return None
    return lambda decision_id: document.tables.get(decision_id)


def _check_signature(bundle: dict[str, Any], ring: KeyRing | None, check: BundleCheck) -> None:
    signature = bundle.get("signature") or {}
    if not ring:
        check.problems.append("未提供公钥：无法核对导出签名，不能判定此文件可信（请用 --public-key 指定签名者的公钥文件）")
        return
    key = ring.get(str(signature.get("key_id")))
    if key is None or key.profile != signature.get("algorithm"):
        check.problems.append(f"导出签名所用的密钥 {signature.get('key_id')} 不在给定的公钥中：无法核对")
    elif not key.verify(_signed_text(bundle).encode("utf-8"), str(signature.get("value"))):
        check.problems.append("导出签名不符：文件在导出后被改动")
    else:
        check.passed.append(f"导出签名有效（{key.profile}，密钥 {key.key_id}）")


def _check_log(bundle: dict[str, Any], events: list[CaseEvent], ring: KeyRing | None, check: BundleCheck) -> None:
    """The case's events against the signed tree head the bundle carries (its inclusion proofs)."""
    document = bundle.get("log")
    if not document:
        check.notes.append("导出时 Merkle 日志尚无签名树头：事件未经树头证明")
        return
    head = document["head"]
    where = f"树头 #{head['id']}（{head['time']}，{head['size']} 个叶子）"
    if ring:
        problems = check_case_proof(document, ring)
        if problems:
            check.problems += problems
            return
    proved = {int(leaf["seq"]): leaf["entry_hash"] for leaf in document["leaves"] if leaf["kind"] == EVENT
              and leaf["ref"] == bundle["case"]["uuid"]}
    for event in events:
        if event.seq in proved and proved[event.seq] != event.hash:
            check.problems.append(f"第 {event.seq} 个事件与{where}中的记录不同（记录在签名后被改写）")
            return
    under = [e for e in events if e.seq in proved]
    if len(proved) > len(under):
        check.problems.append(f"{where}中有该案件的 {len(proved) - len(under)} 个事件，文件中没有（事件被删除）")
        return
    if ring:
        check.passed.append(f"{len(under)} 个事件经包含证明在{where}中，树头签名有效")


def verify_bundle(data: bytes, ring: KeyRing | None = None) -> BundleCheck:
    """Check an exported bundle with nothing but its own content and the signer's public keys."""
    check = BundleCheck()
    try:
        bundle = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        check.problems.append(f"不是合法的 JSON 文件：{exc}")
        return check
    if not isinstance(bundle, dict) or bundle.get("format") != FORMAT:
        check.problems.append(f"不是 casegrid 案件导出文件（格式应为 {FORMAT}）")
        return check
    try:
        _verify(bundle, ring, check)
    except (KeyError, TypeError, ValueError, _Malformed) as exc:
        check.problems.append(f"文件内容不完整或格式不对：{type(exc).__name__}: {exc}")
    return check


def _check_evidence(bundle: dict[str, Any], check: BundleCheck) -> None:
    """The evidence files the bundle carries match the hashes its (chain-checked) events record."""
    problems, passed, notes = check_bundle_files(bundle)
    check.problems += problems
    check.passed += passed
    check.notes += notes


def _verify(bundle: dict[str, Any], ring: KeyRing | None, check: BundleCheck) -> None:
    case = bundle["case"]
    check.tracking_code = str(case["tracking_code"])
    _check_signature(bundle, ring, check)
    events = _events(bundle)
    check.events = len(events)
    head = bundle["chain_head"]
    # The same chain check as in the database, against the exported case's head.
    exported = Case(uuid=str(case["uuid"]), tracking_code=check.tracking_code, last_seq=int(head["seq"]),
                    head_hash=str(head["hash"]))
    if (problem := chain_problem(exported, events)) is not None:
        check.problems.append(f"第 {problem[0]} 个事件：{problem[1]}")
        return
    if not events:
        check.problems.append("文件中没有事件")
        return
    check.passed.append(f"哈希链完整：{len(events)} 个事件，链头 {events[-1].hash[:16]}…")
    _check_evidence(bundle, check)
    _check_log(bundle, events, ring, check)
    processes = _processes(bundle, check)
    pinned = next((int(s["id"]) for s in bundle["specs"] if s["sha256"] == case["process_sha256"]), None)
    if pinned not in processes:
        check.problems.append("文件中没有案件所用的流程图（或流程图被改动）")
        return

    def process_for(version_id: int) -> ParsedProcess:
        if version_id not in processes:
            raise _Malformed(f"文件中没有流程版本 {version_id}")
        return processes[version_id]

    found = len(check.problems)
    decisions = _decisions(bundle, events, check)
    if len(check.problems) > found:
        return
    try:
        replayed = replay_events(processes[pinned], str(case["uuid"]), events,
                                 _calendar_at(bundle["calendar_days"]), process_for=process_for,
                                 decisions=decisions)
    except ReplayFailed as exc:
        check.problems.append(f"重放失败：{exc.message}")
        return
    if not snapshot_matches(replayed.snapshot(), str(bundle["snapshot"]), processes[pinned]):
        check.problems.append("重放结果与导出的快照不一致（快照或事件被改写）")
        return
    check.passed.append("仅凭文件中的流程图和事件重放，结果与快照一致")
