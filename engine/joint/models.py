"""Joint meetings (联席会议): a community's committee of member units, its sittings, who attended, what it
resolved and whether that was carried out.

A committee is the community's 联席会议: member units (departments, the property company, the owners'
committee, social organisations …) each sending a representative, a chair who approves the minutes, and a
cadence (「每月至少召开1次」: every ``cadence_months`` months) that the background sweep watches.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base


class JointCommittee(Base):
    """One community's joint-meeting committee."""

    __tablename__ = "joint_committee"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The community (a grid's ``community``); one committee per community.
    community: Mapped[str] = mapped_column(String(100), nullable=False, unique=True)
    #: Username of the council account that chairs the committee: only the chair approves minutes.
    chair_username: Mapped[str] = mapped_column(String(80), nullable=False)
    #: The cadence rule: at least one sitting every ``cadence_months`` calendar months (1: monthly).
    cadence_months: Mapped[int] = mapped_column(nullable=False, default=1)
    #: Days before a cadence window ends without a sitting when the council is reminded.
    remind_days: Mapped[int] = mapped_column(nullable=False, default=7)
    created_at: Mapped[datetime] = mapped_column(nullable=False)
    created_by: Mapped[str] = mapped_column(String(80), nullable=False)

    def __repr__(self) -> str:
        return f"<JointCommittee {self.id} {self.community}>"


class JointUnit(Base):
    """A member unit of a committee and its representative (a staff contact, never shown publicly)."""

    __tablename__ = "joint_unit"
    __table_args__ = (UniqueConstraint("committee_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("joint_committee.id"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    #: department, property (物业), owners (业委会), social_org (社会组织), community (社区) or other.
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    representative: Mapped[str] = mapped_column(String(100), nullable=False)
    #: False once the unit left the committee (its attendance history stays).
    active: Mapped[bool] = mapped_column(nullable=False, default=True)
    joined_at: Mapped[datetime] = mapped_column(nullable=False)

    def __repr__(self) -> str:
        return f"<JointUnit {self.id} {self.name}>"


class JointMeeting(Base):
    """A sitting of a committee: scheduled, then held with its attendance, resolutions and minutes.

    Minutes are a draft when the sitting is recorded; the chair's approval publishes them on the
    community's notice board (``minutes_approved_at``).
    """

    __tablename__ = "joint_meeting"

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("joint_committee.id"), nullable=False, index=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    scheduled_for: Mapped[datetime] = mapped_column(nullable=False, index=True)
    location: Mapped[str | None] = mapped_column(String(200), nullable=True)
    #: scheduled or held.
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    created_at: Mapped[datetime] = mapped_column(nullable=False)
    created_by: Mapped[str] = mapped_column(String(80), nullable=False)
    held_at: Mapped[datetime | None] = mapped_column(nullable=True, index=True)
    recorded_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    minutes: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: Set when the chair approved the minutes: from then on they are on the notice board.
    minutes_approved_at: Mapped[datetime | None] = mapped_column(nullable=True, index=True)
    minutes_approved_by: Mapped[str | None] = mapped_column(String(80), nullable=True)

    def __repr__(self) -> str:
        return f"<JointMeeting {self.id} {self.status}>"


class JointAttendance(Base):
    """Whether a member unit attended a held sitting, and who came for it."""

    __tablename__ = "joint_attendance"
    __table_args__ = (UniqueConstraint("meeting_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("joint_meeting.id"), nullable=False, index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("joint_unit.id"), nullable=False)
    present: Mapped[bool] = mapped_column(nullable=False)
    #: Who attended for the unit (its representative or a stand-in); None when absent.
    attendee: Mapped[str | None] = mapped_column(String(100), nullable=True)


class JointResolution(Base):
    """A resolution adopted at a sitting, with the unit responsible for carrying it out and its deadline.

    Carried out (执行完毕) when marked done, or when the case or project it is linked to has closed.
    """

    __tablename__ = "joint_resolution"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("joint_meeting.id"), nullable=False, index=True)
    position: Mapped[int] = mapped_column(nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    unit_id: Mapped[int] = mapped_column(ForeignKey("joint_unit.id"), nullable=False)
    deadline: Mapped[date] = mapped_column(nullable=False, index=True)
    #: The case (an issue or a governance project) that carries the resolution out, if any.
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), nullable=True, index=True)
    done_at: Mapped[datetime | None] = mapped_column(nullable=True)
    done_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    done_note: Mapped[str | None] = mapped_column(Text, nullable=True)

    def __repr__(self) -> str:
        return f"<JointResolution {self.id} meeting={self.meeting_id}>"


class JointCadenceAlert(Base):
    """A cadence window that ended without a sitting (raised once by the sweep, kept as history)."""

    __tablename__ = "joint_cadence_alert"
    __table_args__ = (UniqueConstraint("committee_id", "window"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("joint_committee.id"), nullable=False, index=True)
    #: The window's first month, ``2026-11``.
    window: Mapped[str] = mapped_column(String(7), nullable=False)
    raised_at: Mapped[datetime] = mapped_column(nullable=False)
