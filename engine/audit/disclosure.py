"""Who may audit, who may see a sensitive field unmasked, and the unmasking itself (最小必要).

Auditors and supervisors may replay, verify and export any case. Sensitive fields
(the reporter's name and phone) are masked everywhere; a supervisor, or the grid
worker of the case's own grid, may see them after stating a reason, and every such
view is written to the access log first. Auditors see them masked but read the log.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from engine.audit.access_log import record_access
from engine.audit.purposes import unmask_reason
from engine.cases.access import check_in_scope, check_may_view
from engine.cases.models import Case
from engine.cases.queries import find_case
from engine.civic.contact import contact_of
from engine.civic.models import ReporterContact
from engine.errors import NotFound, PermissionDenied
from engine.people.actor import Actor
from engine.people.roles import Role

#: Roles of the audit workspace (replay, integrity, export, access log).
AUDIT_ROLES = frozenset({Role.AUDITOR.value, Role.SUPERVISOR.value})
#: Roles that may ask to see sensitive fields unmasked (a grid worker only for their own grid's cases).
UNMASK_ROLES = frozenset({Role.SUPERVISOR.value, Role.GRID_WORKER.value})
#: The fields an unmasked view of the reporter shows, as written to the access log.
REPORTER_FIELDS = ("reporter_name", "reporter_phone")


def check_may_audit(actor: Actor) -> None:
    if actor.role not in AUDIT_ROLES:
        raise PermissionDenied("只有监督员和街道督办可以使用审计功能")


def audited_case(session: Session, actor: Actor, ref: str) -> Case:
    """The case ``ref`` for ``actor``'s audit workspace: :class:`NotFound` outside the actor's unit's subtree."""
    check_may_audit(actor)
    case = find_case(session, ref)
    check_in_scope(session, actor, case)
    return case


def check_may_unmask(session: Session, actor: Actor, case: Case) -> None:
    """Raise unless ``actor`` may see ``case``'s sensitive fields (:class:`NotFound` for a case they cannot see)."""
    if actor.role not in UNMASK_ROLES:
        raise PermissionDenied("当前角色只能查看脱敏后的个人信息")
    check_may_view(session, actor, case)
    if actor.role == Role.GRID_WORKER.value and (not actor.grid_code or actor.grid_code != case.grid_code):
        raise PermissionDenied("只有本网格的网格员可以查看反映人的联系方式")


@dataclass(frozen=True)
class Disclosure:
    """Sensitive values shown once, after the access was logged."""

    tracking_code: str
    reporter_name: str | None
    reporter_phone: str | None
    #: The access-log entry that records this view.
    entry_id: int


def may_unmask(session: Session, actor: Actor, ref: str) -> Case:
    """The case, if ``actor`` may ask to unmask its reporter (raises otherwise); nothing is logged."""
    case = find_case(session, ref)
    check_may_unmask(session, actor, case)
    if session.get(ReporterContact, case.id) is None:
        raise NotFound("该案件没有留下反映人的联系方式")
    return case


def unmask_reporter(session: Session, ref: str, actor: Actor, purpose: str, detail: str, *,
                    at: datetime) -> Disclosure:
    """The reporter's name and phone in full, after writing who, what, when and why (the purpose, one of
    :data:`~engine.audit.purposes.UNMASK_PURPOSES`, and the detail) to the access log."""
    reason = unmask_reason(purpose, detail)
    case = may_unmask(session, actor, ref)
    contact = contact_of(session, case)
    assert contact is not None
    if contact.erased:
        raise NotFound("该案件反映人的联系方式已按规定删除")
    entry = record_access(session, actor, kind="unmask", case=case, what=",".join(REPORTER_FIELDS), reason=reason,
                          at=at)
    return Disclosure(case.tracking_code, contact.name, contact.phone, entry.id)
