"""Signed checkpoints of the chain heads, so that a whole chain rewritten from the start is caught.

Changing one event breaks every later hash, so someone who wants a log that still
verifies must rewrite the case's whole chain, its head and its snapshot — and the
hash chain alone cannot tell. A checkpoint signs each case's head (seq, hash) at a
moment with the audit key; a rewritten chain no longer holds the signed hash at
that seq. A checkpoint records only the heads that moved since the previous one,
and checkpoints are chained by signature: signing costs what happened since, and a
checkpoint removed from the middle shows. Heads are only ever signed forward (a
higher seq than already signed), so signing never launders a rewritten chain.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    event,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from engine.audit.chain import GENESIS, format_at
from engine.audit.keys import ALGORITHM, SigningKey
from engine.bpmn.serializer import canonical_json
from engine.cases.models import Case
from engine.clock import as_utc, to_db
from engine.db import Base

#: PostgreSQL advisory lock taken while signing, so that two sweeps cannot fork the checkpoint chain.
_SIGNING_LOCK = 0x63617564


class AuditCheckpoint(Base):
    """One signing of the chain heads that moved since the previous checkpoint."""

    __tablename__ = "audit_checkpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(nullable=False)
    #: Who asked for it: a username, ``cli`` or ``system`` (the periodic sweep).
    created_by: Mapped[str] = mapped_column(String(80), nullable=False)
    #: Id of the key that signed (see :class:`engine.audit.keys.SigningKey`), never the key.
    key_id: Mapped[str] = mapped_column(String(32), nullable=False)
    algorithm: Mapped[str] = mapped_column(String(20), nullable=False)
    #: SHA-256 of the canonical JSON of this checkpoint's heads, sorted: [[case uuid, seq, hash], …].
    heads_digest: Mapped[str] = mapped_column(String(64), nullable=False)
    #: Cases and events in the database when it was signed.
    cases: Mapped[int] = mapped_column(nullable=False)
    events: Mapped[int] = mapped_column(nullable=False)
    #: How many heads this checkpoint records (the cases whose head moved).
    changed: Mapped[int] = mapped_column(nullable=False)
    #: The previous checkpoint's signature (:data:`GENESIS` for the first): the checkpoints form a chain.
    prev_signature: Mapped[str] = mapped_column(String(64), nullable=False)
    signature: Mapped[str] = mapped_column(String(64), nullable=False)

    def __repr__(self) -> str:
        return f"<AuditCheckpoint {self.id} {self.created_at:%Y-%m-%d %H:%M} {self.changed} heads>"


class CheckpointHead(Base):
    """A case's chain head as signed by a checkpoint; each head carries its own signature
    so that an exported case can prove it without the other cases' heads."""

    __tablename__ = "audit_checkpoint_head"
    __table_args__ = (
        UniqueConstraint("checkpoint_id", "case_uuid", name="uq_audit_checkpoint_head_checkpoint_case"),
        Index("ix_audit_checkpoint_head_case_seq", "case_uuid", "seq"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    checkpoint_id: Mapped[int] = mapped_column(ForeignKey("audit_checkpoint.id"), nullable=False)
    case_uuid: Mapped[str] = mapped_column(String(36), nullable=False)
    seq: Mapped[int] = mapped_column(nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)
    signature: Mapped[str] = mapped_column(String(64), nullable=False)

    def __repr__(self) -> str:
        return f"<CheckpointHead cp={self.checkpoint_id} {self.case_uuid} #{self.seq}>"


@event.listens_for(AuditCheckpoint, "before_update")
@event.listens_for(AuditCheckpoint, "before_delete")
@event.listens_for(CheckpointHead, "before_update")
@event.listens_for(CheckpointHead, "before_delete")
def _refuse_rewrite(_mapper: Any, _connection: Any, target: Any) -> None:
    raise RuntimeError(f"checkpoints are append-only: refused to change {target!r}")


# -- what is signed ------------------------------------------------------------------------------

def head_message(signed_at: datetime, case_uuid: str, seq: int, digest: str) -> str:
    return canonical_json({"checkpoint": format_at(signed_at), "case": case_uuid, "seq": seq, "hash": digest})


def heads_digest(heads: Iterable[tuple[str, int, str]]) -> str:
    ordered = sorted([uuid, seq, digest] for uuid, seq, digest in heads)
    return hashlib.sha256(canonical_json(ordered).encode("utf-8")).hexdigest()


def checkpoint_message(row: AuditCheckpoint) -> str:
    return canonical_json({
        "algorithm": row.algorithm, "key_id": row.key_id, "created_at": format_at(row.created_at),
        "created_by": row.created_by, "heads_digest": row.heads_digest, "cases": row.cases, "events": row.events,
        "changed": row.changed, "prev_signature": row.prev_signature,
    })


# -- read models -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class CheckpointInfo:
    id: int
    created_at: datetime
    created_by: str
    key_id: str
    algorithm: str
    cases: int
    events: int
    changed: int
    signature: str

    @classmethod
    def of(cls, row: AuditCheckpoint) -> CheckpointInfo:
        return cls(row.id, as_utc(row.created_at), row.created_by, row.key_id, row.algorithm, row.cases,
                   row.events, row.changed, row.signature)


@dataclass(frozen=True)
class SignedHead:
    """A case's head as one checkpoint signed it."""

    checkpoint_id: int
    signed_at: datetime
    key_id: str
    seq: int
    hash: str
    signature: str

    def message(self, case_uuid: str) -> str:
        return head_message(self.signed_at, case_uuid, self.seq, self.hash)


@dataclass(frozen=True)
class CheckpointResult:
    checkpoint: CheckpointInfo
    #: False when no head had moved since the latest checkpoint (that one is returned).
    created: bool


def latest_checkpoint(session: Session) -> AuditCheckpoint | None:
    return session.scalar(select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc()).limit(1))


def signed_heads(session: Session, case_uuid: str | None = None) -> dict[str, list[SignedHead]]:
    """Every signed head, by case uuid, in seq order (one case's only when ``case_uuid`` is given)."""
    stmt = (select(CheckpointHead.case_uuid, CheckpointHead.checkpoint_id, AuditCheckpoint.created_at,
                   AuditCheckpoint.key_id, CheckpointHead.seq, CheckpointHead.hash, CheckpointHead.signature)
            .join(AuditCheckpoint, AuditCheckpoint.id == CheckpointHead.checkpoint_id)
            .order_by(CheckpointHead.case_uuid, CheckpointHead.seq, CheckpointHead.checkpoint_id))
    if case_uuid is not None:
        stmt = stmt.where(CheckpointHead.case_uuid == case_uuid)
    heads: dict[str, list[SignedHead]] = {}
    for uuid, checkpoint_id, signed_at, key_id, seq, digest, signature in session.execute(stmt):
        heads.setdefault(uuid, []).append(SignedHead(checkpoint_id, as_utc(signed_at), key_id, seq, digest, signature))
    return heads


# -- signing ---------------------------------------------------------------------------------------

def sign_checkpoint(session: Session, key: SigningKey, *, at: datetime, by: str) -> CheckpointResult:
    """Sign the head of every case whose log grew since it was last signed (in the caller's transaction)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SIGNING_LOCK})
    current = session.execute(select(Case.uuid, Case.last_seq, Case.head_hash)).tuples().all()
    signed = dict(session.execute(select(CheckpointHead.case_uuid, func.max(CheckpointHead.seq))
                                  .group_by(CheckpointHead.case_uuid)).tuples().all())
    moved = [(uuid, seq, digest) for uuid, seq, digest in current if seq > signed.get(uuid, 0)]
    previous = latest_checkpoint(session)
    if previous is not None and not moved:
        return CheckpointResult(CheckpointInfo.of(previous), created=False)
    row = AuditCheckpoint(
        created_at=to_db(at), created_by=by, key_id=key.key_id, algorithm=ALGORITHM, heads_digest=heads_digest(moved),
        cases=len(current), events=sum(seq for _, seq, _ in current), changed=len(moved),
        prev_signature=previous.signature if previous is not None else GENESIS, signature="",
    )
    row.signature = key.sign(checkpoint_message(row))
    session.add(row)
    session.flush()
    if moved:
        session.execute(insert(CheckpointHead), [
            {"checkpoint_id": row.id, "case_uuid": uuid, "seq": seq, "hash": digest,
             "signature": key.sign(head_message(row.created_at, uuid, seq, digest))}
            for uuid, seq, digest in moved
        ])
    return CheckpointResult(CheckpointInfo.of(row), created=True)


# -- checking --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CheckpointReview:
    """What checking the checkpoints themselves found."""

    checkpoints: int
    heads: int
    #: Findings that mean the record (or the checkpoints) were altered.
    problems: tuple[str, ...]
    #: What could not be checked, e.g. checkpoints signed with another key.
    notes: tuple[str, ...]


def _where(row: AuditCheckpoint) -> str:
    return f"检查点 #{row.id}（{format_at(row.created_at)}）"


def review_checkpoints(session: Session, key: SigningKey | None) -> CheckpointReview:
    """Check the checkpoint chain, every checkpoint's digest and, with the key, every signature;
    and that every case a checkpoint signed still exists."""
    problems: list[str] = []
    notes: list[str] = []
    heads: dict[int, list[CheckpointHead]] = {}
    for head in session.scalars(select(CheckpointHead).order_by(CheckpointHead.checkpoint_id, CheckpointHead.id)):
        heads.setdefault(head.checkpoint_id, []).append(head)
    prev = GENESIS
    rows = list(session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id)))
    for row in rows:
        mine = heads.pop(row.id, [])
        if row.prev_signature != prev:
            problems.append(f"{_where(row)}：与上一个检查点的签名接不上（检查点被删除、插入或改写）")
        if len(mine) != row.changed or heads_digest((h.case_uuid, h.seq, h.hash) for h in mine) != row.heads_digest:
            problems.append(f"{_where(row)}：签名的链头记录与摘要不符（链头被增删或改写）")
        if key is None:
            pass
        elif row.key_id != key.key_id:
            notes.append(f"{_where(row)} 由另一把密钥（{row.key_id}）签名，当前密钥（{key.key_id}）无法核对")
        else:
            if not key.verify(checkpoint_message(row), row.signature):
                problems.append(f"{_where(row)}：检查点签名无效（检查点记录被改写）")
            forged = [h for h in mine
                      if not key.verify(head_message(row.created_at, h.case_uuid, h.seq, h.hash), h.signature)]
            if forged:
                problems.append(f"{_where(row)}：{len(forged)} 个链头签名无效"
                                f"（如案件 {forged[0].case_uuid} 第 {forged[0].seq} 号事件）")
        prev = row.signature
    if heads:
        problems.append(f"有 {sum(map(len, heads.values()))} 个签名链头不属于任何检查点（检查点被删除）")
    if key is None and rows:
        notes.append("未提供审计密钥：只核对了检查点链和摘要，未核对签名")
    signed = set(session.scalars(select(CheckpointHead.case_uuid).distinct()))
    existing = set(session.scalars(select(Case.uuid)))
    missing = sorted(signed - existing)
    if missing:
        problems.append(f"{len(missing)} 个已签名的案件已不在数据库中（案件被删除），如 {missing[0]}")
    total_heads = session.scalar(select(func.count(CheckpointHead.id))) or 0
    return CheckpointReview(len(rows), total_heads, tuple(problems), tuple(notes))


def head_problem(events_hashes: list[str], heads: list[SignedHead]) -> tuple[int, str] | None:
    """The first signed head that the case's chain (hashes in seq order) no longer holds."""
    for head in heads:
        where = f"签名检查点 #{head.checkpoint_id}（{format_at(head.signed_at)}）"
        if head.seq > len(events_hashes):
            return len(events_hashes) + 1, (f"与{where}不符：签名时已有 {head.seq} 个事件，"
                                            f"现只有 {len(events_hashes)} 个（事件被删除）")
        if events_hashes[head.seq - 1] != head.hash:
            return head.seq, (f"与{where}不符：第 {head.seq} 个事件的哈希已不是签名时的值"
                              "（该事件或之前的记录连同哈希链被整体改写）")
    return None
