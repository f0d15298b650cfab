"""What a tamperer with database access would do: change stored rows directly, bypassing the services.

The application never updates or deletes ``case_event`` rows; these helpers do, through
plain SQL statements on ``db.engine`` (SQLAlchemy Core on the tables, so that column
types such as timestamps read back the same on SQLite and PostgreSQL).
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, delete, insert, select, text, update

from engine.append_only import LOG_TABLES, TRIGGER
from engine.cases.chain import GENESIS, event_hash
from engine.cases.events import CaseEvent
from engine.bpmn.serializer import canonical_json
from engine.cases.models import Case
from engine.clock import to_db
from engine.db import Database

@contextmanager
def as_owner(db: Database) -> Iterator[Connection]:
    """A transaction of the tables' owner, the way an insider rewrites the log on PostgreSQL.

    The owner may (the application's role may not): it first disables the append-only triggers on the
    log tables — DDL, part of this transaction — and enables them again before it commits.
    """
    with db.engine.begin() as conn:
        pg = conn.dialect.name == "postgresql"
        for table in LOG_TABLES if pg else ():
            conn.execute(text(f'ALTER TABLE "{table}" DISABLE TRIGGER {TRIGGER}'))
        yield conn
        for table in LOG_TABLES if pg else ():
            conn.execute(text(f'ALTER TABLE "{table}" ENABLE TRIGGER {TRIGGER}'))


EVENTS: Table = CaseEvent.__table__  # type: ignore[assignment]
CASES: Table = Case.__table__  # type: ignore[assignment]

Payload = dict[str, Any]


def _case_uuid(conn: Connection, case_id: int) -> str:
    return conn.execute(select(CASES.c.uuid).where(CASES.c.id == case_id)).scalar_one()


def _event(conn: Connection, case_id: int, seq: int) -> Any:
    return conn.execute(select(EVENTS).where(EVENTS.c.case_id == case_id, EVENTS.c.seq == seq)).one()


def _where(case_id: int, seq: int) -> Any:
    return (EVENTS.c.case_id == case_id) & (EVENTS.c.seq == seq)


def _rehash_row(conn: Connection, case_id: int, seq: int) -> str:
    """Recompute one row's hash from its (edited) columns and its stored prev_hash, as an attacker could."""
    row = _event(conn, case_id, seq)
    digest = event_hash(row.prev_hash, case_uuid=_case_uuid(conn, case_id), seq=row.seq, type=row.type,
                        actor=row.actor, role=row.role, at=row.at, payload=json.loads(row.payload))
    conn.execute(update(EVENTS).where(_where(case_id, seq)).values(hash=digest))
    return digest


def edit_payload(db: Database, case_id: int, seq: int, change: Callable[[Payload], None], *,
                 rehash: bool = False) -> None:
    """Rewrite event ``seq``'s payload (kept canonical JSON); optionally recompute that row's hash too."""
    with as_owner(db) as conn:
        payload = json.loads(_event(conn, case_id, seq).payload)
        before = canonical_json(payload)
        change(payload)
        after = canonical_json(payload)
        assert after != before, "the edit changed nothing"
        conn.execute(update(EVENTS).where(_where(case_id, seq)).values(payload=after))
        if rehash:
            _rehash_row(conn, case_id, seq)


def set_raw_payload(db: Database, case_id: int, seq: int, text: str) -> None:
    """Store ``text`` as event ``seq``'s payload exactly as given."""
    with as_owner(db) as conn:
        conn.execute(update(EVENTS).where(_where(case_id, seq)).values(payload=text))


def set_event_columns(db: Database, case_id: int, seq: int, **values: Any) -> None:
    """Overwrite columns of event ``seq`` (e.g. ``actor=``, ``at=``) and nothing else."""
    with as_owner(db) as conn:
        conn.execute(update(EVENTS).where(_where(case_id, seq)).values(**values))


def rechain(db: Database, case_id: int) -> None:
    """Recompute every prev_hash and hash of the case in seq order, and the case's chain head.

    After this the hash chain is internally consistent whatever was edited before.
    """
    with as_owner(db) as conn:
        case_uuid = _case_uuid(conn, case_id)
        rows = conn.execute(select(EVENTS).where(EVENTS.c.case_id == case_id).order_by(EVENTS.c.seq)).all()
        prev = GENESIS
        for row in rows:
            digest = event_hash(prev, case_uuid=case_uuid, seq=row.seq, type=row.type, actor=row.actor,
                                role=row.role, at=row.at, payload=json.loads(row.payload))
            conn.execute(update(EVENTS).where(EVENTS.c.id == row.id).values(prev_hash=prev, hash=digest))
            prev = digest
        conn.execute(update(CASES).where(CASES.c.id == case_id)
                     .values(head_hash=prev, last_seq=rows[-1].seq if rows else 0))


def delete_event(db: Database, case_id: int, seq: int) -> None:
    with as_owner(db) as conn:
        assert conn.execute(delete(EVENTS).where(_where(case_id, seq))).rowcount == 1


def swap_seqs(db: Database, case_id: int, a: int, b: int) -> None:
    """Exchange the seq numbers of two events (through a free number: (case_id, seq) is unique)."""
    with as_owner(db) as conn:
        parked = -1_000_000
        conn.execute(update(EVENTS).where(_where(case_id, a)).values(seq=parked))
        conn.execute(update(EVENTS).where(_where(case_id, b)).values(seq=a))
        conn.execute(update(EVENTS).where(_where(case_id, parked)).values(seq=b))


def edit_snapshot(db: Database, case_id: int, change: Callable[[str], str]) -> None:
    with as_owner(db) as conn:
        snapshot = conn.execute(select(CASES.c.snapshot).where(CASES.c.id == case_id)).scalar_one()
        edited = change(snapshot)
        assert edited != snapshot, "the edit changed nothing"
        conn.execute(update(CASES).where(CASES.c.id == case_id).values(snapshot=edited))


def append_event(db: Database, case_id: int, *, type: str, actor: str, role: str, at: datetime,
                 payload: Payload) -> int:
    """Insert a forged event after the last stored one, chained and hashed exactly as the engine would.

    The case row (last_seq, head_hash) is left alone. Returns the new event's seq.
    """
    with as_owner(db) as conn:
        last = conn.execute(select(EVENTS).where(EVENTS.c.case_id == case_id)
                            .order_by(EVENTS.c.seq.desc()).limit(1)).one()
        seq = last.seq + 1
        digest = event_hash(last.hash, case_uuid=_case_uuid(conn, case_id), seq=seq, type=type, actor=actor,
                            role=role, at=at, payload=payload)
        conn.execute(insert(EVENTS).values(case_id=case_id, seq=seq, type=type, actor=actor, role=role,
                                           at=to_db(at), payload=canonical_json(payload),
                                           prev_hash=last.hash, hash=digest))
    return seq


def edit_version_xml(db: Database, model: type, version_id: int, change: Callable[[str], str], *,
                     fix_sha256: bool) -> None:
    """Rewrite a process or decision version's XML; with ``fix_sha256`` its sha256 column follows it."""
    table: Table = model.__table__  # type: ignore[attr-defined]
    with as_owner(db) as conn:
        xml = conn.execute(select(table.c.xml).where(table.c.id == version_id)).scalar_one()
        edited = change(xml)
        assert edited != xml, "the edit changed nothing"
        values: dict[str, Any] = {"xml": edited}
        if fix_sha256:
            values["sha256"] = hashlib.sha256(edited.encode("utf-8")).hexdigest()
        conn.execute(update(table).where(table.c.id == version_id).values(**values))


def releaf(db: Database, case_id: int) -> None:
    """Make the Merkle log's leaves of the case say what its (rewritten) events now hash to, as an insider
    who knows the log would: only a signed tree head (or the auditor's trusted one) can tell then."""
    from engine.cases.leaves import MerkleLeaf
    leaves: Table = MerkleLeaf.__table__  # type: ignore[assignment]
    with as_owner(db) as conn:
        for seq, digest in conn.execute(select(EVENTS.c.seq, EVENTS.c.hash).where(EVENTS.c.case_id == case_id)).all():
            conn.execute(update(leaves).where(leaves.c.case_id == case_id, leaves.c.kind == "event",
                                              leaves.c.seq == seq).values(entry_hash=digest))


def set_row(db: Database, table_name: str, row_id: int, **values: Any) -> None:
    """Overwrite columns of one domain row (``case``, ``rating``, ``assignment`` …) by its id."""
    from engine.models import Base

    table = Base.metadata.tables[table_name]
    key = next(iter(table.primary_key.columns))
    with as_owner(db) as conn:
        assert conn.execute(update(table).where(key == row_id).values(**values)).rowcount == 1


def first_row_id(db: Database, table_name: str, case_id: int) -> int:
    from engine.models import Base

    table = Base.metadata.tables[table_name]
    key = next(iter(table.primary_key.columns))
    with db.engine.connect() as conn:
        return conn.execute(select(key).where(table.c.case_id == case_id).order_by(key).limit(1)).scalar_one()
