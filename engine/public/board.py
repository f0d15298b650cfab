"""The community notice board (公示栏): what a community has decided, voted, achieved and spent, for anyone.

Only what is published appears: resolutions once recorded (adopted ones with their department and deadline,
rejected ones with their reason), household votes once counted, the latest *stored* monthly assessment's
三率 and satisfaction (the figures the street published, not a live count), closed issues with their published
outcome and the public copies of their completion photos, approved projects with their budget, spending
and evaluations, and the joint meetings' minutes once the chair approved them (with attendance per member unit
and each resolution's execution; representatives' names never appear, and are masked in the minutes). Every text a person wrote passes :func:`~engine.public.redaction.redact` with the names and
phones of the case's people as secrets; no tracking code is shown (a code opens the case's own page, which
is its reporter's to share).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from engine.assessments.indicators import COMMUNITY
from engine.assessments.models import AssessmentResult, AssessmentRun
from engine.assessments.ranking import SCORE
from engine.cases.models import Case
from engine.civic.models import Resolution
from engine.council.models import HouseholdVote
from engine.evidence.models import Attachment, EvidenceFile
from engine.joint.models import JointAttendance, JointCommittee, JointMeeting, JointResolution, JointUnit
from engine.joint.read_models import resolution_status
from engine.people.models import Department, Grid
from engine.projects.models import Project, ProjectEvaluation, ProjectOperator
from engine.projects.money import yuan
from engine.projects.read_models import FUND_SOURCES, OUTCOMES
from engine.public.privacy import summary
from engine.public.redaction import redact
from engine.public.read_models import Outcome, local, people_of, public_title, published_outcomes

#: How many items of each kind the board shows (newest first): a board is read standing in front of it.
PER_SECTION = 20
#: The month's figures on the board: 三率 (响应率, 解决率, 满意率) as the monthly assessment stores them.
RATES = (("accept_on_time", "响应率"), ("resolution_rate", "解决率"), ("satisfaction_rate", "满意率"))


@dataclass(frozen=True)
class BoardResolution:
    title: str
    decided_on: date
    adopted: bool
    text: str | None
    reason: str | None
    department: str | None
    deadline: date | None
    votes: tuple[int, int, int]


@dataclass(frozen=True)
class BoardVote:
    proposal: str | None
    buildings: str
    closed_on: date | None
    eligible: int
    voted: int
    counts: tuple[int, int, int]
    threshold: str
    passed: bool


@dataclass(frozen=True)
class BoardRate:
    label: str
    value: float | None
    numerator: int | None
    denominator: int | None


@dataclass(frozen=True)
class BoardPhoto:
    public_sha256: str
    thumb_sha256: str


@dataclass(frozen=True)
class BoardCase:
    title: str
    closed_at: datetime
    outcome: Outcome
    photos: list[BoardPhoto]


@dataclass(frozen=True)
class BoardProject:
    title: str
    operator: str
    fund_source: str | None
    budget: str | None
    spent: str
    stage: str
    approved_on: date | None
    evaluations: list[tuple[str, bool, int | None]]


@dataclass(frozen=True)
class BoardMinutes:
    title: str
    held_on: date
    approved_on: date
    minutes: str | None
    #: (unit name, present) per member unit expected.
    attendance: list[tuple[str, bool]]
    #: (text, responsible unit, deadline, status: done / overdue / open).
    resolutions: list[tuple[str | None, str, date, str]]


@dataclass(frozen=True)
class NoticeBoard:
    community: str
    resolutions: list[BoardResolution]
    votes: list[BoardVote]
    rates_period: str | None
    rates: list[BoardRate]
    cases: list[BoardCase]
    projects: list[BoardProject]
    minutes: list[BoardMinutes]
    #: The newest published moment on the board (the Atom feed's ``updated``).
    updated: datetime | None


def communities(session: Session) -> list[str]:
    return sorted(set(session.scalars(select(Grid.community).where(Grid.community.is_not(None)))))


def _community_is(community: str) -> ColumnElement[bool]:
    """``case.community = community`` written so that the database walks the newest rows of the joined table
    (resolutions by ``decided_at``, projects by ``approved_at``: migrations 0023 and 0025) and checks each
    one's case, instead of reading every case of the community through the community index and sorting:
    a community holds nearly all the street's cases, and the board wants only its 20 newest."""
    return func.coalesce(Case.community, "") == community


