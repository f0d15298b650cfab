"""Versioned documents: process diagrams (BPMN) and decision tables (DMN, the routing table).

A case is pinned to the process version it started on and to the decision table version it opened with.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base


class VersionedDocument:
    """What every versioned document keeps: draft → published → retired, with who published it and why."""

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The document's id: the BPMN process id (``civic_loop``) or the DMN definitions id (``routing``).
    key: Mapped[str] = mapped_column(String(100), nullable=False, index=True)
    version: Mapped[int] = mapped_column(nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    xml: Mapped[str] = mapped_column(Text, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    #: ``draft``, ``published`` or ``retired``.
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    created_at: Mapped[datetime] = mapped_column(nullable=False)
    published_at: Mapped[datetime | None] = mapped_column(nullable=True)
    published_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    change_note: Mapped[str | None] = mapped_column(Text, nullable=True)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.key} v{self.version} {self.status}>"


class ProcessVersion(VersionedDocument, Base):
    __tablename__ = "process_version"
    __table_args__ = (UniqueConstraint("key", "version", name="uq_process_version_key_version"),)


class DecisionVersion(VersionedDocument, Base):
    """Versioned DMN decision tables (the routing table, 权责清单)."""

    __tablename__ = "decision_version"
    #: A new row without a unit is the city's configuration, which the units below inherit (engine/people/units.py).
    __unit_default__ = "root"
    __table_args__ = (UniqueConstraint("key", "version", name="uq_decision_version_key_version"),)

    #: Who saved the draft (a decision table is edited in the browser by a supervisor).
    created_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    #: The unit whose routing table this is (engine/org, issue 25).
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"), nullable=True, index=True)
