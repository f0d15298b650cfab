"""Hash chaining of case events.

``hash = sha256(prev_hash ‖ canonical JSON of the event)``, where the event is
``{"case": <case uuid>, "seq", "type", "actor", "role", "at", "payload"}`` and
the first event of a case chains to :data:`GENESIS`. The case uuid (not the
database id) is hashed so that an exported history verifies on any machine.

Event times never go backwards within a case: :func:`append_event` (and the one
Core path that casts household ballots, through :func:`refuse_backwards`) refuses
an event dated before its predecessor, and ``verify`` flags one found in the log.

Every event is written here, by one of two doors that hash alike (:func:`_sealed`): the ORM's
(:func:`open_event`/:func:`close_event`, :func:`append_event`), which commits the step's fact rows with
the event, and :func:`append_event_now`, Core statements for a writer that runs once per household and
keeps out of the unit of work (a household ballot). Both add the event's Merkle leaf and move the head.
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Row, Table, bindparam, insert, select, update
from sqlalchemy import event as orm_event
from sqlalchemy.orm import Session

from engine.audit import fact_rows  # noqa: F401  (registers the fact rows the chain commits to)
from engine.audit import joint_log  # noqa: F401  (joint meetings' leaves, appended at commit)
from engine.cases.leaves import INSERT_LEAF, add_event_leaf, event_leaf, hold_append_lock
from engine.cases.events import CaseEvent
from engine.cases.record_rows import (
    FORMAT_KEY,
    ROWS_FORMAT,
    ROWS_KEY,
    SEAL_EVENT,
    forget,
    rows_to_commit,
    unsealed_cases,
)
from engine.bpmn.serializer import canonical_json
from engine.cases.models import Case
from engine.clock import to_db
from engine.errors import ConflictError

GENESIS = "0" * 64

#: Attribute on a ``Case`` object: (seq, stored time) of the newest event this process appended or read.
_LAST_AT = "_casegrid_last_event_at"


class EventBeforePredecessor(ConflictError):
    """An event dated before the case's previous event: a clock went back, or someone back-dates."""

    code = "event_time_backwards"


def refuse_backwards(tracking: str, previous_at: datetime | None, at: datetime) -> None:
    """Raise when ``at`` (stored form) is earlier than the case's previous event time."""
    if previous_at is not None and at < previous_at:
        raise EventBeforePredecessor(
            f"案件 {tracking} 的新事件时间 {at.isoformat()}Z 早于上一事件 {previous_at.isoformat()}Z：事件时间不能倒退")


def _previous_at(session: Session, case: Case) -> datetime | None:
    """The stored time of the case's newest event, from memory when this session appended or read it."""
    known = getattr(case, _LAST_AT, None)
    if known is not None and known[0] == case.last_seq:
        return known[1]
    if not case.last_seq:
        return None
    with session.no_autoflush:  # the newest event is either flushed already or cached above
        return session.scalar(select(CaseEvent.at).where(CaseEvent.case_id == case.id,
                                                          CaseEvent.seq == case.last_seq))


def format_at(at: datetime) -> str:
    """The event time as hashed: naive UTC with microseconds and a Z."""
    if at.tzinfo is None:  # already as stored (a million of these per verify: skip the conversions)
        return at.isoformat(timespec="microseconds") + "Z"
    stored = to_db(at)
    assert stored is not None
    return stored.isoformat(timespec="microseconds") + "Z"


def event_hash(prev_hash: str, *, case_uuid: str, seq: int, type: str, actor: str, role: str,
               at: datetime, payload: Any) -> str:
    body = canonical_json({
        "case": case_uuid, "seq": seq, "type": type, "actor": actor, "role": role,
        "at": format_at(at), "payload": payload,
    })
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


def _sealed(prev_hash: str, *, case_uuid: str, seq: int, type: str, actor: str, role: str, at: datetime,
            payload: dict[str, Any]) -> tuple[str, str]:
    """The payload as stored (canonical JSON) and the event's chain hash over it."""
    text = canonical_json(payload)
    return text, event_hash(prev_hash, case_uuid=case_uuid, seq=seq, type=type, actor=actor, role=role, at=at,
                            payload=json.loads(text))


#: Where a session keeps the events opened and not yet closed, by case id.
_OPEN = "casegrid_open_events"


def open_event(session: Session, case: Case, *, type: str, actor: str, role: str,
               at: datetime, payload: dict[str, Any]) -> CaseEvent:
    """Take the case's next seq for an event whose hash is computed when it is closed.

    An engine step opens its event first (the domain rows it writes name that seq), runs the
    step's hooks, and closes the event after them (:func:`close_event`): the event then commits
    to every fact row the step wrote. Appending another event to the case closes it first.
    Refuses (:class:`EventBeforePredecessor`) an event dated before the case's previous one.
    """
    close_event(session, case)
    stored_at = to_db(at)
    refuse_backwards(case.tracking_code, _previous_at(session, case), stored_at)
    event = CaseEvent(case_id=case.id, seq=case.last_seq + 1, type=type, actor=actor, role=role, at=stored_at,
                      prev_hash=case.head_hash)
    session.info.setdefault(_OPEN, {})[case.id] = (event, payload)
    case.last_seq = event.seq
    setattr(case, _LAST_AT, (event.seq, stored_at))
    return event


