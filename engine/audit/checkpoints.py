"""Checkpoints as the audit workspace shows them: the signed tree heads of the Merkle log.

The HMAC checkpoints that signed each case's chain head are gone (anyone given the key to verify
could forge them, and deleting the newest went unnoticed). A checkpoint is now a signed tree head
(:mod:`engine.audit.heads`) over every event, access-log entry and attachment; its review is the
review of the whole log against its heads and of the leaves against the record.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.audit.heads import TreeHead, latest_head, review_log, sign_head
from engine.audit.log_records import record_problems
from engine.audit.signing import KeyRing, PrivateKey
from engine.clock import as_utc


@dataclass(frozen=True)
class CheckpointInfo:
    id: int
    created_at: datetime
    created_by: str
    key_id: str
    #: The signature profile (``ed25519-sha256`` or ``sm2-sm3``).
    algorithm: str
    #: Leaves under the head (the log's size), and how many were added since the previous head.
    events: int
    changed: int
    root: str
    signature: str

    @property
    def cases(self) -> int:  # what the workspace's message used to count; the log counts leaves
        return self.events

    @classmethod
    def of(cls, session: Session, row: TreeHead) -> CheckpointInfo:
        before = session.scalar(select(func.max(TreeHead.size)).where(TreeHead.id < row.id)) or 0
        return cls(row.id, as_utc(row.at), row.made_by, row.key_id, row.profile, row.size, row.size - before,
                   row.root, row.signature)


@dataclass(frozen=True)
class CheckpointResult:
    checkpoint: CheckpointInfo
    #: False when nothing was appended since the newest head (that one is returned).
    created: bool


@dataclass(frozen=True)
class CheckpointReview:
    """What checking the log and its heads found."""

    checkpoints: int
    heads: int
    problems: tuple[str, ...]
    notes: tuple[str, ...]


def sign_checkpoint(session: Session, key: PrivateKey, *, at: datetime, by: str) -> CheckpointResult:
    result = sign_head(session, key, at=at, by=by)
    row = session.get(TreeHead, result.head["id"])
    assert row is not None
    return CheckpointResult(CheckpointInfo.of(session, row), result.created)


def latest_checkpoint(session: Session) -> CheckpointInfo | None:
    row = latest_head(session)
    return CheckpointInfo.of(session, row) if row is not None else None


def review_checkpoints(session: Session, ring: KeyRing | None) -> CheckpointReview:
    review = review_log(session, ring)
    return CheckpointReview(review.heads, review.leaves, tuple(review.problems + record_problems(session)),
                            tuple(review.notes))
