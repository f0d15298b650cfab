"""Hash chaining of case events.

``hash = sha256(prev_hash ‖ canonical JSON of the event)``, where the event is
``{"case": <case uuid>, "seq", "type", "actor", "role", "at", "payload"}`` and
the first event of a case chains to :data:`GENESIS`. The case uuid (not the
database id) is hashed so that an exported history verifies on any machine.
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from engine.audit.models import CaseEvent
from engine.bpmn.serializer import canonical_json
from engine.cases.models import Case
from engine.clock import to_db

GENESIS = "0" * 64


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


def append_event(session: Session, case: Case, *, type: str, actor: str, role: str,
                 at: datetime, payload: dict[str, Any]) -> CaseEvent:
    """Append the next event of ``case`` and move the case's chain head to it."""
    seq = case.last_seq + 1
    text = canonical_json(payload)
    digest = event_hash(case.head_hash, case_uuid=case.uuid, seq=seq, type=type, actor=actor,
                        role=role, at=at, payload=json.loads(text))
    event = CaseEvent(case_id=case.id, seq=seq, type=type, actor=actor, role=role, at=to_db(at),
                      payload=text, prev_hash=case.head_hash, hash=digest)
    session.add(event)
    case.last_seq = seq
    case.head_hash = digest
    return event
