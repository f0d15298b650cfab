"""Dispute mediation's domain rows (DESIGN.md §2.2), written beside the events so assessments can use SQL.

A mediation case is a ``case`` row on the ``mediation`` process plus a :class:`Mediation` row
with the same id; its parties, mediator assignments, sessions, agreements and third-party
assessments hang off that case id.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base


class Mediation(Base):
    """One dispute under mediation: its type, the mediator in charge and how it ended."""

    __tablename__ = "mediation"

    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), primary_key=True)
    #: 邻里纠纷, 物业纠纷, 婚姻家庭, 劳资 or 其他 (also the case's category).
    dispute_type: Mapped[str] = mapped_column(String(20), nullable=False, index=True)
    summary: Mapped[str] = mapped_column(Text, nullable=False)
    #: Username of the mediator in charge; None until one is assigned and after a recusal.
    mediator: Mapped[str | None] = mapped_column(String(80), nullable=True, index=True)
    #: The civic-loop case (category 邻里纠纷) this mediation was opened from, if any.
    source_case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), nullable=True, index=True)
    #: 1 for the first round; one more each time an agreement was not honoured and mediation reopened.
    rounds: Mapped[int] = mapped_column(nullable=False, default=1)
    #: When the current round must have reached an agreement (30 days); the supervisor is told after.
    due_at: Mapped[datetime] = mapped_column(nullable=False)
    escalated_at: Mapped[datetime | None] = mapped_column(nullable=True)
    #: resolved, referred or withdrawn; None while the mediation is open.
    outcome: Mapped[str | None] = mapped_column(String(20), nullable=True, index=True)
    #: litigation, arbitration or administrative: where a referred dispute was sent.
    referral_channel: Mapped[str | None] = mapped_column(String(20), nullable=True)
    opened_at: Mapped[datetime] = mapped_column(nullable=False)
    closed_at: Mapped[datetime | None] = mapped_column(nullable=True)

    def __repr__(self) -> str:
        return f"<Mediation case={self.case_id} {self.dispute_type} {self.mediator} {self.outcome}>"


class MediationParty(Base):
    """A party to the dispute (敏感): name, phone and address are tokens encrypted under the case's data key
    (:func:`engine.mediation.queries.parties_text` reads them), shown masked unless the role may see them."""

    __tablename__ = "mediation_party"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), nullable=False, index=True)
    #: Order in which the parties were registered (1, 2, …).
    position: Mapped[int] = mapped_column(nullable=False)
    #: Tokens are longer than the values: TEXT on PostgreSQL; SQLite does not enforce a VARCHAR's length, and
    #: rebuilding the table there to change the declared type would trip agreement_confirmation's foreign key.
    name: Mapped[str] = mapped_column(String(100).with_variant(Text(), "postgresql"), nullable=False)
    #: applicant (申请人), respondent (被申请人) or third_party (第三人).
    party_role: Mapped[str] = mapped_column(String(20), nullable=False)
    phone: Mapped[str | None] = mapped_column(String(40).with_variant(Text(), "postgresql"), nullable=True)
    address: Mapped[str | None] = mapped_column(String(300).with_variant(Text(), "postgresql"), nullable=True)
    #: agreed or refused once asked (mediation is voluntary); None before.
    consent: Mapped[str | None] = mapped_column(String(20), nullable=True)
    consent_at: Mapped[datetime | None] = mapped_column(nullable=True)

    def __repr__(self) -> str:
        return f"<MediationParty {self.id} case={self.case_id} #{self.position} {self.party_role}>"


class MediatorAssignment(Base):
    """A mediator's turn at a case: assigned, then accepted or recused (conflict of interest), or replaced."""

    __tablename__ = "mediator_assignment"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), nullable=False, index=True)
    mediator: Mapped[str] = mapped_column(String(80), nullable=False, index=True)
    #: assigned, accepted, recused or replaced.
    state: Mapped[str] = mapped_column(String(20), nullable=False)
    assigned_at: Mapped[datetime] = mapped_column(nullable=False)
    assigned_by: Mapped[str] = mapped_column(String(80), nullable=False)
    answered_at: Mapped[datetime | None] = mapped_column(nullable=True)
    #: Why the mediator stood down (related to a party), or why the supervisor replaced them.
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)

    def __repr__(self) -> str:
        return f"<MediatorAssignment {self.id} case={self.case_id} {self.mediator} {self.state}>"


