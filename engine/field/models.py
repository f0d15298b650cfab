"""Rows of field work: visits, what they found, the plans that make visits due, and 恳谈会 sittings.

A visit is not a case: it is the grid worker's log (民情日志). A need found on a visit (or an issue raised at
a 恳谈会) becomes a case in one step; the need row then names its case and the case's log names the visit.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base
from engine.evidence.sweep import keep_files_of


class HouseholdFlag(Base):
    """A vulnerable-group flag on a household of the register (独居老人, 残疾, 低保, 留守儿童 …)."""

    __tablename__ = "household_flag"
    __table_args__ = (UniqueConstraint("household_id", "flag"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), nullable=False)
    #: A code of :data:`engine.field.flags.FLAGS`.
    flag: Mapped[str] = mapped_column(String(30), nullable=False, index=True)
    set_by: Mapped[str] = mapped_column(String(80), nullable=False)
    set_at: Mapped[datetime] = mapped_column(nullable=False)

    def __repr__(self) -> str:
        return f"<HouseholdFlag household={self.household_id} {self.flag}>"


class VisitPlan(Base):
    """A rule that makes visits due: every household flagged ``flag`` (in ``grid_code``, or every grid) is
    visited at least ``per_month`` times a month."""

    __tablename__ = "visit_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    flag: Mapped[str] = mapped_column(String(30), nullable=False)
    per_month: Mapped[int] = mapped_column(nullable=False)
    #: None: every grid.
    grid_code: Mapped[str | None] = mapped_column(String(40), nullable=True)
    active: Mapped[bool] = mapped_column(nullable=False, default=True)
    created_by: Mapped[str] = mapped_column(String(80), nullable=False)
    created_at: Mapped[datetime] = mapped_column(nullable=False)

    def __repr__(self) -> str:
        return f"<VisitPlan {self.name} {self.flag}×{self.per_month}>"


class DueVisit(Base):
    """One visit a plan makes due: the ``number``-th of ``month`` for a household, by ``due_at`` (the end of a
    Chinese working day). ``visit_id`` is the visit that fulfilled it."""

    __tablename__ = "due_visit"
    __table_args__ = (UniqueConstraint("plan_id", "household_id", "month", "number"),
                      # The grid worker's list: their grid's open due visits, soonest first.
                      Index("ix_due_visit_grid_open", "grid_code", "visit_id", "due_at"),
                      Index("ix_due_visit_due_at", "due_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("visit_plan.id"), nullable=False)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), nullable=False, index=True)
    grid_code: Mapped[str | None] = mapped_column(String(40), nullable=True)
    community: Mapped[str] = mapped_column(String(100), nullable=False)
    #: ``YYYY-MM``.
    month: Mapped[str] = mapped_column(String(7), nullable=False)
    number: Mapped[int] = mapped_column(nullable=False)
    due_at: Mapped[datetime] = mapped_column(nullable=False)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("field_visit.id"), nullable=True)
    #: Whether the visit that fulfilled it was made by ``due_at`` (None while open).
    on_time: Mapped[bool | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = mapped_column(nullable=False)

    def __repr__(self) -> str:
        return f"<DueVisit household={self.household_id} {self.month}#{self.number} visit={self.visit_id}>"


class FieldVisit(Base):
    """A door-to-door visit (入户走访): who was met and what was found, in the grid worker's log."""

    __tablename__ = "field_visit"
    __table_args__ = (Index("ix_field_visit_household", "household_id", "visited_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), nullable=False)
    grid_code: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    community: Mapped[str] = mapped_column(String(100), nullable=False)
    #: The day of the visit (China date), as the grid worker states it (a capture may sync days later).
    visited_on: Mapped[date] = mapped_column(nullable=False)
    #: Who was met at the door (names and relation to the household, as written).
    met: Mapped[str] = mapped_column(String(300), nullable=False)
    notes: Mapped[str] = mapped_column(Text, nullable=False, default="")
    #: The phone's position when captured (decimal degrees as text), if given.
    gps_lat: Mapped[str | None] = mapped_column(String(16), nullable=True)
    gps_lon: Mapped[str | None] = mapped_column(String(16), nullable=True)
    #: The idempotency key of an offline capture: a capture synced twice is one visit.
    client_key: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    visited_by: Mapped[str] = mapped_column(String(80), nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(nullable=False)

    def __repr__(self) -> str:
        return f"<FieldVisit household={self.household_id} {self.visited_on}>"


class FieldReport(Base):
    """A report a grid worker filed from the phone page (possibly offline): the key made on the phone names the
    case it opened, so a report synced twice opens one case."""

    __tablename__ = "field_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_key: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), nullable=False, index=True)
    filed_by: Mapped[str] = mapped_column(String(80), nullable=False)
    filed_at: Mapped[datetime] = mapped_column(nullable=False)

    def __repr__(self) -> str:
        return f"<FieldReport {self.client_key} case={self.case_id}>"


class VisitPhoto(Base):
    """A photo of a visit: an evidence file (by its SHA-256) kept by the visit, not by a case."""

    __tablename__ = "visit_photo"
    __table_args__ = (UniqueConstraint("visit_id", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("field_visit.id"), nullable=False, index=True)
    sha256: Mapped[str] = mapped_column(ForeignKey("evidence_file.sha256"), nullable=False, index=True)
    position: Mapped[int] = mapped_column(nullable=False)

    def __repr__(self) -> str:
        return f"<VisitPhoto visit={self.visit_id} {self.sha256[:12]}>"


class FieldMeeting(Base):
    """A monthly 民情恳谈会 of a grid: who came and what was raised."""

    __tablename__ = "field_meeting"

    id: Mapped[int] = mapped_column(primary_key=True)
    grid_code: Mapped[str] = mapped_column(String(40), nullable=False, index=True)
    community: Mapped[str] = mapped_column(String(100), nullable=False)
    held_on: Mapped[date] = mapped_column(nullable=False)
    topic: Mapped[str] = mapped_column(String(200), nullable=False)
    location: Mapped[str] = mapped_column(String(200), nullable=False)
    #: How many residents attended, and who (names as signed in, one per line).
    attendance: Mapped[int] = mapped_column(nullable=False)
    attendees: Mapped[str] = mapped_column(Text, nullable=False, default="")
    recorded_by: Mapped[str] = mapped_column(String(80), nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(nullable=False)

    def __repr__(self) -> str:
        return f"<FieldMeeting {self.grid_code} {self.held_on}>"


class FieldNeed(Base):
    """A need found on a visit or an issue raised at a 恳谈会; ``case_id`` once it became a case."""

    __tablename__ = "field_need"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("field_visit.id"), nullable=True, index=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("field_meeting.id"), nullable=True, index=True)
    position: Mapped[int] = mapped_column(nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), nullable=True, unique=True)
    case_opened_by: Mapped[str | None] = mapped_column(String(80), nullable=True)

    def __repr__(self) -> str:
        return f"<FieldNeed visit={self.visit_id} meeting={self.meeting_id} case={self.case_id}>"


keep_files_of(VisitPhoto.sha256)  # a visit's photos are in no case, and must not be swept as abandoned uploads


class HouseholdMember(Base):
    """A person of a household (一人一档): who lives there and how they relate to the head."""

    __tablename__ = "household_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    #: 户主, 配偶, 子女, 父母, 孙辈, 其他.
    relation: Mapped[str] = mapped_column(String(20), nullable=False)
    birth_year: Mapped[int | None] = mapped_column(nullable=True)
    added_by: Mapped[str] = mapped_column(String(80), nullable=False)
    added_at: Mapped[datetime] = mapped_column(nullable=False)

    def __repr__(self) -> str:
        return f"<HouseholdMember household={self.household_id} {self.relation}>"


class HouseholdNote(Base):
    """A note in a household's file. A sensitive one (health, family matters: 敏感个人信息) is shown masked,
    and every reading of it is written to the access log first."""

    __tablename__ = "household_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), nullable=False, index=True)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    sensitive: Mapped[bool] = mapped_column(nullable=False)
    written_by: Mapped[str] = mapped_column(String(80), nullable=False)
    written_at: Mapped[datetime] = mapped_column(nullable=False)

    def __repr__(self) -> str:
        return f"<HouseholdNote household={self.household_id} sensitive={self.sensitive}>"


class Volunteer(Base):
    """A registered volunteer (志愿者) of a grid: 每个网格配备1名网格员、2名志愿者. The phone is personal data: it is
    stored sealed (as the residents' app phones are, :mod:`engine.privacy.phone_index`) and shown to the grid's staff
    only; its blind index lets the volunteer, logged in to the residents' app with that phone, see their own hours."""

    __tablename__ = "volunteer"

    id: Mapped[int] = mapped_column(primary_key=True)
    grid_code: Mapped[str] = mapped_column(ForeignKey("grid.code"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    #: The sealed number (``rp1:…``, handle ``volunteer:<id>``), or "" when none was given.
    phone: Mapped[str] = mapped_column(Text, nullable=False, default="")
    #: HMAC of the number under the phone index key (None without a phone).
    phone_index: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    skills: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    availability: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    #: Trainings attended, as written (培训情况).
    training: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    active: Mapped[bool] = mapped_column(nullable=False, default=True)
    registered_by: Mapped[str] = mapped_column(String(80), nullable=False)
    registered_at: Mapped[datetime] = mapped_column(nullable=False)

    def __repr__(self) -> str:
        return f"<Volunteer {self.grid_code} #{self.id}>"


class VolunteerService(Base):
    """A volunteer's service (服务记录): ``claimed`` when written down, then ``confirmed`` (its hours credited to
    the points ledger and the time bank) or ``rejected`` by a grid worker of the volunteer's grid. It may name
    the visit or case the volunteer helped with."""

    __tablename__ = "volunteer_service"

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteer.id"), nullable=False, index=True)
    grid_code: Mapped[str] = mapped_column(String(40), nullable=False, index=True)
    served_on: Mapped[date] = mapped_column(nullable=False)
    minutes: Mapped[int] = mapped_column(nullable=False)
    description: Mapped[str] = mapped_column(String(300), nullable=False)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("field_visit.id"), nullable=True, index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), nullable=True, index=True)
    #: ``claimed``, ``confirmed`` or ``rejected``.
    status: Mapped[str] = mapped_column(String(12), nullable=False)
    recorded_by: Mapped[str] = mapped_column(String(80), nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(nullable=False)
    decided_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(nullable=True)
    decision_note: Mapped[str] = mapped_column(String(200), nullable=False, default="")

    def __repr__(self) -> str:
        return f"<VolunteerService volunteer={self.volunteer_id} {self.minutes}min {self.status}>"


class VolunteerLedgerEntry(Base):
    """One entry of a volunteer's account: ``points`` (社区积分) or ``minutes`` (时间银行). Append-only: the
    ``seq``-th entry of an account carries the balance after it, and (volunteer, account, seq) is unique, so two
    redemptions written at once cannot both spend the same balance — the second is refused and retried."""

    __tablename__ = "volunteer_ledger"
    __table_args__ = (UniqueConstraint("volunteer_id", "account", "seq"),
                      UniqueConstraint("service_id", "account"))

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteer.id"), nullable=False)
    #: ``points`` or ``minutes``.
    account: Mapped[str] = mapped_column(String(10), nullable=False)
    seq: Mapped[int] = mapped_column(nullable=False)
    #: Positive: earned or deposited; negative: redeemed or withdrawn.
    amount: Mapped[int] = mapped_column(nullable=False)
    balance: Mapped[int] = mapped_column(nullable=False)
    reason: Mapped[str] = mapped_column(String(200), nullable=False)
    #: The confirmed service that earned it (None for a redemption or withdrawal).
    service_id: Mapped[int | None] = mapped_column(ForeignKey("volunteer_service.id"), nullable=True)
    entered_by: Mapped[str] = mapped_column(String(80), nullable=False)
    entered_at: Mapped[datetime] = mapped_column(nullable=False)

    def __repr__(self) -> str:
        return f"<VolunteerLedgerEntry volunteer={self.volunteer_id} {self.account}#{self.seq} {self.amount:+d}>"


@event.listens_for(VolunteerLedgerEntry, "before_update")
@event.listens_for(VolunteerLedgerEntry, "before_delete")
def _refuse_rewrite(_mapper: object, _connection: object, target: VolunteerLedgerEntry) -> None:
    raise RuntimeError(f"volunteer_ledger is append-only: refused to change {target!r}")