def close_event(session: Session, case: Case) -> None:
    """Hash the case's open event (with the fact rows written since the case's last event) and add it."""
    opened = session.info.get(_OPEN, {}).pop(case.id, None)
    if opened is None:
        return
    event, payload = opened
    if rows := rows_to_commit(session, case.id, opening=event.seq == 1):
        payload = {**payload, ROWS_KEY: rows}
        if event.seq == 1:  # which tables this case's events commit to (verify compares those)
            payload[FORMAT_KEY] = ROWS_FORMAT
    event.payload, event.hash = _sealed(event.prev_hash, case_uuid=case.uuid, seq=event.seq, type=event.type,
                                        actor=event.actor, role=event.role, at=event.at, payload=payload)
    session.add(event)
    add_event_leaf(session, case.id, case.uuid, event.seq, event.hash)  # its place in the global Merkle log
    case.head_hash = event.hash


def append_event(session: Session, case: Case, *, type: str, actor: str, role: str,
                 at: datetime, payload: dict[str, Any]) -> CaseEvent:
    """Append the next event of ``case`` and move the case's chain head to it.

    Refuses (:class:`EventBeforePredecessor`) an event dated before the case's previous one.
    """
    event = open_event(session, case, type=type, actor=actor, role=role, at=at, payload=payload)
    close_event(session, case)
    return event


# The Core door: statements built once with bound parameters, no ORM unit of work.
_cases, _events = cast(Table, Case.__table__), cast(Table, CaseEvent.__table__)
#: The case's chain head and the time of its newest event (a new event is never dated before it).
_NEWEST_AT = (select(_events.c.at).where(_events.c.case_id == _cases.c.id, _events.c.seq == _cases.c.last_seq)
              .scalar_subquery().label("last_at"))
_HEAD = select(_cases.c.uuid, _cases.c.last_seq, _cases.c.head_hash, _cases.c.tracking_code, _NEWEST_AT).where(
    _cases.c.id == bindparam("case_id"))
_HEAD_LOCKED = _HEAD.with_for_update(of=_cases)
_INSERT_EVENT = insert(_events)
_MOVE_HEAD = update(_cases).where(_cases.c.id == bindparam("case_id")).values(
    last_seq=bindparam("seq"), head_hash=bindparam("digest"))


def lock_head(session: Session, case_id: int) -> Row[Any]:
    """The case's uuid, last_seq, head_hash, tracking_code and last_at (its newest event's stored time), the row
    locked for this transaction on PostgreSQL (SQLite's BEGIN IMMEDIATE holds the write lock already)."""
    conn = session.connection()
    return conn.execute(_HEAD if conn.dialect.name == "sqlite" else _HEAD_LOCKED, {"case_id": case_id}).one()


def append_event_now(session: Session, case_id: int, head: Row[Any], *, type: str, actor: str, role: str,
                     at: datetime, payload: dict[str, Any]) -> str:
    """Append the case's next event with Core statements, outside the unit of work; returns its hash.

    ``head`` is what :func:`lock_head` read in this transaction (the caller refuses a backwards time
    with :func:`refuse_backwards` before its own writes). The event, its Merkle leaf and the head move
    are written now: for a writer that runs once per household, with no fact row of its own to commit.
    """
    conn = session.connection()
    stored_at = to_db(at)
    seq = head.last_seq + 1
    text, digest = _sealed(head.head_hash, case_uuid=head.uuid, seq=seq, type=type, actor=actor, role=role,
                           at=at, payload=payload)
    conn.execute(_INSERT_EVENT, {"case_id": case_id, "seq": seq, "type": type, "actor": actor, "role": role,
                                 "at": stored_at, "payload": text, "prev_hash": head.head_hash, "hash": digest})
    hold_append_lock(session)
    conn.execute(INSERT_LEAF, event_leaf(case_id, head.uuid, seq, digest))  # its place in the Merkle log
    conn.execute(_MOVE_HEAD, {"case_id": case_id, "seq": seq, "digest": digest})
    return digest


def _seal_rows(session: Session) -> None:
    """Fact rows changed after their case's last event of this transaction: one event commits them.

    Runs before the commit's flush, so the event goes in with the rows it commits to.
    """
    for case_id in list(session.info.get(_OPEN, {})):  # an open event never outlives its step; close it anyway
        close_event(session, session.get(Case, case_id))  # type: ignore[arg-type]
    for case_id in unsealed_cases(session):
        case = session.get(Case, case_id)
        if case is None or not case.last_seq:
            continue  # a case being opened commits its rows with case_opened
        at = _previous_at(session, case)
        assert at is not None
        append_event(session, case, type=SEAL_EVENT, actor="system", role="system", at=at, payload={})


def _forget_rows(session: Session, *_args: Any) -> None:
    forget(session)
    session.info.pop(_OPEN, None)


orm_event.listen(Session, "before_flush", fact_rows.track)
orm_event.listen(Session, "before_commit", _seal_rows)
orm_event.listen(Session, "after_commit", _forget_rows)
orm_event.listen(Session, "after_soft_rollback", _forget_rows)
