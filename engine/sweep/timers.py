"""Firing due timers, one transaction per case, so that no case can stop the sweep for the others.

A case whose step fails becomes an incident (:mod:`engine.incidents`): its transaction is rolled back,
the failure is recorded in a transaction of its own and its timer is backed off, so the next batch and
the next sweep go on with the other cases. A case busy under another transaction's lock is skipped;
the next sweep fires it.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from engine.cases import operations, queries
from engine.cases.hooks import HookRegistry
from engine.cases.steps import StepResult
from engine.db import Database
from engine.errors import ConflictError
from engine.incidents import operations as incidents
from engine.incidents.operations import describe

log = logging.getLogger("casegrid.sweep")


@dataclass(frozen=True)
class Failure:
    """A case the sweep could not move; it is an incident now (unless someone moved it meanwhile)."""

    case_id: int
    kind: str
    error: str
    incident_id: int | None


@dataclass
class TimerSweep:
    """What one pass over the due timers did."""

    fired: list[StepResult] = field(default_factory=list)
    failed: list[Failure] = field(default_factory=list)
    #: Cases busy under another transaction (lock wait ran out): the next sweep fires them.
    skipped: int = 0
    #: How many due cases the pass looked at (a full batch means more may be waiting).
    looked_at: int = 0

    def add(self, other: TimerSweep) -> None:
        self.fired += other.fired
        self.failed += other.failed
        self.skipped += other.skipped
        self.looked_at += other.looked_at

    def counts(self) -> dict[str, int]:
        """What the operations page and the flows report: cases fired, timers, escalations, failed, skipped."""
        return {"cases": len(self.fired), "timers": sum(len(r.fired_timers) for r in self.fired),
                "escalations": sum(1 for r in self.fired for e in r.records if e.type == "escalated"),
                "failed": len(self.failed), "skipped": self.skipped}


def record_incident(db: Database, case_id: int, error: Exception, at: datetime, kind: str) -> Failure:
    log.error("case %s: %s failed", case_id, kind, exc_info=(type(error), error, error.__traceback__))
    incident_id = None
    try:
        with db.transaction() as s:
            incident = incidents.record_failure(s, case_id, error, at=at, kind=kind)
            s.flush()
            incident_id = incident.id if incident is not None else None
    except Exception:  # noqa: BLE001  (the database itself failing: counted, and the next case is tried)
        log.exception("case %s: the incident could not be recorded", case_id)
    return Failure(case_id, kind, describe(error)[1], incident_id)


def run_each(db: Database, refs: list[int], at: datetime, kind: str,
             step: Callable[[Session, int], StepResult | None],
             case_of: Callable[[int], int | None] = lambda ref: ref) -> TimerSweep:
    """Run ``step`` for each of ``refs``, each in its own transaction: a busy one (ConflictError) is skipped for
    the next sweep, a failing one becomes an incident of kind ``kind`` on its case (``case_of``), the others go on."""
    sweep = TimerSweep(looked_at=len(refs))
    for ref in refs:
        try:
            with db.transaction() as s:
                result = step(s, ref)
                if result is not None:
                    incidents.resolve_open(s, result.case, at=at)
        except ConflictError:  # busy (a lock wait ran out) or moved by someone else first: the next sweep
            sweep.skipped += 1
            continue
        except Exception as error:  # noqa: BLE001  (it becomes an incident; the others go on)
            case_id = case_of(ref)
            if case_id is not None:
                sweep.failed.append(record_incident(db, case_id, error, at, kind))
            continue
        if result is not None:
            sweep.fired.append(result)
    return sweep


def fire_due_cases(db: Database, at: datetime, hooks: HookRegistry, limit: int = 500) -> TimerSweep:
    """Fire the timers of up to ``limit`` due cases, earliest first, each in its own transaction."""
    with db.reading() as s:
        due = queries.due_case_ids(s, at, limit)
    return run_each(db, due, at, "timers",
                    lambda s, case_id: operations.fire_case_timers(s, case_id, at=at, hooks=hooks))


def sweep_timers(db: Database, at: datetime, hooks: HookRegistry, batch: int = 500, batches: int = 1) -> TimerSweep:
    """Up to ``batches`` batches of due cases (a backlog drains over several sweeps)."""
    sweep = TimerSweep()
    for _ in range(batches):
        part = fire_due_cases(db, at, hooks, batch)
        sweep.add(part)
        if part.looked_at < batch or part.skipped == part.looked_at:  # drained, or only busy cases are left
            break
    return sweep
