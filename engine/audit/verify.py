"""Prove a case's record was not altered: the hash chain, seq continuity, event times, replay to the snapshot."""
from __future__ import annotations

import json
from hashlib import sha256
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from json.encoder import encode_basestring  # type: ignore[attr-defined]

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.cases.chain import GENESIS, format_at
from engine.audit.log_records import case_leaf_problem
from engine.cases.events import CaseEvent
from engine.audit.pinned import PinnedVersions, pinned_problem
from engine.audit.record_checks import FactRows, fact_row_problem
from engine.audit.replay import ReplayFailed, replay_events, stored_calendars
from engine.bpmn.parser import ParsedProcess
from engine.bpmn.serializer import canonical_json, current_snapshot
from engine.cases.models import Case
from engine.specs.registry import process_of


@dataclass(frozen=True)
class CaseCheck:
    case_id: int
    tracking_code: str
    events: int
    #: seq of the first bad event (or of the last one when only the snapshot differs).
    bad_seq: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def chain_body(case_uuid: str, seq: int, type: str, actor: str, role: str, at_text: str, payload_text: str) -> str:
    """The text :func:`engine.cases.chain.event_hash` hashes, built from an already canonical payload.

    Same bytes as ``canonical_json`` of the event dict (keys in sorted order, the payload's
    canonical text embedded as is) without parsing and re-dumping the payload: verifying a
    million events spends its time in sha256, not in JSON.
    """
    s = encode_basestring  # what json.dumps(text, ensure_ascii=False) does for a str, minus its set-up
    return (f'{{"actor":{s(actor)},"at":{s(at_text)},"case":{s(case_uuid)},"payload":{payload_text},'
            f'"role":{s(role)},"seq":{int(seq)},"type":{s(type)}}}')


def chain_hash(prev_hash: str, body: str) -> str:
    return sha256((prev_hash + body).encode("utf-8")).hexdigest()


def _row_hash(event: CaseEvent, case_uuid: str) -> str:
    body = chain_body(case_uuid, event.seq, event.type, event.actor, event.role, format_at(event.at), event.payload)
    return chain_hash(event.prev_hash, body)


def _payload_problem(payload: str) -> str | None:
    try:
        canonical = canonical_json(json.loads(payload))
    except ValueError:
        return "payload 不是合法 JSON（被改写过）"
    return None if canonical == payload else "payload 不是规范 JSON（被改写过）"


def chain_problem(case: Case, events: list[CaseEvent]) -> tuple[int, str] | None:
    """(seq, problem) of the first break in the case's hash chain, or None.

    Also used on an exported bundle, with a transient ``Case`` holding its uuid and head.
    """
    prev = GENESIS
    prev_at = None
    for expected_seq, event in enumerate(events, start=1):
        if event.seq != expected_seq:
            return expected_seq, f"序号不连续：应为 {expected_seq}，实际为 {event.seq}（事件缺失或顺序被改）"
        if event.prev_hash != prev:
            return event.seq, "prev_hash 与上一事件的哈希不符（事件被删除、插入或交换）"
        # The payload text is hashed as stored; only a mismatch needs the (slower) diagnosis of why.
        # A matching hash proves the text is the canonical one appended (append_event hashes that).
        if _row_hash(event, case.uuid) != event.hash:
            return event.seq, _payload_problem(event.payload) or "哈希不符：事件内容被修改"
        if prev_at is not None and event.at < prev_at:
            return event.seq, (f"事件时间倒退：第 {event.seq} 个事件的时间 {format_at(event.at)} "
                               f"早于上一事件 {format_at(prev_at)}")
        prev, prev_at = event.hash, event.at
    if case.last_seq != len(events) or case.head_hash != prev:
        return len(events) + 1 if case.last_seq > len(events) else len(events), \
            f"链头不符：案件记录最后序号 {case.last_seq}，事件表只有 {len(events)} 条（末尾事件被删除或链被改写）"
    return None


def snapshot_matches(replayed: str | None, stored: str, process: ParsedProcess) -> bool:
    """Whether a replay reproduces the stored snapshot, read in the current format (a snapshot an older
    version wrote is compared as this one would write it: the same workflow in a newer envelope)."""
    try:
        return replayed == current_snapshot(stored, process)
    except (ValueError, KeyError, TypeError):  # not a snapshot any version wrote: edited
        return False


#: Cases read per round trip by :func:`verify_cases`.
VERIFY_BATCH = 200

