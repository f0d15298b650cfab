"""A case and the human work it is waiting for."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import false as sa_false
from sqlalchemy import Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.db import Base
from engine.people import units as _units  # noqa: F401  (a new case without a unit gets its grid's or the default street)


class Case(Base):
    """One running (or finished) process instance with its current snapshot."""

    __tablename__ = "case"
    #: The notice board's newest closed issues of one community (engine/public/board.py).
    __table_args__ = (Index("ix_case_community_status_closed", "community", "status", "closed_at"),)

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
    #: 一般 / 紧急 / 特急: ``normal``, ``urgent`` or ``critical`` (set at intake, changed at triage).
    priority: Mapped[str] = mapped_column(String(10), nullable=False, default="normal", server_default="normal")
    #: 隐私保护模式, chosen by the resident when reporting: the reporter's contact is hidden even in masked form
    #: on staff pages (seen only when unmasked with a purpose) and nothing of the case reaches a public page.
    privacy_mode: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default=sa_false())
    #: The routing table (DMN decision version) the case's business rule tasks use; replay uses it too.
    decision_version_id: Mapped[int | None] = mapped_column(ForeignKey("decision_version.id"), nullable=True)
    #: The department the routing table suggested (权责清单), shown at triage.
    suggested_department: Mapped[str | None] = mapped_column(String(40), nullable=True)
    opened_at: Mapped[datetime] = mapped_column(nullable=False, index=True)
    opened_by: Mapped[str] = mapped_column(String(80), nullable=False)
    closed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    #: The unit (engine/org) the case belongs to: its subtree sees it (issue 25). Not a fact row's column
    #: (engine/audit/fact_rows.py excludes it): a case's chain is the same in a single street or a city.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"), nullable=True, index=True)
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
        Index("ix_work_item_role_state_urgency_due", "role", "state", "urgency", "due_at"),
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
    #: Urgency for sorting inboxes: 0 一般, 1 紧急, 2 特急 (the case's priority when the item opened).
    urgency: Mapped[int] = mapped_column(nullable=False, default=0, server_default="0")
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
    """Outbox row: who must hear about what. The outbox fans it out into deliveries (:mod:`engine.notify`)."""

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The case it is about (None for a digest or a council sitting, which are about many).
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), nullable=True, index=True)
    #: A role, ``department:<code>``, ``grid:<code>``, ``user:<name>`` or ``resident`` (the case's reporter).
    recipient: Mapped[str] = mapped_column(String(120), nullable=False)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    #: The Chinese text; a template for ``kind`` (engine.notify.wording) may word it per language.
    message: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(nullable=False)
    #: When the outbox fanned it out into deliveries (None: not yet).
    sent_at: Mapped[datetime | None] = mapped_column(nullable=True, index=True)
    #: The task it is about, so the notification links to it (None: the case page).
    work_item_id: Mapped[int | None] = mapped_column(ForeignKey("work_item.id"), nullable=True)
    work_item: Mapped[WorkItem | None] = relationship(lazy="raise")
    #: Urgent messages ignore quiet hours.
    urgent: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    #: Names one message that must exist once (a reminder level, a day's digest): a second insert is refused.
    dedup_key: Mapped[str | None] = mapped_column(String(120), nullable=True, unique=True)
    #: JSON values for the templates (tracking code, task name, deadline …).
    params: Mapped[str | None] = mapped_column(Text, nullable=True)
