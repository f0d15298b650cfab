"""Core data (核心: health, finances, family matters) is seen only with the approval of the community
secretary (「医疗、财务等核心数据需经社区书记审批」), and the approval expires.

Three steps, each written to the data-use log (:mod:`engine.audit.access_log`) in the transaction that takes it:

1. someone who may read the record asks, with a purpose from :data:`~engine.audit.purposes.UNMASK_PURPOSES`
   and a detail (``core_request``);
2. an approver who is not the asker approves (``core_approve``, the approval lasts :func:`approval_hours`)
   or refuses with a reason (``core_refuse``);
3. while the approval lasts, the asker may see the value (``unmask``, with the request's purpose and detail).

The approver. casegrid has no role named 社区书记: the street's supervisor (``supervisor``, 街道督办) is the
role that approves and oversees, and the one diagrams' lanes named 书记 map to
(:mod:`engine.bpmn.importing`). Rather than add a role that would hold no other power, the supervisor
approves; four eyes are kept by refusing an approver their own request (a supervisor who asks needs
another supervisor).

A request names what it is for by a *subject*: the same text the ``unmask`` entry records in ``what``
(``household:<id>:note:<id>`` for a sensitive household note).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from engine.audit.access_log import record_access
from engine.audit.purposes import UNMASK_PURPOSES, unmask_reason
from engine.cases.models import Case
from engine.clock import as_utc, to_db
from engine.db import Base
from engine.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from engine.people.actor import Actor
from engine.people.roles import Role

#: Who approves (see the module's note on 社区书记).
APPROVER_ROLES = frozenset({Role.SUPERVISOR.value})
#: ``$CASEGRID_CORE_APPROVAL_HOURS``: how long an approval lasts (default 24 hours, at most 30 days).
HOURS_ENV = "CASEGRID_CORE_APPROVAL_HOURS"
DEFAULT_HOURS = 24
MAX_HOURS = 720
PENDING, APPROVED, REFUSED = "pending", "approved", "refused"
STATUS_LABELS = {PENDING: "待审批", APPROVED: "已批准", REFUSED: "未批准"}
MIN_REFUSAL = 4
MAX_NOTE = 400
#: How many decided requests the approver's page lists under the pending ones.
RECENT = 50


class CoreAccessRequest(Base):
    __tablename__ = "core_access_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: What is asked for, as the unmask entry will name it (``household:3:note:7``).
    subject: Mapped[str] = mapped_column(String(200), nullable=False, index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), nullable=True, index=True)
    purpose: Mapped[str] = mapped_column(String(30), nullable=False)
    #: The access-log reason (``<purpose words>：<detail>``), as the unmask entry will record it.
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    requested_by: Mapped[str] = mapped_column(String(80), nullable=False, index=True)
    requested_role: Mapped[str] = mapped_column(String(30), nullable=False)
    requested_at: Mapped[datetime] = mapped_column(nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=PENDING, index=True)
    decided_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(nullable=True)
    decision_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    expires_at: Mapped[datetime | None] = mapped_column(nullable=True)


def approval_hours() -> int:
    """How long an approval lasts, from ``$CASEGRID_CORE_APPROVAL_HOURS`` (whole hours, 1…720)."""
    raw = os.environ.get(HOURS_ENV, "").strip()
    if not raw:
        return DEFAULT_HOURS
    try:
        hours = int(raw)
    except ValueError:
        hours = 0
    if not 1 <= hours <= MAX_HOURS:
        raise ValueError(f"${HOURS_ENV} must be a whole number of hours from 1 to {MAX_HOURS}, not {raw!r}")
    return hours


@dataclass(frozen=True)
class RequestRow:
    id: int
    subject: str
    tracking_code: str | None
    purpose: str
    reason: str
    requested_by: str
    requested_role: str
    requested_at: datetime
    status: str
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str | None
    expires_at: datetime | None

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


@dataclass(frozen=True)
class Access:
    """Where the actor stands on one subject: nothing asked, waiting, approved until, or refused."""

    status: str | None
    request_id: int | None = None
    expires_at: datetime | None = None
    note: str | None = None

    @property
    def granted(self) -> bool:
        return self.status == APPROVED


def _row(r: CoreAccessRequest, code: str | None) -> RequestRow:
    return RequestRow(r.id, r.subject, code, r.purpose, r.reason, r.requested_by, r.requested_role,
                      as_utc(r.requested_at), r.status, r.decided_by, as_utc(r.decided_at) if r.decided_at else None,
                      r.decision_note, as_utc(r.expires_at) if r.expires_at else None)


def _latest(session: Session, actor: Actor, subject: str) -> CoreAccessRequest | None:
    return session.scalars(select(CoreAccessRequest)
                           .where(CoreAccessRequest.subject == subject,
                                  CoreAccessRequest.requested_by == actor.username)
                           .order_by(CoreAccessRequest.id.desc()).limit(1)).first()


def _live(request: CoreAccessRequest | None, at: datetime) -> bool:
    return (request is not None and request.status == APPROVED and request.expires_at is not None
            and as_utc(request.expires_at) > at)


def access_of(session: Session, actor: Actor, subject: str, at: datetime) -> Access:
    """The actor's latest request for ``subject`` as it stands at ``at`` (an expired approval is no access)."""
    r = _latest(session, actor, subject)
    if r is None or (r.status == APPROVED and not _live(r, at)):
        return Access(None)
    return Access(r.status, r.id, as_utc(r.expires_at) if r.expires_at else None, r.decision_note)


