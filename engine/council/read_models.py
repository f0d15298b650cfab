"""Read models of the council's screens and the public voting pages (plain values, no ORM rows)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.cases.models import Case
from engine.clock import as_utc
from engine.council import households, meetings, rules
from engine.council.models import (
    AgendaItem,
    CouncilMeeting,
    Household,
    HouseholdBallot,
    HouseholdVote,
    MeetingMember,
    MemberVote,
)
from engine.errors import NotFound, PermissionDenied
from engine.people.actor import Actor

T = TypeVar("T")


@dataclass
class IssueRow:
    case_id: int
    tracking_code: str
    title: str
    category: str
    community: str | None
    waiting_since: datetime
    deferred_before: bool


@dataclass
class MeetingRow:
    id: int
    title: str
    scheduled_for: datetime
    location: str | None
    status: str
    issues: int


@dataclass
class MemberView:
    id: int
    name: str
    present: bool | None


@dataclass
class AgendaView:
    id: int
    case_id: int
    tracking_code: str
    title: str
    category: str
    community: str | None
    description: str
    carried_over: bool
    outcome: str | None
    major_matter: bool
    votes_for: int
    votes_against: int
    votes_abstain: int
    member_votes: dict[int, str] = field(default_factory=dict)
    household_vote_id: int | None = None
    #: False once the issue left ``deliberate`` some other way (then the sitting skips it).
    still_pending: bool = True


@dataclass
class MeetingPage:
    id: int
    title: str
    scheduled_for: datetime
    location: str | None
    status: str
    quorum: str
    major_rule: str
    #: Whom the major rule counts, in words: 全体成员 or 出席成员.
    major_base: str
    #: The household thresholds the council may choose for a vote ("2/3", "3/4"), the default first.
    thresholds: list[str]
    held_at: datetime | None
    recorded_by: str | None
    minutes: str | None
    members: list[MemberView]
    agenda: list[AgendaView]
    #: The minutes' scans and photos, attached to the cases decided at the sitting.
    files: list[meetings.MinutesFile] = field(default_factory=list)


@dataclass
class VoteRow:
    id: int
    tracking_code: str
    case_title: str
    community: str
    buildings: str
    closes_at: datetime
    status: str
    eligible: int
    voted: int
    passed: bool | None


@dataclass
class BallotRow:
    household_id: int
    building: str
    room: str
    head_name: str
    voted: bool
    channel: str | None
    cast_by: str | None
    cast_at: datetime | None


@dataclass
class VotePage:
    id: int
    case_id: int
    tracking_code: str
    case_title: str
    proposal: str
    community: str
    buildings: str
    responsible_department: str
    deadline: date
    threshold: str
    opens_at: datetime
    closes_at: datetime
    status: str
    eligible: int
    voted: int
    is_due: bool
    #: Only once closed: the published counts.
    result: PublishedResult | None
    ballots: list[BallotRow]


@dataclass
class PublishedResult:
    """What is published (公示): counts only, never who voted how."""

    vote_id: int
    case_title: str
    proposal: str
    community: str
    buildings: str
    threshold: str
    eligible: int
    yes: int
    no: int
    abstain: int
    not_voted: int
    passed: bool
    closed_at: datetime


@dataclass
class BallotPage:
    """The voting page of one household's link: the proposal and this household only."""

    vote_id: int
    case_title: str
    proposal: str
    community: str
    building: str
    room: str
    closes_at: datetime
    is_open: bool
    choice: str | None
    channel: str | None
    cast_at: datetime | None
    #: The share of all households that must say yes, as the council set it for this vote ("3/4").
    threshold: str
    #: The same in words (四分之三).
    threshold_words: str
    eligible: int


def pending_issues(session: Session) -> list[IssueRow]:
    taken = meetings._scheduled_case_ids(session)
    return [IssueRow(case.id, case.tracking_code, case.title, case.category, case.community, item.created_at,
                     meetings._last_deferral(session, case.id) is not None)
            for case, item in meetings.pending_issues(session) if case.id not in taken]


def meeting_rows(session: Session) -> list[MeetingRow]:
    counts: dict[int, int] = dict(session.execute(
        select(AgendaItem.meeting_id, func.count()).group_by(AgendaItem.meeting_id)).tuples().all())
    rows = session.scalars(select(CouncilMeeting).order_by(CouncilMeeting.status.desc(),
                                                           CouncilMeeting.scheduled_for.desc()).limit(100))
    return [MeetingRow(m.id, m.title, m.scheduled_for, m.location, m.status, counts.get(m.id, 0)) for m in rows]