class MediationSession(Base):
    """One recorded mediation session (调解会谈)."""

    __tablename__ = "mediation_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), nullable=False, index=True)
    #: 1, 2, … over the whole mediation.
    number: Mapped[int] = mapped_column(nullable=False)
    #: The mediation round the session belongs to (see :attr:`Mediation.rounds`).
    round: Mapped[int] = mapped_column(nullable=False)
    held_on: Mapped[date] = mapped_column(nullable=False)
    attendees: Mapped[str] = mapped_column(Text, nullable=False)
    notes: Mapped[str] = mapped_column(Text, nullable=False)
    next_step: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: agreement, continue or no_agreement.
    result: Mapped[str] = mapped_column(String(20), nullable=False)
    #: Sequence number of the ``task_completed`` event that recorded it.
    event_seq: Mapped[int] = mapped_column(nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(nullable=False)
    recorded_by: Mapped[str] = mapped_column(String(80), nullable=False)

    def __repr__(self) -> str:
        return f"<MediationSession case={self.case_id} #{self.number} {self.result}>"


class MediationAgreement(Base):
    """A mediation agreement (调解协议书): its terms, then whether it was honoured at the follow-up."""

    __tablename__ = "mediation_agreement"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), nullable=False, index=True)
    #: 1, 2, … (a new agreement after a broken one, or after a party declined to sign).
    number: Mapped[int] = mapped_column(nullable=False)
    terms: Mapped[str] = mapped_column(Text, nullable=False)
    performance_deadline: Mapped[date | None] = mapped_column(nullable=True)
    #: draft (printed for signing, signatures being recorded), signed (in force), declined (never took
    #: effect: a party would not sign), then honoured or broken (after the follow-up).
    status: Mapped[str] = mapped_column(String(20), nullable=False, index=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    event_seq: Mapped[int] = mapped_column(nullable=False)
    drafted_at: Mapped[datetime] = mapped_column(nullable=False)
    drafted_by: Mapped[str] = mapped_column(String(80), nullable=False)
    #: When the last signature was recorded and the agreement took effect (None: never in force).
    in_force_at: Mapped[datetime | None] = mapped_column(nullable=True)
    followed_up_at: Mapped[datetime | None] = mapped_column(nullable=True)
    follow_up_note: Mapped[str | None] = mapped_column(Text, nullable=True)

    def __repr__(self) -> str:
        return f"<MediationAgreement case={self.case_id} #{self.number} {self.status}>"


class AgreementConfirmation(Base):
    """Whether one party confirmed (signed) one agreement; no row yet while the party has not answered."""

    __tablename__ = "agreement_confirmation"
    __table_args__ = (UniqueConstraint("agreement_id", "party_id", name="uq_agreement_confirmation_party"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("mediation_agreement.id"), nullable=False, index=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("mediation_party.id"), nullable=False)
    #: True: signed; False: refused to sign (a refusal may later turn into a signature, never back).
    confirmed: Mapped[bool] = mapped_column(nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(nullable=False)
    #: The day the party signed, as written beside the signature on paper.
    signed_on: Mapped[date | None] = mapped_column(nullable=True)
    #: Why the party would not sign, in the mediator's words.
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: SHA-256 of the signed scan attached as evidence (purpose ``agreement``), if one was uploaded.
    scan_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    recorded_by: Mapped[str | None] = mapped_column(String(80), nullable=True)

    def __repr__(self) -> str:
        return f"<AgreementConfirmation agreement={self.agreement_id} party={self.party_id} {self.confirmed}>"


class ThirdPartyAssessment(Base):
    """A third party's assessment (第三方评估) brought in after a failed session."""

    __tablename__ = "mediation_third_party_assessment"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), nullable=False, index=True)
    assessor: Mapped[str] = mapped_column(String(200), nullable=False)
    assessed_on: Mapped[date] = mapped_column(nullable=False)
    findings: Mapped[str] = mapped_column(Text, nullable=False)
    event_seq: Mapped[int] = mapped_column(nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(nullable=False)
    recorded_by: Mapped[str] = mapped_column(String(80), nullable=False)

    def __repr__(self) -> str:
        return f"<ThirdPartyAssessment case={self.case_id} {self.assessor}>"