def _resolutions(session: Session, community: str, secrets: dict[int, tuple[str, ...]],
                 names: dict[str, str]) -> list[BoardResolution]:
    rows = session.execute(select(Resolution, Case.category).join(Case, Case.id == Resolution.case_id)
                           .where(_community_is(community), Resolution.decision.in_(("adopt", "reject")))
                           .order_by(Resolution.decided_at.desc(), Resolution.id.desc()).limit(PER_SECTION)).all()
    secrets.update(people_of(session, [r.case_id for r, _ in rows if r.case_id not in secrets]))
    return [BoardResolution(
        title=public_title(category, community), decided_on=local(r.decided_at).date(), adopted=r.decision == "adopt",
        text=summary(redact(r.text, secrets[r.case_id])), reason=summary(redact(r.reason, secrets[r.case_id])),
        department=names.get(r.responsible_department or ""), deadline=r.deadline,
        votes=(r.votes_for, r.votes_against, r.votes_abstain)) for r, category in rows]


def _votes(session: Session, community: str, secrets: dict[int, tuple[str, ...]]) -> list[BoardVote]:
    rows = list(session.scalars(select(HouseholdVote).where(HouseholdVote.community == community,
                                                            HouseholdVote.status != "open")
                                .order_by(HouseholdVote.closes_at.desc()).limit(PER_SECTION)))
    secrets.update(people_of(session, [v.case_id for v in rows if v.case_id not in secrets]))
    return [BoardVote(
        proposal=summary(redact(v.proposal, secrets[v.case_id])), buildings=v.buildings,
        closed_on=local(v.closed_at).date() if v.closed_at else None, eligible=v.eligible, voted=v.voted,
        counts=(v.yes or 0, v.no or 0, v.abstain or 0), threshold=f"{v.threshold_num}/{v.threshold_den}",
        passed=bool(v.passed)) for v in rows]


def _rates(session: Session, community: str) -> tuple[str | None, list[BoardRate]]:
    """The community's 三率 as the latest stored monthly run published them (in its 红黑榜 score's parts)."""
    row = session.execute(select(AssessmentRun.period, AssessmentResult.detail)
                          .join(AssessmentResult, AssessmentResult.run_id == AssessmentRun.id)
                          .where(AssessmentRun.kind == "monthly", AssessmentResult.unit_type == COMMUNITY,
                                 AssessmentResult.unit_code == community, AssessmentResult.indicator == SCORE)
                          .order_by(AssessmentRun.period_start.desc(), AssessmentRun.id.desc()).limit(1)).first()
    if row is None:
        return None, []
    parts = (json.loads(row.detail) if row.detail else {}).get("parts") or {}
    return row.period, [BoardRate(label, float(parts[code]), None, None) for code, label in RATES if code in parts]


def _cases(session: Session, community: str, secrets: dict[int, tuple[str, ...]],
           names: dict[str, str]) -> list[BoardCase]:
    cases = list(session.scalars(select(Case).where(
        Case.community == community, Case.process_key == "civic_loop", Case.status == "closed",
        Case.closed_at.is_not(None), Case.outcome != "merged", Case.privacy_mode.is_(False))
        .order_by(Case.closed_at.desc(), Case.id.desc()).limit(PER_SECTION)))
    secrets.update(people_of(session, [c.id for c in cases if c.id not in secrets]))
    photos: dict[int, list[BoardPhoto]] = {}
    if cases:
        rows = session.execute(select(Attachment.case_id, EvidenceFile.public_sha256, EvidenceFile.thumb_sha256)
                               .join(EvidenceFile).where(Attachment.case_id.in_([c.id for c in cases]),
                                                         Attachment.purpose == "completion",
                                                         EvidenceFile.public_sha256.is_not(None),
                                                         EvidenceFile.thumb_sha256.is_not(None))
                               .order_by(Attachment.event_seq))
        for case_id, public, thumb in rows:
            photos.setdefault(case_id, []).append(BoardPhoto(public, thumb))
    outcomes = published_outcomes(session, cases, names, secrets)
    return [BoardCase(public_title(c.category, community), local(c.closed_at),  # type: ignore[arg-type]
                      outcomes[c.id], photos.get(c.id, [])) for c in cases]


def _projects(session: Session, community: str) -> list[BoardProject]:
    rows = session.execute(select(Case, Project, ProjectOperator).join(Project, Project.case_id == Case.id)
                           .join(ProjectOperator, ProjectOperator.id == Project.operator_id)
                           .where(_community_is(community), Project.approved_at.is_not(None))
                           .order_by(Project.approved_at.desc()).limit(PER_SECTION)).all()
    evaluations: dict[int, list[tuple[str, bool, int | None]]] = {}
    if rows:
        for e in session.scalars(select(ProjectEvaluation).where(
                ProjectEvaluation.case_id.in_([c.id for c, _, _ in rows])).order_by(ProjectEvaluation.id)):
            label = "验收" if e.kind == "acceptance" else f"第{e.number}次评估"
            evaluations.setdefault(e.case_id, []).append((label, e.passed, e.score))
    return [BoardProject(
        title=redact(case.title) or "", operator=operator.name, fund_source=FUND_SOURCES.get(project.fund_source or ""),
        budget=yuan(project.budget_fen) if project.budget_fen is not None else None, spent=yuan(project.spent_fen),
        stage=OUTCOMES.get(project.outcome, "实施中") if project.outcome else ("评估期" if project.accepted_at else "实施中"),
        approved_on=local(project.approved_at).date() if project.approved_at else None,
        evaluations=evaluations.get(case.id, [])) for case, project, operator in rows]


