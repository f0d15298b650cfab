"""Rows of council meetings and household votes, kept beside the case events (DESIGN.md §2.1 step 2)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base


class CouncilMeeting(Base):
    """A sitting of the council (联席会议 / 居民议事会) with the issues on its agenda."""

    __tablename__ = "council_meeting"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    scheduled_for: Mapped[datetime] = mapped_column(nullable=False, index=True)
    location: Mapped[str | None] = mapped_column(String(200), nullable=True)
    #: scheduled or held.
    status: Mapped[str] = mapped_column(String(20), nullable=False, index=True)
    #: Quorum and the major-matter rule as fractions, fixed when scheduled.
    quorum_num: Mapped[int] = mapped_column(nullable=False)
    quorum_den: Mapped[int] = mapped_column(nullable=False)
    major_num: Mapped[int] = mapped_column(nullable=False)
    major_den: Mapped[int] = mapped_column(nullable=False)
    #: Whom the major-matter fraction counts: ``members`` (all on the roster: 「2/3以上成员同意」) or ``present``
    #: (meetings recorded before the rule counted members).
    major_base: Mapped[str] = mapped_column(String(10), nullable=False, server_default="present")
    created_at: Mapped[datetime] = mapped_column(nullable=False)
    created_by: Mapped[str] = mapped_column(String(80), nullable=False)
    held_at: Mapped[datetime | None] = mapped_column(nullable=True)
    recorded_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    minutes: Mapped[str | None] = mapped_column(Text, nullable=True)


class MeetingMember(Base):
    """A council member expected at the meeting; ``present`` once the sitting is recorded."""

    __tablename__ = "council_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("council_meeting.id"), nullable=False, index=True)
    position: Mapped[int] = mapped_column(nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    present: Mapped[bool | None] = mapped_column(nullable=True)


class AgendaItem(Base):
    """One issue (a case waiting at ``deliberate``) on a meeting's agenda and what the meeting decided."""

    __tablename__ = "council_agenda_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("council_meeting.id"), nullable=False, index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), nullable=False, index=True)
    position: Mapped[int] = mapped_column(nullable=False)
    #: The agenda item of an earlier meeting that deferred this issue (暂缓 → next agenda).
    carried_from_id: Mapped[int | None] = mapped_column(ForeignKey("council_agenda_item.id"), nullable=True)
    #: adopt, reject, defer or household_vote; None until the sitting is recorded.
    outcome: Mapped[str | None] = mapped_column(String(20), nullable=True)
    major_matter: Mapped[bool] = mapped_column(nullable=False, default=False)
    votes_for: Mapped[int] = mapped_column(nullable=False, default=0)
    votes_against: Mapped[int] = mapped_column(nullable=False, default=0)
    votes_abstain: Mapped[int] = mapped_column(nullable=False, default=0)
    #: seq of the case event that completed ``deliberate`` for this item.
    event_seq: Mapped[int | None] = mapped_column(nullable=True)


class MemberVote(Base):
    """How one present member voted on one agenda item."""

    __tablename__ = "council_member_vote"
    __table_args__ = (UniqueConstraint("agenda_item_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agenda_item_id: Mapped[int] = mapped_column(ForeignKey("council_agenda_item.id"), nullable=False, index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("council_member.id"), nullable=False)
    #: for, against or abstain.
    vote: Mapped[str] = mapped_column(String(10), nullable=False)


class Household(Base):
    """A household of the community's buildings; its head (户主) votes in household votes."""

    __tablename__ = "household"
    __table_args__ = (UniqueConstraint("community", "building", "room"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community: Mapped[str] = mapped_column(String(100), nullable=False)
    building: Mapped[str] = mapped_column(String(40), nullable=False)
    room: Mapped[str] = mapped_column(String(40), nullable=False)
    head_name: Mapped[str] = mapped_column(String(100), nullable=False)
    grid_code: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)


class HouseholdVote(Base):
    """A household vote (户主表决) on a major matter adopted by the council, open until ``closes_at``."""

    __tablename__ = "household_vote"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), nullable=False, index=True)
    agenda_item_id: Mapped[int | None] = mapped_column(ForeignKey("council_agenda_item.id"), nullable=True)
    proposal: Mapped[str] = mapped_column(Text, nullable=False)
    community: Mapped[str] = mapped_column(String(100), nullable=False)
    #: The affected buildings, comma separated.
    buildings: Mapped[str] = mapped_column(String(400), nullable=False)
    responsible_department: Mapped[str] = mapped_column(String(40), nullable=False)
    deadline: Mapped[date] = mapped_column(nullable=False)
    #: The council's own vote that put the matter to the households.
    council_for: Mapped[int] = mapped_column(nullable=False)
    council_against: Mapped[int] = mapped_column(nullable=False)
    council_abstain: Mapped[int] = mapped_column(nullable=False)
    threshold_num: Mapped[int] = mapped_column(nullable=False)
    threshold_den: Mapped[int] = mapped_column(nullable=False)
    opens_at: Mapped[datetime] = mapped_column(nullable=False)
    closes_at: Mapped[datetime] = mapped_column(nullable=False, index=True)
    #: open or closed.
    status: Mapped[str] = mapped_column(String(20), nullable=False, index=True)
    eligible: Mapped[int] = mapped_column(nullable=False)
    #: Ballots cast so far (kept with each vote, so "has everyone voted?" needs no count).
    voted: Mapped[int] = mapped_column(nullable=False, default=0)
    yes: Mapped[int | None] = mapped_column(nullable=True)
    no: Mapped[int | None] = mapped_column(nullable=True)
    abstain: Mapped[int | None] = mapped_column(nullable=True)
    passed: Mapped[bool | None] = mapped_column(nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    #: The resolution the tally was recorded on when the window closed.
    resolution_id: Mapped[int | None] = mapped_column(ForeignKey("resolution.id"), nullable=True)
    opened_by: Mapped[str] = mapped_column(String(80), nullable=False)


class HouseholdBallot(Base):
    """One household's ballot in a vote: the per-household task. ``token_hash`` is its one-time voting link."""

    __tablename__ = "household_ballot"
    __table_args__ = (UniqueConstraint("vote_id", "household_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    vote_id: Mapped[int] = mapped_column(ForeignKey("household_vote.id"), nullable=False, index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), nullable=False)
    token_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    #: yes, no or abstain once cast.
    choice: Mapped[str | None] = mapped_column(String(10), nullable=True)
    #: online or proxy.
    channel: Mapped[str | None] = mapped_column(String(10), nullable=True)
    cast_at: Mapped[datetime | None] = mapped_column(nullable=True)
    cast_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
