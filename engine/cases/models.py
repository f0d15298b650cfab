"""A case and the human work it is waiting for."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base


class Case(Base):
    """One running (or finished) process instance with its current snapshot."""

    __tablename__ = "case"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Public tracking code given to the reporter (no personal data in it).
    tracking_code: Mapped[str] = mapped_column(String(20), unique=True, nullable=False)
    #: Namespace for the case's deterministic task ids; also in the ``case_opened`` event.
    uuid: Mapped[str] = mapped_column(String(36), unique=True, nullable=False)
    process_key: Mapped[str] = mapped_column(String(100), nullable=False, index=True)
    process_version_id: Mapped[int] = mapped_column(ForeignKey("process_version.id"), nullable=False)
    #: ``open`` or ``closed``.
    status: Mapped[str] = mapped_column(String(20), nullable=False, index=True)
    #: Where the case stands: collect, negotiate, assign, evaluate, closed (derived from its work items).
    phase: Mapped[str] = mapped_column(String(20), nullable=False)
    #: How it ended: resolved, rejected, merged, closed_by_supervisor … (None while open).
    outcome: Mapped[str | None] = mapped_column(String(40), nullable=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    category: Mapped[str] = mapped_column(String(40), nullable=False, index=True)
    grid_code: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    community: Mapped[str | None] = mapped_column(String(100), nullable=True)
    address: Mapped[str | None] = mapped_column(String(300), nullable=True)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    channel: Mapped[str] = mapped_column(String(30), nullable=False)
    #: The department currently responsible (from the latest resolution or reassignment).
    department_code: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    opened_at: Mapped[datetime] = mapped_column(nullable=False, index=True)
    opened_by: Mapped[str] = mapped_column(String(80), nullable=False)
    closed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    #: Canonical JSON of the serialized workflow, without the spec (stored once per version).
    snapshot: Mapped[str] = mapped_column(Text, nullable=False)
    #: Optimistic-lock counter, bumped by every state change.
    version: Mapped[int] = mapped_column(nullable=False, default=1)
    #: Earliest pending timer; the sweep reads only cases where this is due.
    next_timer_at: Mapped[datetime | None] = mapped_column(nullable=True, index=True)
    #: Sequence number and hash of the newest event: appending needs no extra query.
    last_seq: Mapped[int] = mapped_column(nullable=False, default=0)
    head_hash: Mapped[str] = mapped_column(String(64), nullable=False)

    def __repr__(self) -> str:
        return f"<Case {self.id} {self.tracking_code} {self.status}/{self.phase}>"


class WorkItem(Base):
    """A human task the case waits for; inboxes read these rows, never the workflow."""

    __tablename__ = "work_item"
    __table_args__ = (
        UniqueConstraint("case_id", "task_id", name="uq_work_item_case_task"),
        Index("ix_work_item_role_state_due", "role", "state", "due_at"),
        Index("ix_work_item_assignee_state", "assignee", "state"),
        Index("ix_work_item_case_state", "case_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), nullable=False)
    #: SpiffWorkflow task id (deterministic per case, so replay finds the same task).
    task_id: Mapped[str] = mapped_column(String(36), nullable=False)
    bpmn_id: Mapped[str] = mapped_column(String(100), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    form_key: Mapped[str | None] = mapped_column(String(100), nullable=True)
    lane: Mapped[str | None] = mapped_column(String(100), nullable=True)
    role: Mapped[str] = mapped_column(String(30), nullable=False)
    department_code: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    grid_code: Mapped[str | None] = mapped_column(String(40), nullable=True)
    #: Username holding the item (claimed), or None while it waits in the team queue.
    assignee: Mapped[str | None] = mapped_column(String(80), nullable=True)
    #: ``ready``, ``claimed``, ``completed`` or ``cancelled``.
    state: Mapped[str] = mapped_column(String(20), nullable=False)
    created_at: Mapped[datetime] = mapped_column(nullable=False)
    due_at: Mapped[datetime | None] = mapped_column(nullable=True)
    claimed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    escalated_at: Mapped[datetime | None] = mapped_column(nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(nullable=True)
    completed_by: Mapped[str | None] = mapped_column(String(80), nullable=True)

    OPEN_STATES = ("ready", "claimed")

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES

    def __repr__(self) -> str:
        return f"<WorkItem {self.id} case={self.case_id} {self.bpmn_id} {self.state}>"


class Notification(Base):
    """Outbox row: who must hear about what (sent by a pluggable sender, see workflows)."""

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), nullable=False, index=True)
    #: A role or ``department:<code>`` / ``user:<name>``.
    recipient: Mapped[str] = mapped_column(String(120), nullable=False)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    message: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(nullable=False)
    sent_at: Mapped[datetime | None] = mapped_column(nullable=True, index=True)