def _minutes(session: Session, community: str, today: date) -> list[BoardMinutes]:
    """The committee's sittings whose minutes the chair approved, newest first: three queries in all."""
    meetings = list(session.scalars(select(JointMeeting).join(JointCommittee, JointCommittee.id == JointMeeting.committee_id)
                                    .where(JointCommittee.community == community,
                                           JointMeeting.minutes_approved_at.is_not(None))
                                    .order_by(JointMeeting.scheduled_for.desc(), JointMeeting.id.desc())
                                    .limit(PER_SECTION)))
    if not meetings:
        return []
    ids = [m.id for m in meetings]
    attendance: dict[int, list[tuple[str, bool]]] = {}
    names: set[str] = set()
    for meeting_id, unit, present, attendee, representative in session.execute(
            select(JointAttendance.meeting_id, JointUnit.name, JointAttendance.present, JointAttendance.attendee,
                   JointUnit.representative).join(JointUnit, JointUnit.id == JointAttendance.unit_id)
            .where(JointAttendance.meeting_id.in_(ids)).order_by(JointUnit.id)):
        attendance.setdefault(meeting_id, []).append((unit, present))
        names.update(n for n in (attendee, representative) if n)
    secrets = tuple(sorted(names, key=len, reverse=True))
    resolutions: dict[int, list[tuple[str | None, str, date, str]]] = {}
    for r, unit, case_status, closed_at in session.execute(
            select(JointResolution, JointUnit.name, Case.status, Case.closed_at)
            .join(JointUnit, JointUnit.id == JointResolution.unit_id)
            .outerjoin(Case, Case.id == JointResolution.case_id)
            .where(JointResolution.meeting_id.in_(ids)).order_by(JointResolution.position)):
        moments = [m for m in (r.done_at, closed_at if case_status == "closed" else None) if m is not None]
        done_on = local(min(moments)).date() if moments else None
        resolutions.setdefault(r.meeting_id, []).append(
            (summary(redact(r.text, secrets)), unit, r.deadline, resolution_status(r.deadline, done_on, today)))
    return [BoardMinutes(m.title, local(m.scheduled_for).date(), local(m.minutes_approved_at).date(),  # type: ignore[arg-type]
                         summary(redact(m.minutes, secrets), 2000), attendance.get(m.id, []), resolutions.get(m.id, []))
            for m in meetings]


def notice_board(session: Session, community: str, today: date) -> NoticeBoard | None:
    """The board of ``community`` (a community some grid belongs to) as of ``today`` (the China date that
    decides which resolutions are overdue), or None for any other name."""
    if session.scalar(select(func.count(Grid.id)).where(Grid.community == community)) == 0:
        return None
    names = {code: name for code, name in session.execute(select(Department.code, Department.name))}
    secrets: dict[int, tuple[str, ...]] = {}
    period, rates = _rates(session, community)
    board = NoticeBoard(community=community, resolutions=_resolutions(session, community, secrets, names),
                        votes=_votes(session, community, secrets), rates_period=period, rates=rates,
                        cases=_cases(session, community, secrets, names), projects=_projects(session, community),
                        minutes=_minutes(session, community, today), updated=None)
    moments = [c.closed_at for c in board.cases] + [
        datetime.combine(m.approved_on, datetime.min.time()) for m in board.minutes] + [
        datetime.combine(r.decided_on, datetime.min.time()) for r in board.resolutions]
    latest = max((m.replace(tzinfo=None) for m in moments), default=None)
    return NoticeBoard(**{**board.__dict__, "updated": latest})


def is_board_photo(session: Session, community: str, sha256: str) -> bool:
    """Whether ``sha256`` is the public copy or thumbnail of a completion photo of a closed issue of
    ``community`` — the only files the board serves."""
    found = session.scalar(select(func.count()).select_from(Attachment).join(EvidenceFile)
                           .join(Case, Case.id == Attachment.case_id)
                           .where(Case.community == community, Case.status == "closed",
                                  Case.privacy_mode.is_(False), Attachment.purpose == "completion",
                                  (EvidenceFile.public_sha256 == sha256) | (EvidenceFile.thumb_sha256 == sha256)))
    return bool(found)
