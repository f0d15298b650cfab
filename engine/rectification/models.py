"""Rectification items (整改事项): one problem (问题清单) found by a project evaluation or acceptance, a joint
meeting or an assessment run, the unit responsible for it (责任清单) with a deadline, and its rectification
(整改清单): what was done with its evidence, then the verification that closes it as 已整改.

An item raised from a project's evaluation carries the project's case id: its changes are also events in
that case's log. The sweep flags an item once when its deadline passes before it was verified.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base


class RectificationItem(Base):
    __tablename__ = "rectification_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: evaluation (a project's acceptance or third-party evaluation), joint_meeting or assessment.
    source_kind: Mapped[str] = mapped_column(String(20), nullable=False)
    #: The id of the ProjectEvaluation, JointMeeting or AssessmentRun the problem was found by.
    source_id: Mapped[int] = mapped_column(nullable=False)
    #: How the lists name the source (「第 2 次第三方评估」, a sitting's title …), fixed when raised.
    source_label: Mapped[str] = mapped_column(String(300), nullable=False)
    #: The project case, for items found by a project's evaluation or acceptance.
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), nullable=True, index=True)
    community: Mapped[str | None] = mapped_column(String(100), nullable=True, index=True)
    problem: Mapped[str] = mapped_column(Text, nullable=False)
    #: The unit responsible (an organisation: a department, the operator, a member unit), never a person.
    responsible_unit: Mapped[str] = mapped_column(String(200), nullable=False)
    deadline: Mapped[date] = mapped_column(nullable=False, index=True)
    #: open (待整改), submitted (待核验) or rectified (已整改).
    status: Mapped[str] = mapped_column(String(20), nullable=False, index=True)
    raised_at: Mapped[datetime] = mapped_column(nullable=False)
    raised_by: Mapped[str] = mapped_column(String(80), nullable=False)
    #: The latest rectification reported: the measures taken and the evidence for them.
    measures: Mapped[str | None] = mapped_column(Text, nullable=True)
    evidence: Mapped[str | None] = mapped_column(Text, nullable=True)
    submitted_at: Mapped[datetime | None] = mapped_column(nullable=True)
    submitted_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    #: The verifier's note on the latest verification (why it was sent back, or what was checked).
    verification_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: How many times a reported rectification was sent back (退回重新整改).
    returned_count: Mapped[int] = mapped_column(nullable=False, default=0)
    verified_at: Mapped[datetime | None] = mapped_column(nullable=True)
    verified_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    #: Set once by the sweep when the deadline passed before verification (逾期未整改).
    overdue_flagged_at: Mapped[datetime | None] = mapped_column(nullable=True)

    def __repr__(self) -> str:
        return f"<RectificationItem {self.id} {self.status}>"
