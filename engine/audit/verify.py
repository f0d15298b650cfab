"""Prove a case's record was not altered: the hash chain, seq continuity, and replay to the snapshot."""
from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit.chain import GENESIS, row_hash
from engine.audit.checkpoints import SignedHead, head_problem, signed_heads
from engine.audit.models import CaseEvent
from engine.audit.replay import ReplayFailed, replay_events
from engine.bpmn.serializer import canonical_json
from engine.calendar.store import load_calendar
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


def chain_problem(case: Case, events: list[CaseEvent]) -> tuple[int, str] | None:
    """(seq, problem) of the first break in the case's hash chain, or None.

    Also used on an exported bundle, with a transient ``Case`` holding its uuid and head.
    """
    prev = GENESIS
    for expected_seq, event in enumerate(events, start=1):
        if event.seq != expected_seq:
            return expected_seq, f"序号不连续：应为 {expected_seq}，实际为 {event.seq}（事件缺失或顺序被改）"
        if event.prev_hash != prev:
            return event.seq, "prev_hash 与上一事件的哈希不符（事件被删除、插入或交换）"
        try:
            canonical = canonical_json(json.loads(event.payload))
        except ValueError:
            return event.seq, "payload 不是合法 JSON（被改写过）"
        if canonical != event.payload:
            return event.seq, "payload 不是规范 JSON（被改写过）"
        if row_hash(event, case.uuid) != event.hash:
            return event.seq, "哈希不符：事件内容被修改"
        prev = event.hash
    if case.last_seq != len(events) or case.head_hash != prev:
        return len(events) + 1 if case.last_seq > len(events) else len(events), \
            f"链头不符：案件记录最后序号 {case.last_seq}，事件表只有 {len(events)} 条（末尾事件被删除或链被改写）"
    return None


#: ``verify_case``'s default: read the case's signed heads from the checkpoints.
_LOOKUP: list[SignedHead] = []


def verify_case(session: Session, case: Case, signed: list[SignedHead] | None = _LOOKUP) -> CaseCheck:
    """The chain, then the heads signed by checkpoints (``signed``; read when not given), then replay."""
    events = list(session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)))
    if (problem := chain_problem(case, events)) is not None:
        return CaseCheck(case.id, case.tracking_code, len(events), *problem)
    if signed is _LOOKUP:
        signed = signed_heads(session, case.uuid).get(case.uuid)
    if signed and (problem := head_problem([e.hash for e in events], signed)) is not None:
        return CaseCheck(case.id, case.tracking_code, len(events), *problem)
    process = process_of(session, case.process_version_id)
    try:
        replayed = replay_events(process, case.uuid, events, lambda at: load_calendar(session, at))
    except ReplayFailed as exc:
        return CaseCheck(case.id, case.tracking_code, len(events), exc.seq, f"重放失败：{exc.message}")
    if replayed.snapshot() != case.snapshot:
        return CaseCheck(case.id, case.tracking_code, len(events), len(events),
                         "重放结果与保存的快照不一致（快照或事件被改写）")
    return CaseCheck(case.id, case.tracking_code, len(events))


def verify_cases(session: Session, case_ids: list[int] | None = None) -> Iterator[CaseCheck]:
    stmt = select(Case).order_by(Case.id)
    if case_ids is not None:
        stmt = stmt.where(Case.id.in_(case_ids))
    heads = signed_heads(session)
    for case in session.scalars(stmt):
        yield verify_case(session, case, heads.get(case.uuid))
