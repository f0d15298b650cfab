"""Reading incidents for the incidents page: plain views, never ORM rows."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.cases.models import Case
from engine.clock import as_utc
from engine.errors import PermissionDenied
from engine.incidents.models import Incident
from engine.people.actor import Actor
from engine.people.roles import Role

#: Who sees incidents and retries them: the street's supervisors and the system's administrators.
ROLES = frozenset({Role.SUPERVISOR.value, Role.ADMIN.value})


def check_may_handle(actor: Actor) -> None:
    if actor.role not in ROLES:
        raise PermissionDenied("只有街道督办和系统管理员可以查看和重试异常")


@dataclass(frozen=True)
class IncidentView:
    id: int
    case_id: int
    tracking_code: str
    case_title: str
    kind: str
    element: str | None
    error: str
    error_code: str
    status: str
    opened_at: datetime
    last_failed_at: datetime
    failures: int
    retry_at: datetime | None
    last_retry_at: datetime | None
    last_retry_by: str | None
    last_retry_outcome: str | None
    resolved_at: datetime | None
    resolved_by: str | None

    @property
    def is_open(self) -> bool:
        return self.status == Incident.OPEN


def _aware(value: datetime | None) -> datetime | None:
    return as_utc(value) if value is not None else None


def _view(incident: Incident, code: str, title: str) -> IncidentView:
    return IncidentView(
        id=incident.id, case_id=incident.case_id, tracking_code=code, case_title=title, kind=incident.kind,
        element=incident.element, error=incident.error, error_code=incident.error_code, status=incident.status,
        opened_at=as_utc(incident.opened_at), last_failed_at=as_utc(incident.last_failed_at),
        failures=incident.failures, retry_at=_aware(incident.retry_at), last_retry_at=_aware(incident.last_retry_at),
        last_retry_by=incident.last_retry_by, last_retry_outcome=incident.last_retry_outcome,
        resolved_at=_aware(incident.resolved_at), resolved_by=incident.resolved_by)


def _listed(session: Session, *, status: str, limit: int) -> list[IncidentView]:
    order = Incident.opened_at.asc() if status == Incident.OPEN else Incident.resolved_at.desc()
    rows = session.execute(
        select(Incident, Case.tracking_code, Case.title).join(Case, Case.id == Incident.case_id)
        .where(Incident.status == status).order_by(order, Incident.id).limit(limit))
    return [_view(incident, code, title) for incident, code, title in rows]


def open_incidents(session: Session, limit: int = 200) -> list[IncidentView]:
    """Open incidents, oldest first (the longest-stuck case on top)."""
    return _listed(session, status=Incident.OPEN, limit=limit)


def recent_incidents(session: Session, limit: int = 50) -> list[IncidentView]:
    """Resolved incidents, most recently resolved first."""
    return _listed(session, status=Incident.RESOLVED, limit=limit)


def open_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Incident).where(Incident.status == Incident.OPEN)) or 0


def incident_view(session: Session, incident: Incident) -> IncidentView:
    case = session.get(Case, incident.case_id)
    assert case is not None
    return _view(incident, case.tracking_code, case.title)
