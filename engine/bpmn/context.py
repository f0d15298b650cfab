"""The inputs of one engine step that SpiffWorkflow would otherwise take from the world.

SpiffWorkflow reads the wall clock (task timestamps, timers) and draws random
task ids. Replay must rebuild a case byte for byte from its events, so while a
step runs those come from the active :class:`StepContext` instead: the event's
time and a per-case id sequence. Outside a step SpiffWorkflow behaves as usual.
"""
from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from engine.calendar import WorkCalendar

#: The decision table a case is pinned to, by decision id (None: the one parsed with the diagram).
DecisionLookup = Callable[[str], Any]


@dataclass
class TaskIds:
    """Deterministic task ids: the n-th task a case ever creates always gets the same UUID."""

    namespace: uuid.UUID
    issued: int = 0

    def next(self) -> uuid.UUID:
        self.issued += 1
        return uuid.uuid5(self.namespace, str(self.issued))


@dataclass
class StepContext:
    now: datetime
    ids: TaskIds
    calendar: WorkCalendar = field(default_factory=WorkCalendar)
    #: Where business rule tasks find the case's pinned decision tables (see engine.bpmn.decision_task).
    decisions: DecisionLookup | None = None

    def decision(self, decision_id: str) -> Any:
        return self.decisions(decision_id) if self.decisions is not None else None


_current: ContextVar[StepContext | None] = ContextVar("casegrid_step", default=None)


def current() -> StepContext | None:
    return _current.get()


@contextmanager
def step_context(ctx: StepContext) -> Iterator[StepContext]:
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)
