"""Route SpiffWorkflow's clock and id draws through the active step context.

SpiffWorkflow offers no hook for either, so the two module globals it reads are
replaced once, at import: ``time``/``uuid4`` in ``SpiffWorkflow.task`` and
``datetime`` in the timer event definitions. With no step context active the
replacements fall through to the real clock and random ids.
"""
from __future__ import annotations

import time as _time
import uuid as _uuid
from datetime import datetime as _datetime
from datetime import tzinfo

import SpiffWorkflow.bpmn.specs.event_definitions.timer as _timer_module
import SpiffWorkflow.task as _task_module

from engine.bpmn.context import current


class _StepTime:
    """Stands in for the ``time`` module inside ``SpiffWorkflow.task``."""

    @staticmethod
    def time() -> float:
        ctx = current()
        return ctx.now.timestamp() if ctx else _time.time()


def _step_uuid4() -> _uuid.UUID:
    ctx = current()
    return ctx.ids.next() if ctx else _uuid.uuid4()


class _StepDatetime(_datetime):
    """``datetime`` whose ``now()`` is the step's time (timers compare against it)."""

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> _datetime:  # type: ignore[override]
        ctx = current()
        if ctx is None:
            return _datetime.now(tz)
        return ctx.now.astimezone(tz) if tz else ctx.now.replace(tzinfo=None)


_task_module.time = _StepTime  # type: ignore[assignment]
_task_module.uuid4 = _step_uuid4  # type: ignore[attr-defined]
_timer_module.datetime = _StepDatetime  # type: ignore[misc]
