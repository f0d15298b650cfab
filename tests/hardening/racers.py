"""The body of one racing worker process (spawned, so it lives in an importable module, not a test file).

Each worker opens its own :class:`Database`, waits at a barrier for the others, then runs
its plan of operations through :class:`CaseService` — every op a transaction of its own —
and reports, for each op, how it ended and which events it committed. The events are
taken from the session as it commits (a rolled-back transaction reports none), so the
parent can match the reports against the event table exactly.
"""
from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from engine.cases.events import CaseEvent
from engine.clock import FixedClock
from engine.db import Database
from engine.errors import CasegridError
from engine.people.actor import Actor
from engine import CaseService

#: A racer gives up on the barrier (and the parent on the racers) after this long: a hang fails, not blocks.
TIMEOUT = 60

#: Cases per sweep: small, so that the due timers fire over the whole race instead of all in the first sweep.
SWEEP_LIMIT = 2

#: (case id, seq, type) of one committed event.
EventKey = tuple[int, int, str]


@dataclass(frozen=True)
class Target:
    """One open work item every racer goes for, with the person who may do it and the form to send."""

    item_id: int
    case_id: int
    actor: Actor
    form: Mapping[str, Any]


@dataclass(frozen=True)
class Outcome:
    worker: int
    op: str
    item_id: int | None
    #: ``ok``, or the engine error's class name, or ``error: <repr>`` for anything else.
    result: str
    events: tuple[EventKey, ...]
    message: str = ""


class _CommittedEvents:
    """The case events each committed transaction of this process wrote (a rolled-back one wrote none)."""

    def __init__(self) -> None:
        self.committed: list[EventKey] = []
        event.listen(Session, "after_flush", self._flushed)
        event.listen(Session, "after_commit", self._commit)
        event.listen(Session, "after_rollback", self._rollback)

    def _flushed(self, session: Session, _context: Any) -> None:
        pending = session.info.setdefault("casegrid_events", [])
        pending.extend(obj for obj in session.new if isinstance(obj, CaseEvent))

    def _commit(self, session: Session) -> None:
        self.committed.extend((e.case_id, e.seq, e.type) for e in session.info.pop("casegrid_events", []))

    def _rollback(self, session: Session) -> None:
        session.info.pop("casegrid_events", None)

    def take(self) -> tuple[EventKey, ...]:
        taken, self.committed = tuple(self.committed), []
        return taken


def plan(worker: int, targets: list[Target], seed: int) -> list[tuple[str, Target | None]]:
    """This worker's ops: the targets in the order all workers share (so they collide on each one), each
    claimed, released, reassigned and completed in this worker's own order — with sweeps in between at
    this worker's own moments (even workers sweep first, so timers race the first completions)."""
    rng = random.Random(seed * 1000 + worker)
    ops: list[tuple[str, Target | None]] = [("tick", None)] if worker % 2 == 0 else []
    for target in random.Random(seed).sample(targets, len(targets)):
        steps = ["claim", "release", "reassign", "claim", "complete"]
        rng.shuffle(steps)
        ops += [(step, target) for step in steps]
        if rng.random() < 0.5:
            ops.append(("tick", None))
    return ops + [("tick", None)]


def _call(service: CaseService, op: str, target: Target | None, supervisor: Actor) -> Callable[[], Any]:
    if target is None:
        return lambda: service.tick(limit=SWEEP_LIMIT)
    actions: dict[str, Callable[[], Any]] = {
        "claim": lambda: service.claim(target.item_id, target.actor),
        "release": lambda: service.release(target.item_id, target.actor),
        "reassign": lambda: service.reassign(target.item_id, supervisor, "均衡工作量",
                                             assignee=target.actor.username),
        "complete": lambda: service.complete_task(target.item_id, target.form, target.actor),
    }
    return actions[op]


def race(url: str, at: datetime, worker: int, targets: list[Target], supervisor: Actor, seed: int,
         barrier: Any, reports: Any) -> None:
    """Child process: run this worker's plan against the shared targets, all at the same clock time."""
    captured = _CommittedEvents()
    database = Database(url)
    try:
        with database.engine.connect():
            pass  # connect before the barrier, so that the race is between the operations
        service = CaseService(database, FixedClock(at))
        outcomes = []
        barrier.wait(timeout=TIMEOUT)
        for op, target in plan(worker, targets, seed):
            item_id = target.item_id if target else None
            try:
                _call(service, op, target, supervisor)()
                result, message = "ok", ""
            except CasegridError as exc:
                result, message = type(exc).__name__, exc.message
            except Exception as exc:  # noqa: BLE001 - reported to the parent, which fails the test
                result, message = f"error: {type(exc).__name__}", str(exc)[:500]
            outcomes.append(Outcome(worker, op, item_id, result, captured.take(), message))
        reports.put(outcomes)
    finally:
        database.dispose()
