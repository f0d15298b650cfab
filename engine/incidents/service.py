"""Incidents for the interfaces: list them, retry one. Supervisors and admins only."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from engine.cases.hooks import HookRegistry
from engine.cases.queries import lock_case
from engine.clock import Clock
from engine.db import Database
from engine.errors import ConflictError, NotFound
from engine.incidents import operations, queries
from engine.incidents.models import Incident
from engine.incidents.queries import IncidentView, check_may_handle
from engine.people.actor import Actor


@dataclass(frozen=True)
class RetryOutcome:
    """What a retry did: ``resolved`` (the timers fired), ``nothing_due`` (nothing left to fire) or ``failed``."""

    incident: IncidentView
    outcome: str
    #: The new failure's message when it failed again.
    error: str | None = None

    @property
    def resolved(self) -> bool:
        return self.outcome != "failed"


class IncidentService:
    def __init__(self, db: Database, clock: Clock, hooks: HookRegistry) -> None:
        """``hooks``: the form hooks of the processes (``CaseService.hooks``), run when a retry fires a timer."""
        self.db = db
        self.clock = clock
        self.hooks = hooks

    def open_incidents(self, actor: Actor) -> list[IncidentView]:
        check_may_handle(actor)
        with self.db.reading() as s:
            return queries.open_incidents(s)

    def recent_incidents(self, actor: Actor) -> list[IncidentView]:
        check_may_handle(actor)
        with self.db.reading() as s:
            return queries.recent_incidents(s)

    def retry(self, incident_id: int, actor: Actor) -> RetryOutcome:
        """Fire the incident's case's due timers (count its due household vote) now, whatever its back-off says.

        Success resolves the incident (one transaction with the step and its events); another failure is
        counted on the incident (with who retried) and backs the timer off again; nothing of it is kept.
        """
        check_may_handle(actor)
        at = self.clock.now()
        try:
            with self.db.transaction() as s:
                incident = self._open(s, incident_id)
                case = lock_case(s, incident.case_id)
                s.refresh(incident)
                if incident.status != Incident.OPEN:
                    raise ConflictError("该异常已由他人处理")
                retry = operations.close_due_vote if incident.kind == "vote" else operations.fire_now
                result = retry(s, case, at=at, actor=actor, hooks=self.hooks)
                outcome = "resolved" if result is not None else "nothing_due"
                operations.resolve(s, case, incident, at=at, by=actor, outcome=outcome)
                return RetryOutcome(queries.incident_view(s, incident), outcome)
        except (ConflictError, NotFound):
            raise
        except Exception as error:  # noqa: BLE001  (any failure of the step is the incident's business)
            with self.db.transaction() as s:
                incident = self._open(s, incident_id)
                operations.record_failure(s, incident.case_id, error, at=at, kind=incident.kind, retried_by=actor,
                                          require_due=False)
                s.flush()
                return RetryOutcome(queries.incident_view(s, incident), "failed", operations.describe(error)[1])

    @staticmethod
    def _open(session: Session, incident_id: int) -> Incident:
        incident = session.get(Incident, incident_id)
        if incident is None:
            raise NotFound("异常记录不存在")
        return incident
