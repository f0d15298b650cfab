"""Council meetings: the agenda of issues waiting at ``deliberate``, the sitting, each issue's resolution.

Each issue's resolution completes the case's ``deliberate`` task through the ordinary task path
(:func:`engine.cases.operations.complete_task`), so the civic loop's own rules (department and deadline
for an adopted resolution, the gateway, a deferral looping back to ``deliberate``) hold unchanged. A
deferred issue opens a new ``deliberate`` task, which is what puts it on the next meeting's agenda.
"""
from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from engine.cases.chain import append_event
from engine.cases.events import CaseEvent
from engine.cases import operations
from engine.cases.access import check_may_view
from engine.cases.hooks import HookRegistry
from engine.cases.models import Case, WorkItem
from engine.cases.queries import lock_case
from engine.clock import to_db
from engine.council import households, rules
from engine.council.models import (
    AgendaItem,
    CouncilMeeting,
    HouseholdVote,
    MeetingMember,
    MemberVote,
)
from engine.evidence.models import Attachment, EvidenceFile
from engine.evidence.operations import MAX_PER_CASE, attach
from engine.errors import (
    CasegridError,
    ConflictError,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from engine.people.actor import Actor

DECISIONS = ("adopt", "reject", "defer", "household_vote")
#: The field the sitting's minutes files (scans, photos) are posted and refused under.
MINUTES_FIELD = "minutes_files"
#: The key naming the sitting in the ``evidence_attached`` events of its minutes.
MEETING_KEY = "council_meeting"
VOTES = ("for", "against", "abstain")


@dataclass
class ItemDecision:
    """What the chair recorded for one agenda item."""

    decision: str | None
    votes: Mapping[int, str] = field(default_factory=dict)  # member id → for / against / abstain
    major_matter: bool = False
    responsible_department: str | None = None
    deadline: str | None = None  # ISO date
    resolution_text: str | None = None
    reason: str | None = None
    #: For a household vote: the affected buildings and how many days the vote stays open.
    buildings: list[str] = field(default_factory=list)
    vote_days: int | None = None
    #: The share of all households that must say yes, chosen by the council for this vote (``"3/4"``);
    #: the settings' default when None.
    threshold: str | None = None


@dataclass
class SittingResult:
    meeting: CouncilMeeting
    #: Voting links issued for household votes opened at the sitting: vote id → {household id → token}.
    tokens: dict[int, dict[int, str]] = field(default_factory=dict)


def _require_council(actor: Actor) -> None:
    if actor.role != "council":
        raise PermissionDenied("只有社区治理委员会可以安排和记录议事会议")


def pending_issues(session: Session) -> list[tuple[Case, WorkItem]]:
    """Cases waiting at ``deliberate`` and not waiting for an open household vote, oldest first."""
    in_vote = select(HouseholdVote.case_id).where(HouseholdVote.status == "open")
    rows = session.execute(
        select(Case, WorkItem).join(WorkItem, WorkItem.case_id == Case.id)
        .where(WorkItem.bpmn_id == "deliberate", WorkItem.state.in_(WorkItem.OPEN_STATES),
               Case.id.not_in(in_vote))
        .order_by(WorkItem.created_at, WorkItem.id))
    return [(case, item) for case, item in rows]


def _scheduled_case_ids(session: Session) -> set[int]:
    return set(session.scalars(
        select(AgendaItem.case_id).join(CouncilMeeting, CouncilMeeting.id == AgendaItem.meeting_id)
        .where(CouncilMeeting.status == "scheduled")))


def _last_deferral(session: Session, case_id: int) -> AgendaItem | None:
    return session.scalar(select(AgendaItem).where(AgendaItem.case_id == case_id, AgendaItem.outcome == "defer")
                          .order_by(AgendaItem.id.desc()).limit(1))


def schedule_meeting(session: Session, *, title: str, scheduled_for: datetime, members: list[str],
                     location: str | None, actor: Actor, at: datetime,
                     case_ids: list[int] | None = None,
                     settings: rules.CouncilSettings = rules.DEFAULT) -> CouncilMeeting:
    """Schedule a meeting for pending issues (all not yet on another meeting's agenda by default).

    Issues deferred at an earlier meeting are always put on the agenda: a deferral comes back.
    """
    _require_council(actor)
    errors = {}
    title = (title or "").strip()
    names = [n.strip() for n in members if n and n.strip()]
    if not title:
        errors["title"] = "请填写会议名称"
    elif len(title) > 200:
        errors["title"] = "会议名称不能超过200字"
    if not names:
        errors["members"] = "请至少填写一名议事成员"
    elif len(set(names)) != len(names):
        errors["members"] = "议事成员名单有重复"
    elif any(len(n) > 100 for n in names):
        errors["members"] = "成员姓名不能超过100字"
    taken = _scheduled_case_ids(session)
    pending = [case for case, _ in pending_issues(session) if case.id not in taken]
    if case_ids is not None:
        chosen = set(case_ids)
        unknown = chosen - {c.id for c in pending}
        if unknown:
            errors["cases"] = "所选议题不在待议事项中（可能已上会或已议定）"
        agenda = [c for c in pending if c.id in chosen or _last_deferral(session, c.id) is not None]
    else:
        agenda = pending
    if not agenda and "cases" not in errors:
        errors["cases"] = "没有待议事项，无需安排会议"
    if errors:
        raise ValidationError("会议安排有误", errors)
    meeting = CouncilMeeting(title=title, scheduled_for=to_db(scheduled_for), location=(location or None),
                             status="scheduled", quorum_num=settings.quorum.numerator,
                             quorum_den=settings.quorum.denominator, major_num=settings.major.numerator,
                             major_den=settings.major.denominator, major_base=settings.major_base,
                             created_at=to_db(at), created_by=actor.username)
    session.add(meeting)
    session.flush()
    for i, name in enumerate(names):
        session.add(MeetingMember(meeting_id=meeting.id, position=i, name=name))
    for i, case in enumerate(agenda):
        deferred = _last_deferral(session, case.id)
        session.add(AgendaItem(meeting_id=meeting.id, case_id=case.id, position=i,
                               carried_from_id=deferred.id if deferred else None, major_matter=False,
                               votes_for=0, votes_against=0, votes_abstain=0))
        locked = lock_case(session, case.id)
        append_event(session, locked, type="council_scheduled", actor=actor.username, role=actor.role, at=at,
                     payload={"meeting": meeting.id, "title": title,
                              "scheduled_for": meeting.scheduled_for.isoformat() + "Z"})
    session.flush()
    return meeting


def get_meeting(session: Session, meeting_id: int) -> CouncilMeeting:
    meeting = session.get(CouncilMeeting, meeting_id)
    if meeting is None:
        raise NotFound("会议不存在")
    return meeting


def _open_deliberation(session: Session, case_id: int) -> WorkItem | None:
    return session.scalar(select(WorkItem).where(WorkItem.case_id == case_id, WorkItem.bpmn_id == "deliberate",
                                                 WorkItem.state.in_(WorkItem.OPEN_STATES)).limit(1))


def _count(votes: Mapping[int, str]) -> tuple[int, int, int]:
    values = list(votes.values())
    return values.count("for"), values.count("against"), values.count("abstain")


def record_sitting(session: Session, meeting_id: int, *, present: set[int], decisions: Mapping[int, ItemDecision],
                   actor: Actor, at: datetime, hooks: HookRegistry, minutes: str | None = None,
                   minutes_files: Sequence[str] = (), max_files_per_case: int = MAX_PER_CASE,
                   settings: rules.CouncilSettings = rules.DEFAULT) -> SittingResult:
    """Record the whole sitting at once: attendance, then each agenda item's votes and resolution, and the
    minutes (text, and received files attached to each case decided: :func:`attach_minutes`).

    All or nothing: any bad item raises one :class:`ValidationError` whose field names are
    ``item-<agenda item id>-<field>`` (and ``present`` for the quorum, ``minutes_files`` for the files),
    and nothing is written.
    """
    _require_council(actor)
    meeting = get_meeting(session, meeting_id)
    if meeting.status != "scheduled":
        raise ConflictError("该会议已经记录，不能重复记录")
    members = list(session.scalars(select(MeetingMember).where(MeetingMember.meeting_id == meeting.id)
                                   .order_by(MeetingMember.position)))
    member_ids = {m.id for m in members}
    if present - member_ids:
        raise ValidationError("会议记录有误", {"present": "出席名单中有不属于本次会议的成员"})
    if not rules.quorum_met(len(present), len(members), meeting.quorum_num, meeting.quorum_den):
        raise ValidationError("会议记录有误", {"present": (
            f"出席 {len(present)} 人，未达到应到 {len(members)} 人的 {meeting.quorum_num}/{meeting.quorum_den}，"
            "会议不能作出决议")})
    items = list(session.scalars(select(AgendaItem).where(AgendaItem.meeting_id == meeting.id)
                                 .order_by(AgendaItem.position)))
    errors: dict[str, str] = {}
    result = SittingResult(meeting)
    for item in items:
        key = f"item-{item.id}-"
        work_item = _open_deliberation(session, item.case_id)
        if work_item is None:  # resolved elsewhere since the meeting was scheduled: nothing left to decide
            continue
        d = decisions.get(item.id)
        if d is None or d.decision not in DECISIONS:
            errors[key + "decision"] = "请选择议定结果"
            continue
        votes = {int(m): v for m, v in d.votes.items() if v}
        if set(votes) - present:
            errors[key + "votes"] = "只有出席的成员可以表决"
            continue
        if set(votes) != present or any(v not in VOTES for v in votes.values()):
            errors[key + "votes"] = "请记录每位出席成员的表决（赞成、反对或弃权）"
            continue
        votes_for, votes_against, votes_abstain = _count(votes)
        major = d.major_matter or d.decision == "household_vote"
        base = rules.major_vote_base(len(members), len(present), meeting.major_base)
        if d.decision in ("adopt", "household_vote") and not rules.council_passes(
                votes_for, len(present), major, meeting.major_num, meeting.major_den, base=base):
            errors[key + "votes_for"] = (
                f"重大事项需经{rules.MAJOR_BASES[meeting.major_base]}的 {meeting.major_num}/{meeting.major_den} "
                f"以上同意：{base} 人中至少 {rules.votes_needed(base, meeting.major_num, meeting.major_den)} 票赞成"
                f"（应到 {len(members)} 人，出席 {len(present)} 人，赞成 {votes_for} 票）" if major
                else f"赞成票未过出席成员半数（出席 {len(present)} 人，赞成 {votes_for} 票）")
            continue
        threshold = settings.household_threshold
        if d.decision == "household_vote" and d.threshold:
            chosen = rules.parse_threshold(d.threshold, settings)
            if chosen is None:
                offered = "、".join(f"{t.numerator}/{t.denominator}" for t in settings.household_thresholds)
                errors[key + "threshold"] = f"通过比例应为 {offered} 之一"
                continue
            threshold = chosen
        # The sitting, for the civic loop's rule that a major matter is adopted only at one, and its count.
        sitting = {"council_meeting": meeting.id, "major_vote_base": base,
                   "major_threshold_num": meeting.major_num, "major_threshold_den": meeting.major_den}
        item.major_matter, item.votes_for, item.votes_against, item.votes_abstain = (
            major, votes_for, votes_against, votes_abstain)
        for member_id, vote in votes.items():
            session.add(MemberVote(agenda_item_id=item.id, member_id=member_id, vote=vote))
        try:
            if d.decision == "household_vote":
                case = lock_case(session, item.case_id)
                opened, tokens = households.open_vote(
                    session, case, work_item, agenda_item=item, proposal=d.resolution_text or "",
                    buildings=d.buildings, responsible_department=d.responsible_department,
                    deadline=d.deadline, council_votes=(votes_for, votes_against, votes_abstain),
                    days=d.vote_days or settings.household_vote_days, actor=actor, at=at, hooks=hooks,
                    threshold=threshold, sitting=sitting)
                result.tokens[opened.id] = tokens
            else:
                form = {"decision": d.decision, "major_matter": major,
                        "responsible_department": d.responsible_department or None,
                        "deadline": d.deadline or None, "votes_for": votes_for, "votes_against": votes_against,
                        "votes_abstain": votes_abstain, "resolution_text": d.resolution_text or None,
                        "reason": d.reason or None}
                step = operations.complete_task(session, work_item.id, form, actor=actor, at=at, hooks=hooks,
                                                process_data=sitting)
                item.event_seq = step.event.seq
        except ValidationError as exc:
            for name, message in exc.field_errors.items():
                errors[key + name] = message
            if not exc.field_errors:
                errors[key + "decision"] = exc.message
            continue
        except CasegridError as exc:
            errors[key + "decision"] = exc.message
            continue
        item.outcome = d.decision
    if errors:
        raise ValidationError("会议记录有误", errors)
    for m in members:
        m.present = m.id in present
    meeting.status, meeting.held_at, meeting.recorded_by = "held", to_db(at), actor.username
    meeting.minutes = (minutes or "").strip() or None
    session.flush()
    if minutes_files:
        _attach_minutes(session, meeting, items, minutes_files, actor=actor, at=at, max_per_case=max_files_per_case)
    return result


def add_minutes(session: Session, meeting_id: int, sha256s: Sequence[str], *, actor: Actor, at: datetime,
                max_per_case: int = MAX_PER_CASE) -> int:
    """Attach minutes files (the signed 纪要 scanned, photos of it) to a sitting already recorded; returns how
    many cases they were attached to. The council only; :class:`ConflictError` before the sitting is recorded
    (the files go with the record then)."""
    _require_council(actor)
    meeting = get_meeting(session, meeting_id)
    if meeting.status != "held":
        raise ConflictError("会议尚未记录：请在记录会议时一并上传会议纪要")
    if not sha256s:
        raise ValidationError("请选择文件", {MINUTES_FIELD: "请选择会议纪要的扫描件或照片"})
    items = list(session.scalars(select(AgendaItem).where(AgendaItem.meeting_id == meeting.id)
                                 .order_by(AgendaItem.position)))
    return _attach_minutes(session, meeting, items, sha256s, actor=actor, at=at, max_per_case=max_per_case)


def _attach_minutes(session: Session, meeting: CouncilMeeting, items: list[AgendaItem], sha256s: Sequence[str], *,
                    actor: Actor, at: datetime, max_per_case: int) -> int:
    """Attach the files with purpose ``minutes`` to every case decided at the sitting (an item with an outcome),
    each event naming the sitting; a file already among this sitting's minutes of a case is not attached again.
    Returns the number of cases that got a file; :class:`ValidationError` naming ``minutes_files`` otherwise."""
    decided = [item.case_id for item in items if item.outcome is not None]
    if not decided:
        raise ValidationError("会议纪要未附加", {MINUTES_FIELD: "本次会议没有议定的议题，会议纪要无处附加"})
    wanted = list(dict.fromkeys(sha256s))
    already = {(case_id, sha256) for case_id, sha256, _ in _minutes_rows(session, meeting.id, decided)}
    touched = 0
    for case_id in sorted(set(decided)):
        case = lock_case(session, case_id)
        check_may_view(session, actor, case)
        new = [sha256 for sha256 in wanted if (case_id, sha256) not in already]
        if new:
            attach(session, case, new, purpose="minutes", actor=actor, at=at, max_per_case=max_per_case,
                   field=MINUTES_FIELD, context={MEETING_KEY: meeting.id})
            touched += 1
    if not touched:
        raise ValidationError("会议纪要未附加", {MINUTES_FIELD: "这些文件已在本次会议的纪要中"})
    return touched


def _minutes_rows(session: Session, meeting_id: int,
                  case_ids: Sequence[int]) -> list[tuple[int, str, Attachment]]:
    """(case id, sha256, attachment) of the minutes files attached at ``meeting_id`` — read from the chained
    events, which name the sitting — in the order attached."""
    rows = session.execute(
        select(Attachment, CaseEvent.payload)
        .join(CaseEvent, and_(CaseEvent.case_id == Attachment.case_id, CaseEvent.seq == Attachment.event_seq))
        .where(Attachment.case_id.in_(list(case_ids)), Attachment.purpose == "minutes")
        .order_by(Attachment.attached_at, Attachment.id))
    return [(a.case_id, a.sha256, a) for a, payload in rows if json.loads(payload).get(MEETING_KEY) == meeting_id]


@dataclass(frozen=True)
class MinutesFile:
    """A minutes file of a sitting, once (it is attached to each case decided there)."""

    sha256: str
    media_type: str
    size: int
    thumb_sha256: str | None
    uploaded_by: str
    attached_at: datetime
    #: The cases it is attached to: its links go through the first one's access-checked file route.
    tracking_codes: list[str]


def minutes_files(session: Session, meeting_id: int) -> list[MinutesFile]:
    """The files attached as the sitting's minutes, in the order attached."""
    cases = dict(session.execute(select(AgendaItem.case_id, Case.tracking_code).join(Case, Case.id == AgendaItem.case_id)
                                 .where(AgendaItem.meeting_id == meeting_id)).tuples().all())
    if not cases:
        return []
    found: dict[str, MinutesFile] = {}
    for case_id, sha256, row in _minutes_rows(session, meeting_id, list(cases)):
        if sha256 in found:
            found[sha256].tracking_codes.append(cases[case_id])
            continue
        file = session.get(EvidenceFile, sha256)
        assert file is not None  # the attachment's foreign key
        found[sha256] = MinutesFile(sha256, file.media_type, file.size, file.thumb_sha256, row.uploaded_by,
                                    row.attached_at, [cases[case_id]])
    return list(found.values())