def request_access(session: Session, actor: Actor, *, subject: str, case: Case | None, purpose: str | None,
                   detail: str | None, at: datetime) -> CoreAccessRequest:
    """Ask to see ``subject`` (the caller checked the actor may read the record it belongs to). A request
    still waiting or an approval still running is returned as it is: asking twice asks once."""
    reason = unmask_reason(purpose, detail)
    current = _latest(session, actor, subject)
    if current is not None and (current.status == PENDING or _live(current, at)):
        return current
    request = CoreAccessRequest(subject=subject, case_id=case.id if case is not None else None, purpose=purpose,
                                reason=reason, requested_by=actor.username, requested_role=actor.role,
                                requested_at=to_db(at), status=PENDING)
    session.add(request)
    session.flush()
    record_access(session, actor, kind="core_request", case=case, what=subject, reason=reason, at=at)
    return request


def check_may_approve(actor: Actor) -> None:
    if actor.role not in APPROVER_ROLES:
        raise PermissionDenied("只有街道督办（社区书记）可以审批核心数据的查看申请")


def decide(session: Session, request_id: int, actor: Actor, *, approve: bool, note: str | None,
           at: datetime, hours: int | None = None) -> CoreAccessRequest:
    """Approve (for :func:`approval_hours`) or refuse (with a reason) a waiting request; the decision is logged."""
    check_may_approve(actor)
    request = session.get(CoreAccessRequest, request_id)
    if request is None:
        raise NotFound("查看申请不存在")
    if request.requested_by == actor.username:
        raise PermissionDenied("不能审批自己的查看申请，请由另一位街道督办审批")
    if request.status != PENDING:
        raise ConflictError(f"该申请已{STATUS_LABELS[request.status]}，不能再次审批")
    text = " ".join((note or "").split())
    if len(text) > MAX_NOTE:
        raise ValidationError("说明太长", {"note": f"说明最多 {MAX_NOTE} 个字"})
    if not approve and len(text) < MIN_REFUSAL:
        raise ValidationError("请说明不批准的理由", {"note": f"不批准须说明理由（至少 {MIN_REFUSAL} 个字）"})
    case = session.get(Case, request.case_id) if request.case_id is not None else None
    request.status = APPROVED if approve else REFUSED
    request.decided_by = actor.username
    request.decided_at = to_db(at)
    request.decision_note = text or None
    if approve:
        until = at + timedelta(hours=hours if hours is not None else approval_hours())
        request.expires_at = to_db(until)
        words = f"批准 {request.requested_by} 的申请 #{request.id}（{request.reason}）"
    else:
        words = f"不批准 {request.requested_by} 的申请 #{request.id}：{text}"
    session.flush()
    record_access(session, actor, kind="core_approve" if approve else "core_refuse", case=case,
                  what=request.subject, reason=words[:500], at=at)
    return request


def granted(session: Session, actor: Actor, subject: str, at: datetime) -> CoreAccessRequest:
    """The running approval of the actor's request for ``subject`` (:class:`PermissionDenied` without one)."""
    r = _latest(session, actor, subject)
    if not _live(r, at):
        raise PermissionDenied("查看核心数据须经街道督办（社区书记）批准；请先提交查看申请")
    assert r is not None
    return r


def requests_for_approver(session: Session, actor: Actor) -> tuple[list[RequestRow], list[RequestRow]]:
    """(waiting requests oldest first, the latest decided ones newest first) for the approver's page."""
    check_may_approve(actor)
    query = (select(CoreAccessRequest, Case.tracking_code)
             .outerjoin(Case, Case.id == CoreAccessRequest.case_id))
    waiting = [_row(r, code) for r, code in session.execute(
        query.where(CoreAccessRequest.status == PENDING).order_by(CoreAccessRequest.id))]
    decided = [_row(r, code) for r, code in session.execute(
        query.where(CoreAccessRequest.status != PENDING).order_by(CoreAccessRequest.id.desc()).limit(RECENT))]
    return waiting, decided


__all__ = ["UNMASK_PURPOSES", "Access", "CoreAccessRequest", "RequestRow", "access_of", "approval_hours",
           "check_may_approve", "decide", "granted", "request_access", "requests_for_approver"]
