"""The leaves of the one global Merkle log: every case event, every access-log entry, every attached file.

A leaf row is written in the same transaction as what it records (an INSERT the step flushes with
its event: no hashing, no read). Its id is its place in the log (leaf index = id − 1): on SQLite ids
are dense; on PostgreSQL a rolled-back transaction leaves a hole in the sequence, which the head stage
fills with a ``gap`` leaf before it signs (see :mod:`engine.audit.heads`), so that the leaves under a
signed head are exactly ids 1…size. Without a signing key the sweep still fills them, and marks how far
the log is final with a ``seal`` leaf.

What a leaf commits to is its :func:`leaf_bytes`: the kind, what it points at and that thing's own
hash (an event's chain hash, an access-log entry's digest, a file's SHA-256). The tree hashes those
bytes with the log's hash function (SHA-256 or SM3), so the stored rows do not depend on the profile.
"""
from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, event, insert, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from engine.bpmn.serializer import canonical_json
from engine.db import Base

EVENT, ACCESS, EVIDENCE, GAP = "event", "access", "evidence", "gap"
#: The mark an unsigned installation's sweep leaves where it made the log final (see heads.seal_log).
SEAL = "seal"


class MerkleLeaf(Base):
    __tablename__ = "merkle_leaf"
    __table_args__ = (Index("ix_merkle_leaf_case_seq", "case_id", "seq"),
                      # the newest seal leaf without reading the log (migration 0035; see heads.last_seal)
                      Index("ix_merkle_leaf_seal", "id", postgresql_where=text("kind = 'seal'"),
                            sqlite_where=text("kind = 'seal'")))

    #: Place in the log + 1.
    id: Mapped[int] = mapped_column(primary_key=True)
    #: event, access, evidence, gap or seal.
    kind: Mapped[str] = mapped_column(String(12), nullable=False)
    #: The case's row id (events and evidence) for joins at verify; not hashed (not portable). No foreign
    #: key on purpose: a case deleted by hand leaves its leaves behind to say so.
    case_id: Mapped[int | None] = mapped_column(nullable=True)
    seq: Mapped[int | None] = mapped_column(nullable=True)
    #: What the leaf points at, portably: the case uuid, or the access-log entry's id.
    ref: Mapped[str] = mapped_column(String(64), nullable=False)
    #: The pointed-at thing's own hash (hex).
    entry_hash: Mapped[str] = mapped_column(String(64), nullable=False)

    def __repr__(self) -> str:
        return f"<MerkleLeaf {self.id} {self.kind} {self.ref} #{self.seq}>"


class MerkleNode(Base):
    """The hash of a perfect subtree of ``2^level`` leaves (level ≥ 8), stored by the head stage for proofs."""

    __tablename__ = "merkle_node"

    level: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)

    def __repr__(self) -> str:
        return f"<MerkleNode {self.level}/{self.idx}>"


@event.listens_for(MerkleLeaf, "before_update")
@event.listens_for(MerkleLeaf, "before_delete")
@event.listens_for(MerkleNode, "before_update")
@event.listens_for(MerkleNode, "before_delete")
def _refuse_rewrite(_mapper: Any, _connection: Any, target: Any) -> None:
    raise RuntimeError(f"the Merkle log is append-only: refused to change {target!r}")


LEAVES = MerkleLeaf.__table__
#: One INSERT statement, built once: the per-step cost is this row and nothing else.
INSERT_LEAF = insert(LEAVES)


def leaf_bytes(kind: str, ref: str, seq: int | None, entry_hash: str) -> bytes:
    """What the tree commits to for one leaf (hashed as ``H(0x00 ‖ these bytes)``)."""
    return f"{kind}\n{ref}\n{'' if seq is None else seq}\n{entry_hash}".encode("utf-8")


def event_leaf(case_id: int, case_uuid: str, seq: int, digest: str) -> dict[str, Any]:
    return {"kind": EVENT, "case_id": case_id, "seq": seq, "ref": case_uuid, "entry_hash": digest}


#: PostgreSQL advisory lock: appenders hold it shared, the head stage exclusively (see :func:`hold_append_lock`).
APPEND_LOCK = 0x6D6B6C67
_APPEND_LOCK_HELD = "casegrid_merkle_append_lock"
SHARED_LOCK = text("SELECT pg_advisory_xact_lock_shared(:key)")


def hold_append_lock(session: Session) -> None:
    """On PostgreSQL, hold the append lock shared until this transaction ends (once per transaction).

    The head stage takes it exclusively: it waits for every transaction that is writing leaves to end,
    so that no leaf id below the maximum it reads can still appear (a plain table lock would need the
    UPDATE or DELETE right, which the append-only application role does not have).
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    marker = id(session.get_transaction())
    if session.info.get(_APPEND_LOCK_HELD) != marker:
        session.execute(SHARED_LOCK, {"key": APPEND_LOCK})
        session.info[_APPEND_LOCK_HELD] = marker


def _insert(session: Session, row: dict[str, Any]) -> None:
    """One INSERT now, outside the unit of work (whose bookkeeping for one more object cost more than the
    statement) and without flushing what is pending: the leaf's id is its place, whatever flushes later."""
    hold_append_lock(session)
    with session.no_autoflush:
        session.execute(INSERT_LEAF, row)


def add_event_leaf(session: Session, case_id: int, case_uuid: str, seq: int, digest: str) -> None:
    _insert(session, event_leaf(case_id, case_uuid, seq, digest))


def access_digest(entry_id: int, at: datetime, username: str, role: str, kind: str, case_uuid: str | None,
                  what: str, reason: str) -> str:
    """The access-log entry as committed to: every column a reader sees, the case by uuid."""
    at_text = at.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"
    return hashlib.sha256(canonical_json({
        "id": entry_id, "at": at_text, "username": username, "role": role, "kind": kind, "case": case_uuid,
        "what": what, "reason": reason}).encode("utf-8")).hexdigest()


def add_access_leaf(session: Session, entry_id: int, digest: str) -> None:
    _insert(session, {"kind": ACCESS, "case_id": None, "seq": None, "ref": str(entry_id), "entry_hash": digest})


def add_evidence_leaf(session: Session, case_id: int, case_uuid: str, seq: int, sha256: str) -> None:
    _insert(session, {"kind": EVIDENCE, "case_id": case_id, "seq": seq, "ref": case_uuid, "entry_hash": sha256})
