"""Domain rows of the civic loop, written beside the events so assessments can use SQL."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base


class ReporterContact(Base):
    """Who reported the issue (敏感): both values are tokens encrypted under the case's data key
    (:mod:`engine.civic.contact` reads and writes them), shown masked unless the role may see them."""

    __tablename__ = "reporter_contact"

    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), primary_key=True)
    name: Mapped[str | None] = mapped_column(Text, nullable=True)
    phone: Mapped[str | None] = mapped_column(Text, nullable=True)


class Resolution(Base):
    """A council resolution (协商议定) recorded from the ``resolution`` form."""

    __tablename__ = "resolution"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), nullable=False, index=True)
    event_seq: Mapped[int] = mapped_column(nullable=False)
    #: adopt, reject or defer.
    decision: Mapped[str] = mapped_column(String(20), nullable=False)
    major_matter: Mapped[bool] = mapped_column(nullable=False)
    responsible_department: Mapped[str | None] = mapped_column(String(40), nullable=True)
    deadline: Mapped[date | None] = mapped_column(nullable=True)
    votes_for: Mapped[int] = mapped_column(nullable=False)
    votes_against: Mapped[int] = mapped_column(nullable=False)
    votes_abstain: Mapped[int] = mapped_column(nullable=False)
    text: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: Published to the reporter when the issue is rejected or deferred.
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    decided_at: Mapped[datetime] = mapped_column(nullable=False, index=True)
    decided_by: Mapped[str] = mapped_column(String(80), nullable=False)


class Assignment(Base):
    """One department's turn at a case (交办): accept, on site, complete — each with its deadline."""

    __tablename__ = "assignment"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), nullable=False, index=True)
    department_code: Mapped[str] = mapped_column(String(40), nullable=False, index=True)
    #: ``sole`` (direct dispatch), ``lead`` (牵头) or ``co`` (协办) in a whistle.
    role: Mapped[str] = mapped_column(String(10), nullable=False, default="sole", server_default="sole")
    #: Which dispatch of the case this is (1 for the first; a return or reopen dispatches again).
    round: Mapped[int] = mapped_column(nullable=False, default=1, server_default="1")
    #: pending, accepted, on_site, completed, returned, reassigned.
    state: Mapped[str] = mapped_column(String(20), nullable=False)
    assigned_at: Mapped[datetime] = mapped_column(nullable=False)
    accept_due: Mapped[datetime | None] = mapped_column(nullable=True)
    accepted_at: Mapped[datetime | None] = mapped_column(nullable=True)
    onsite_due: Mapped[datetime | None] = mapped_column(nullable=True)
    on_site_at: Mapped[datetime | None] = mapped_column(nullable=True)
    complete_due: Mapped[datetime | None] = mapped_column(nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    returned_at: Mapped[datetime | None] = mapped_column(nullable=True)
    return_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    completion_report: Mapped[str | None] = mapped_column(Text, nullable=True)
    evidence: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: How many deadlines of this assignment were missed and escalated (吹哨).
    escalations: Mapped[int] = mapped_column(nullable=False, default=0)


class Rating(Base):
    """The reporter's rating of the result; ``is_default`` when nobody rated within 7 days."""

    __tablename__ = "rating"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), nullable=False, index=True)
    #: satisfied, basically, dissatisfied.
    value: Mapped[str] = mapped_column(String(20), nullable=False)
    is_default: Mapped[bool] = mapped_column(nullable=False)
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    rated_at: Mapped[datetime] = mapped_column(nullable=False)
    rated_by: Mapped[str] = mapped_column(String(80), nullable=False)
