"""What changes a rectification item: raising the problems found (问题 | 责任单位 | 期限, one per line),
reporting a rectification with its evidence, and verifying it (已整改) or sending it back.

Each function checks who asks, validates everything before it writes (one :class:`ValidationError` naming
the bad fields, nothing written), flushes and never commits. An item of a project also goes into the
project case's log (``rectification_raised`` / ``_submitted`` / ``_verified`` / ``_returned``).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.assessments.models import AssessmentRun
from engine.cases.chain import append_event
from engine.calendar import china_date
from engine.cases.models import Case
from engine.cases.queries import lock_case
from engine.clock import to_db
from engine.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from engine.joint.models import JointCommittee, JointMeeting
from engine.people.actor import Actor
from engine.people.roles import Role
from engine.projects.models import Project, ProjectEvaluation, ProjectOperator
from engine.rectification.access import check_may_report
from engine.rectification.models import RectificationItem

SOURCE_KINDS = {"evaluation": "项目验收与评估", "joint_meeting": "联席会议", "assessment": "考核评估"}
OPEN, SUBMITTED, RECTIFIED = "open", "submitted", "rectified"
STATUSES = {OPEN: "待整改", SUBMITTED: "待核验", RECTIFIED: "已整改"}
#: Who lists problems: the street office, the auditor (third-party evaluations) and the council.
RAISERS = frozenset({Role.SUPERVISOR.value, Role.AUDITOR.value, Role.COUNCIL.value})
#: Who verifies a rectification (never the one who reported it).
VERIFIERS = frozenset({Role.SUPERVISOR.value, Role.AUDITOR.value})
SEPARATORS = ("|", "｜")
MAX_LINES = 50


@dataclass(frozen=True)
class Source:
    kind: str
    id: int
    label: str
    community: str | None
    case: Case | None
    #: The responsible unit a line may leave out (a project's operator); None: every line names one.
    default_unit: str | None
    #: The date the problems were found: no deadline before it.
    found_on: date


@dataclass(frozen=True)
class ItemLine:
    problem: str
    unit: str
    deadline: date


def _require(actor: Actor, allowed: frozenset[str], message: str) -> None:
    if actor.role not in allowed:
        raise PermissionDenied(message)


def parse_source(ref: str) -> tuple[str, int]:
    """``evaluation:12`` → (kind, id); :class:`NotFound` for anything else."""
    kind, _, raw = (ref or "").partition(":")
    if kind not in SOURCE_KINDS or not raw.isdigit() or len(raw) > 12:
        raise NotFound("整改事项的来源不存在")
    return kind, int(raw)


def load_source(session: Session, kind: str, source_id: int) -> Source:
    """The evaluation, sitting or assessment run problems are raised from (:class:`NotFound` if none)."""
    if kind == "evaluation":
        evaluation = session.get(ProjectEvaluation, source_id)
        if evaluation is None:
            raise NotFound("评估或验收记录不存在")
        case = session.get(Case, evaluation.case_id)
        project = session.get(Project, evaluation.case_id)
        assert case is not None and project is not None
        operator = session.get(ProjectOperator, project.operator_id)
        what = "验收" if evaluation.kind == "acceptance" else f"第 {evaluation.number} 次第三方评估"
        return Source(kind, source_id, f"{case.tracking_code} {case.title} · {what}"[:300], case.community, case,
                      operator.name if operator else None, evaluation.held_on)
    if kind == "joint_meeting":
        meeting = session.get(JointMeeting, source_id)
        if meeting is None:
            raise NotFound("联席会议的会议不存在")
        if meeting.status != "held":
            raise ConflictError("会议尚未召开，不能列入整改事项")
        committee = session.get(JointCommittee, meeting.committee_id)
        assert committee is not None
        held = china_date(meeting.scheduled_for)
        return Source(kind, source_id, f"{committee.community} 联席会议 · {meeting.title}"[:300], committee.community,
                      None, None, held)
    run = session.get(AssessmentRun, source_id)
    if run is None:
        raise NotFound("考核评估不存在")
    return Source(kind, source_id, f"{run.period} 考核评估", None, None, None, china_date(run.as_of))


def parse_lines(text: str, source: Source) -> tuple[list[ItemLine], list[str]]:
    """The item lines of ``text`` and the problems found (one per bad line, numbered)."""
    found: list[ItemLine] = []
    problems: list[str] = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        for sep in SEPARATORS[1:]:
            line = line.replace(sep, SEPARATORS[0])
        parts = [p.strip() for p in line.split(SEPARATORS[0])]
        if len(parts) == 2 and source.default_unit:
            parts = [parts[0], source.default_unit, parts[1]]
        if len(parts) != 3 or not parts[0]:
            problems.append(f"第 {number} 行应为：问题 | 责任单位 | 整改期限（YYYY-MM-DD）")
            continue
        problem, unit, when = parts
        if len(problem) > 2000:
            problems.append(f"第 {number} 行：问题描述不能超过2000字")
            continue
        if not unit or len(unit) > 200:
            problems.append(f"第 {number} 行：请填写责任单位（最多 200 字）")
            continue
        try:
            deadline = date.fromisoformat(when)
        except ValueError:
            problems.append(f"第 {number} 行：整改期限应为日期，如 2026-12-31")
            continue
        if deadline < source.found_on:
            problems.append(f"第 {number} 行：整改期限不能早于发现问题的日期（{source.found_on.isoformat()}）")
            continue
        found.append(ItemLine(problem, unit, deadline))
    if not found and not problems:
        problems.append("请至少填写一条问题")
    if len(found) > MAX_LINES:
        problems.append(f"一次最多列入 {MAX_LINES} 条问题")
    return found, problems


def _log(session: Session, item: RectificationItem, type_: str, actor: Actor, at: datetime,
         payload: dict[str, Any]) -> None:
    if item.case_id is not None:
        append_event(session, lock_case(session, item.case_id), type=type_, actor=actor.username, role=actor.role,
                     at=at, payload={"rectification": item.id, **payload})


def raise_items(session: Session, source_ref: str, text: str, *, actor: Actor, at: datetime) -> list[RectificationItem]:
    """List the problems of one source, each with its responsible unit and deadline (问题清单 → 责任清单)."""
    _require(actor, RAISERS, "只有街道督办、第三方评估（审计）和社区治理委员会可以列入整改事项")
    source = load_source(session, *parse_source(source_ref))
    lines, problems = parse_lines(text, source)
    if problems:
        raise ValidationError("整改事项有误", {"items": "；".join(problems)})
    items = []
    for line in lines:
        item = RectificationItem(source_kind=source.kind, source_id=source.id, source_label=source.label,
                                 case_id=source.case.id if source.case else None, community=source.community,
                                 problem=line.problem, responsible_unit=line.unit, deadline=line.deadline,
                                 status=OPEN, raised_at=to_db(at), raised_by=actor.username, returned_count=0)
        session.add(item)
        session.flush()
        _log(session, item, "rectification_raised", actor, at,
             {"problem": line.problem, "unit": line.unit, "deadline": line.deadline.isoformat(),
              "source": f"{source.kind}:{source.id}"})
        items.append(item)
    return items


def get_item(session: Session, item_id: int) -> RectificationItem:
    item = session.get(RectificationItem, item_id)
    if item is None:
        raise NotFound("整改事项不存在")
    return item


def _text(value: str | None, field: str, label: str, limit: int, errors: dict[str, str], *,
          required: bool) -> str | None:
    text = (value or "").strip()
    if required and not text:
        errors[field] = f"请填写{label}"
    elif len(text) > limit:
        errors[field] = f"{label}不能超过{limit}字"
    return text or None


def submit(session: Session, item_id: int, *, measures: str, evidence: str, actor: Actor,
           at: datetime) -> RectificationItem:
    """Report what the responsible unit did and the evidence for it; the item waits for verification."""
    item = get_item(session, item_id)
    check_may_report(session, actor, item)
    if item.status != OPEN:
        raise ConflictError("该事项已报送整改情况或已整改完毕")
    errors: dict[str, str] = {}
    measures_ = _text(measures, "measures", "整改措施", 4000, errors, required=True)
    evidence_ = _text(evidence, "evidence", "整改佐证", 4000, errors, required=True)
    if errors:
        raise ValidationError("整改情况有误", errors)
    item.measures, item.evidence = measures_, evidence_
    item.submitted_at, item.submitted_by, item.status = to_db(at), actor.username, SUBMITTED
    session.flush()
    _log(session, item, "rectification_submitted", actor, at, {"measures": measures_, "evidence": evidence_})
    return item


def verify(session: Session, item_id: int, *, accepted: bool, note: str, actor: Actor,
           at: datetime) -> RectificationItem:
    """Verify a reported rectification: 已整改, or sent back to the unit with the reason."""
    _require(actor, VERIFIERS, "只有街道督办和第三方评估（审计）可以核验整改")
    item = get_item(session, item_id)
    if item.status != SUBMITTED:
        raise ConflictError("该事项没有待核验的整改情况")
    if item.submitted_by == actor.username:
        raise PermissionDenied("报送整改情况的人不能核验自己的报送")
    errors: dict[str, str] = {}
    note_ = _text(note, "note", "核验意见", 2000, errors, required=not accepted)
    if errors:
        errors["note"] = errors["note"].replace("请填写核验意见", "退回时请说明理由")
        raise ValidationError("核验意见有误", errors)
    item.verification_note = note_
    if accepted:
        item.status, item.verified_at, item.verified_by = RECTIFIED, to_db(at), actor.username
    else:
        item.status, item.returned_count = OPEN, item.returned_count + 1
    session.flush()
    _log(session, item, "rectification_verified" if accepted else "rectification_returned", actor, at,
         {"note": note_})
    return item


def overdue_ids(session: Session, today: date) -> list[int]:
    """Items past their deadline, not rectified and not yet flagged (the sweep's work list)."""
    return list(session.scalars(select(RectificationItem.id).where(
        RectificationItem.deadline < today, RectificationItem.status != RECTIFIED,
        RectificationItem.overdue_flagged_at.is_(None)).order_by(RectificationItem.id)))