def meeting_page(session: Session, meeting_id: int,
                 settings: rules.CouncilSettings = rules.DEFAULT) -> MeetingPage:
    m = meetings.get_meeting(session, meeting_id)
    members = [MemberView(x.id, x.name, x.present) for x in session.scalars(
        select(MeetingMember).where(MeetingMember.meeting_id == m.id).order_by(MeetingMember.position))]
    agenda = []
    for item, case in session.execute(select(AgendaItem, Case).join(Case, Case.id == AgendaItem.case_id)
                                      .where(AgendaItem.meeting_id == m.id).order_by(AgendaItem.position)):
        votes: dict[int, str] = dict(session.execute(select(MemberVote.member_id, MemberVote.vote)
                                                     .where(MemberVote.agenda_item_id == item.id)).tuples().all())
        vote_id = session.scalar(select(HouseholdVote.id).where(HouseholdVote.agenda_item_id == item.id))
        agenda.append(AgendaView(item.id, case.id, case.tracking_code, case.title, case.category, case.community,
                                 case.description, item.carried_from_id is not None, item.outcome,
                                 item.major_matter, item.votes_for, item.votes_against, item.votes_abstain,
                                 votes, vote_id, meetings._open_deliberation(session, case.id) is not None))
    return MeetingPage(m.id, m.title, m.scheduled_for, m.location, m.status, f"{m.quorum_num}/{m.quorum_den}",
                       f"{m.major_num}/{m.major_den}", rules.MAJOR_BASES.get(m.major_base, m.major_base),
                       _thresholds(settings), m.held_at, m.recorded_by, m.minutes, members, agenda,
                       meetings.minutes_files(session, m.id))


def _thresholds(settings: rules.CouncilSettings) -> list[str]:
    default = settings.household_threshold
    ordered = [default, *(t for t in settings.household_thresholds if t != default)]
    return [f"{t.numerator}/{t.denominator}" for t in ordered]


def vote_rows(session: Session, *, status: str | None = None) -> list[VoteRow]:
    stmt = select(HouseholdVote, Case).join(Case, Case.id == HouseholdVote.case_id)
    if status:
        stmt = stmt.where(HouseholdVote.status == status)
    rows = session.execute(stmt.order_by(HouseholdVote.id.desc()).limit(100))
    return [VoteRow(v.id, c.tracking_code, c.title, v.community, v.buildings, v.closes_at, v.status, v.eligible,
                    v.voted, v.passed) for v, c in rows]


def _get(session: Session, model: type[T], ident: int) -> T:
    row = session.get(model, ident)
    if row is None:
        raise NotFound("记录不存在")
    return row


def published(session: Session, vote: HouseholdVote, case: Case) -> PublishedResult | None:
    if vote.status != "closed":
        return None
    yes, no, abstain = vote.yes or 0, vote.no or 0, vote.abstain or 0
    return PublishedResult(vote.id, case.title, vote.proposal, vote.community, vote.buildings,
                           f"{vote.threshold_num}/{vote.threshold_den}", vote.eligible, yes, no, abstain,
                           vote.eligible - yes - no - abstain, bool(vote.passed), vote.closed_at or vote.closes_at)


def vote_page(session: Session, vote_id: int, actor: Actor, now: datetime) -> VotePage:
    vote = households.get_vote(session, vote_id)
    case = _get(session, Case, vote.case_id)
    if actor.role not in ("council", "grid_worker"):
        raise PermissionDenied("无权查看户主表决")
    stmt = (select(HouseholdBallot, Household).join(Household, Household.id == HouseholdBallot.household_id)
            .where(HouseholdBallot.vote_id == vote.id).order_by(Household.building, Household.room))
    if actor.role == "grid_worker" and actor.grid_code:
        stmt = stmt.where(Household.grid_code == actor.grid_code)
    ballots = [BallotRow(h.id, h.building, h.room, h.head_name, b.choice is not None, b.channel, b.cast_by, b.cast_at)
               for b, h in session.execute(stmt)]
    voted = vote.voted
    return VotePage(vote.id, case.id, case.tracking_code, case.title, vote.proposal, vote.community, vote.buildings,
                    vote.responsible_department, vote.deadline, f"{vote.threshold_num}/{vote.threshold_den}",
                    vote.opens_at, vote.closes_at, vote.status, vote.eligible, voted,
                    vote.status == "open" and (now >= as_utc(vote.closes_at) or voted == vote.eligible),
                    published(session, vote, case), ballots)


def published_result(session: Session, vote_id: int) -> PublishedResult:
    vote = households.get_vote(session, vote_id)
    result = published(session, vote, _get(session, Case, vote.case_id))
    if result is None:
        raise NotFound("表决结果尚未公示")
    return result


def ballot_page(session: Session, token: str, now: datetime) -> BallotPage:
    ballot = households.ballot_for_token(session, token)
    vote = households.get_vote(session, ballot.vote_id)
    household = _get(session, Household, ballot.household_id)
    case = _get(session, Case, vote.case_id)
    return BallotPage(vote.id, case.title, vote.proposal, vote.community, household.building, household.room,
                      vote.closes_at, vote.status == "open" and now < as_utc(vote.closes_at),
                      ballot.choice, ballot.channel, ballot.cast_at, f"{vote.threshold_num}/{vote.threshold_den}",
                      rules.fraction_label(vote.threshold_num, vote.threshold_den), vote.eligible)