def verify_case(session: Session, case: Case, versions: PinnedVersions | None = None,
                rows: FactRows | None = None) -> CaseCheck:
    """The chain, then its events against the Merkle log's leaves, then the pinned process and routing table
    against the log (``versions`` caches their rows across cases), then the fact rows against what the events
    hold for them (``rows``: read for a batch of cases at once), then replay. The signed heads are checked
    once for the whole log (:func:`engine.audit.heads.review_log`), not per case."""
    events = list(session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)))
    if (problem := chain_problem(case, events)) is not None:
        return CaseCheck(case.id, case.tracking_code, len(events), *problem)
    if (problem := case_leaf_problem(session, case, events)) is not None:
        return CaseCheck(case.id, case.tracking_code, len(events), *problem)
    if (problem := pinned_problem(case, events, versions or PinnedVersions(session))) is not None:
        return CaseCheck(case.id, case.tracking_code, len(events), *problem)
    if (problem := fact_row_problem(session, case.id, events, rows)) is not None:
        return CaseCheck(case.id, case.tracking_code, len(events), *problem)
    process = process_of(session, case.process_version_id)
    try:
        replayed = replay_events(process, case.uuid, events, stored_calendars(session))
    except ReplayFailed as exc:
        return CaseCheck(case.id, case.tracking_code, len(events), exc.seq, f"重放失败：{exc.message}")
    if not snapshot_matches(replayed.snapshot(), case.snapshot, process):
        return CaseCheck(case.id, case.tracking_code, len(events), len(events),
                         "重放结果与保存的快照不一致（快照或事件被改写）")
    return CaseCheck(case.id, case.tracking_code, len(events))


def verify_cases(session: Session, case_ids: list[int] | None = None) -> Iterator[CaseCheck]:
    """Every case (or those given), fully: chain, pinned versions, replay. Streams the cases.

    Cases are read ``VERIFY_BATCH`` at a time and let go once checked: a million cases with
    their snapshots would not fit in memory at once.
    """
    stmt = select(Case).order_by(Case.id).execution_options(yield_per=VERIFY_BATCH)
    if case_ids is not None:
        stmt = stmt.where(Case.id.in_(case_ids))
    versions = PinnedVersions(session)
    for batch in session.scalars(stmt).partitions():
        rows = FactRows(session, [case.id for case in batch])
        for case in batch:
            yield verify_case(session, case, versions, rows)
            session.expunge(case)


@dataclass(frozen=True)
class ChainScan:
    cases: int
    events: int
    #: Checks of the cases whose chain is broken (the intact ones are only counted).
    failures: list[CaseCheck]


#: Rows fetched per round trip while streaming the event log.
STREAM_ROWS = 20_000


def _chain_intact(case_uuid: str, last_seq: int, head_hash: str, events: list[Any]) -> bool:
    """The fast yes of :func:`chain_problem` (same checks, no messages): it decides for a million events.

    Rows are unpacked by position; a case that fails is checked again by :func:`chain_problem`,
    which says where and why.
    """
    prev = GENESIS
    expected = 0
    prev_at = None
    for _case_id, seq, type_, actor, role, at, payload, prev_hash, digest in events:
        expected += 1
        if seq != expected or prev_hash != prev or (prev_at is not None and at < prev_at):
            return False
        if chain_hash(prev, chain_body(case_uuid, seq, type_, actor, role, format_at(at), payload)) != digest:
            return False
        prev, prev_at = digest, at
    return last_seq == expected and head_hash == prev


def verify_chains(session: Session, first_case_id: int = 0, last_case_id: int | None = None,
                  max_events: int | None = None) -> ChainScan:
    """The hash chain and head of every case with an id in the range, streamed from one ordered query.

    No replay: this is the check that must stay fast at millions of events (the events are read
    ``STREAM_ROWS`` at a time in ``(case_id, seq)`` order, never all at once, and each case is
    dropped once checked). Ranges are independent, so large logs can be split across processes.
    ``max_events`` stops after the case that reaches it.
    """
    case_stmt = select(Case.id, Case.tracking_code, Case.uuid, Case.last_seq, Case.head_hash).where(
        Case.id >= first_case_id).order_by(Case.id)
    event_stmt = select(CaseEvent.case_id, CaseEvent.seq, CaseEvent.type, CaseEvent.actor, CaseEvent.role,
                        CaseEvent.at, CaseEvent.payload, CaseEvent.prev_hash, CaseEvent.hash).where(
        CaseEvent.case_id >= first_case_id).order_by(CaseEvent.case_id, CaseEvent.seq)
    if last_case_id is not None:
        case_stmt = case_stmt.where(Case.id <= last_case_id)
        event_stmt = event_stmt.where(CaseEvent.case_id <= last_case_id)
    options = {"yield_per": STREAM_ROWS}
    # Two cursors at once: on SQLite and PostgreSQL alike each streams (server-side cursor on PostgreSQL).
    events_iter = iter(session.connection().execution_options(**options).execute(event_stmt))
    cases_conn = session.get_bind().connect()
    failures: list[CaseCheck] = []
    cases = total = 0
    pending = next(events_iter, None)
    try:
        for case in cases_conn.execution_options(**options).execute(case_stmt):
            events = []
            while pending is not None and pending.case_id < case.id:
                pending = next(events_iter, None)  # events of a case row that does not exist: not this check
            while pending is not None and pending.case_id == case.id:
                events.append(pending)
                pending = next(events_iter, None)
            cases += 1
            total += len(events)
            if not _chain_intact(case.uuid, case.last_seq, case.head_hash, events) \
                    and (problem := chain_problem(case, events)) is not None:
                failures.append(CaseCheck(case.id, case.tracking_code, len(events), *problem))
            if max_events is not None and total >= max_events:
                break
    finally:
        cases_conn.close()
    return ChainScan(cases, total, failures)
