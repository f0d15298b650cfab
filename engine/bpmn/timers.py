"""Timers a case can actually wait for: ISO 8601 values within a sane horizon, checked before SpiffWorkflow sees them.

SpiffWorkflow turns a duration into a date by walking it month by month (``P999999999Y`` is twelve
billion turns of a Python loop, inside the case's write transaction) and raises a bare ``Exception`` or
``ValueError`` on a value it cannot read. The same rules therefore run twice: on the literal values
written in a diagram when it is validated (:func:`timer_value_problem` without ``now``), and on every
value a timer expression gives while a case runs (the ``Bounded*`` definitions below, which
:func:`make_bounded` puts in place of SpiffWorkflow's when a diagram is parsed). A refused value fails
the step with :class:`~engine.errors.CaseStepError` naming the timer: the case stays where it was.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any

from SpiffWorkflow.bpmn.serializer.default.event_definition import TimerConditionalEventDefinitionConverter
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.camunda.serializer.config import CAMUNDA_CONFIG

from engine.bpmn.context import current
from engine.errors import CaseStepError

#: Furthest a timer may reach, in days (ten years: beyond any deadline a street office sets).
MAX_TIMER_DAYS = 3660
#: Most repetitions of a cycle timer ("R3/P1D"): a timer that never stops would grow its case forever.
MAX_TIMER_REPETITIONS = 100
#: Shortest interval of a cycle timer, in seconds: every repetition is a step of the timer sweep.
MIN_CYCLE_SECONDS = 3600
#: Literal dates written in a diagram must fall in these years (the check cannot depend on today's date:
#: a published diagram is parsed again whenever a server starts).
DATE_YEARS = (2000, 2100)

ISO_DURATION = re.compile(r"P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+([.,]\d+)?S)?)?$")
_DAYS_PER = {"years": 366, "months": 31, "weeks": 7, "days": 1, "hours": 1 / 24, "minutes": 1 / 1440,
             "seconds": 1 / 86400}


class TimerValueError(ValueError):
    """A timer's value is not one a case can wait for; the message says why, in Chinese."""


def _duration(value: str) -> dict[str, float]:
    """The parts of an ISO 8601 duration, refused beyond :data:`MAX_TIMER_DAYS` before anything is computed."""
    if not isinstance(value, str) or not ISO_DURATION.match(value.strip().upper()) or len(value) > 64:
        raise TimerValueError(f"{value!r} 不是有效的 ISO 8601 时长（例如 \"PT72H\"、\"P3D\"）")
    try:
        parts = TimerEventDefinition.parse_iso_duration(value.strip())
    except Exception:  # SpiffWorkflow raises a bare Exception on what it cannot read
        raise TimerValueError(f"{value!r} 不是有效的 ISO 8601 时长（例如 \"PT72H\"、\"P3D\"）") from None
    if sum(_DAYS_PER[k] * float(v) for k, v in parts.items() if k in _DAYS_PER) > MAX_TIMER_DAYS:
        raise TimerValueError(f"时长 {value!r} 超过 {MAX_TIMER_DAYS} 天")
    return parts


def duration_delta(value: str, start: datetime) -> timedelta:
    """``value`` as a timedelta from ``start`` (months and years counted as SpiffWorkflow counts them)."""
    return TimerEventDefinition.get_timedelta_from_start(_duration(value), start)


def _date(value: Any, now: datetime | None) -> datetime:
    if not isinstance(value, str) or len(value) > 64 or value.strip().upper().startswith("P"):
        raise TimerValueError(f"{value!r} 不是有效的 ISO 8601 日期时间（例如 \"2026-03-02T17:00:00+08:00\"）")
    try:
        when = TimerEventDefinition.get_datetime(value.strip())
    except Exception:
        raise TimerValueError(f"{value!r} 不是有效的 ISO 8601 日期时间（例如 \"2026-03-02T17:00:00+08:00\"）") from None
    if now is None and not DATE_YEARS[0] <= when.year <= DATE_YEARS[1]:
        raise TimerValueError(f"日期 {value!r} 不在 {DATE_YEARS[0]} 到 {DATE_YEARS[1]} 年之间")
    if now is not None and when > now + timedelta(days=MAX_TIMER_DAYS):
        raise TimerValueError(f"日期 {value!r} 晚于 {MAX_TIMER_DAYS} 天之后")
    return when


def _cycle(value: Any, now: datetime | None) -> tuple[int, datetime, timedelta]:
    """Repetitions, first firing and interval of a cycle such as ``R3/PT1H`` or ``R3/2026-03-02T08:00Z/P1D``."""
    usage = (f"必须写明 1 到 {MAX_TIMER_REPETITIONS} 次的重复次数和大于 0 的间隔（至少 {MIN_CYCLE_SECONDS // 3600} 小时），"
             "例如 \"R3/P1D\"（每天一次，共 3 次）")
    if not isinstance(value, str) or len(value) > 128:
        raise TimerValueError(f"{value!r} 不是有效的 ISO 8601 周期：{usage}")
    parts = value.strip().upper().split("/")
    if len(parts) not in (2, 3) or not re.fullmatch(r"R\d{1,4}", parts[0]):
        raise TimerValueError(f"{value!r} {usage}")
    repetitions = int(parts[0][1:])
    start = now or datetime(2026, 1, 1, tzinfo=timezone.utc)
    if len(parts) == 2:
        interval = duration_delta(parts[1], start)
        first = start + interval
    elif parts[1].startswith("P"):  # duration before the end date
        end = _date(parts[2], now)
        interval = TimerEventDefinition.get_timedelta_from_end(_duration(parts[1]), end)
        first = end - interval
    else:
        first = _date(parts[1], now)
        interval = duration_delta(parts[2], first)
    if not 0 < repetitions <= MAX_TIMER_REPETITIONS or interval.total_seconds() < MIN_CYCLE_SECONDS:
        raise TimerValueError(f"{value!r} {usage}")
    if interval * repetitions > timedelta(days=MAX_TIMER_DAYS):
        raise TimerValueError(f"周期 {value!r} 总共超过 {MAX_TIMER_DAYS} 天")
    return repetitions, first, interval


def timer_value_problem(definition: TimerEventDefinition, value: Any, now: datetime | None = None) -> str | None:
    """Why a case cannot wait for ``value`` on ``definition`` (``None``: it can); ``now`` is None at validation."""
    try:
        if isinstance(definition, DurationTimerEventDefinition):
            _duration(value)
        elif isinstance(definition, CycleTimerEventDefinition):
            _cycle(value, now)
        else:
            _date(value, now)
    except TimerValueError as exc:
        return str(exc)
    return None


def _now() -> datetime:
    """The step's time (the one SpiffWorkflow's timers see, engine/bpmn/determinism.py)."""
    ctx = current()
    return ctx.now if ctx is not None else datetime.now(timezone.utc)


def _checked(definition: TimerEventDefinition, my_task: Any) -> Any:
    """The timer's value for ``my_task``, evaluated once and refused with the timer's id if it is no good."""
    value = my_task.workflow.script_engine.evaluate(my_task, definition.expression)
    problem = timer_value_problem(definition, value, _now())
    if problem is not None:
        raise CaseStepError(f"{my_task.task_spec.bpmn_id}: 定时器的值不可用：{problem}；案件保持原状",
                            element=my_task.task_spec.bpmn_id)
    return value


class BoundedTimeDate(TimeDateEventDefinition):
    def has_fired(self, my_task: Any) -> bool:
        if my_task._get_internal_data("event_value") is None:
            my_task._set_internal_data(event_value=_checked(self, my_task))
        return bool(super().has_fired(my_task))


class BoundedDuration(DurationTimerEventDefinition):
    def has_fired(self, my_task: Any) -> bool:
        if my_task._get_internal_data("event_value") is None:
            now = _now()
            # What SpiffWorkflow stores, computed from a value that passed the horizon first.
            my_task._set_internal_data(event_value=(now + duration_delta(_checked(self, my_task), now)).isoformat())
        return bool(super().has_fired(my_task))


class BoundedCycle(CycleTimerEventDefinition):
    def cycle_complete(self, my_task: Any) -> bool:
        if my_task._get_internal_data("event_value") is None:
            cycles, start, interval = _cycle(_checked(self, my_task), _now())
            my_task._set_internal_data(event_value={"cycles": cycles, "next": start.isoformat(),
                                                    "duration": interval.total_seconds()})
        return bool(super().cycle_complete(my_task))


_BOUNDED = {TimeDateEventDefinition: BoundedTimeDate, DurationTimerEventDefinition: BoundedDuration,
            CycleTimerEventDefinition: BoundedCycle}
for _bounded in _BOUNDED.values():  # a spec serialized with its definitions (the benchmarks) still converts
    CAMUNDA_CONFIG.setdefault(_bounded, TimerConditionalEventDefinitionConverter)


#: An ISO 8601 value written without quotes, as Camunda Modeler and bpmn.io write timers: ``P7D``,
#: ``PT72H``, ``R3/P1D``, ``2026-03-02T17:00:00+08:00``.
_BARE_ISO = re.compile(r"^(R\d*/)?(P[0-9TYMWDHS.,]+|\d{4}-\d{2}-\d{2}(T[0-9:.]+(Z|[+\-]\d{2}:?\d{2})?)?)"
                       r"(/(P[0-9TYMWDHS.,]+|\d{4}-\d{2}-\d{2}(T[0-9:.]+(Z|[+\-]\d{2}:?\d{2})?)?))?$", re.IGNORECASE)


def bare_iso_literal(expression: str | None) -> str | None:
    """``P7D`` → ``"P7D"``: an unquoted ISO 8601 value as the string expression it means (None if it is not one).

    Other modellers write timer values as plain text, casegrid as expressions; the two agree once the
    plain value is quoted, so such a diagram runs unchanged (nothing in the stored XML changes).
    """
    text = (expression or "").strip()
    return repr(text) if text and _BARE_ISO.match(text) else None


def timer_definitions(task_spec: Any) -> list[TimerEventDefinition]:
    """The timers a task spec waits on: its own, or those an event-based gateway holds for its catch events
    (SpiffWorkflow moves them into the gateway's ``MultipleEventDefinition``)."""
    definition = getattr(task_spec, "event_definition", None)
    nested = getattr(definition, "event_definitions", None) or []
    return [d for d in [definition, *nested] if isinstance(d, TimerEventDefinition)]


def make_bounded(spec: Any) -> None:
    """Put the bounded timer definitions in place in ``spec`` (behaviour only: nothing stored changes)."""
    for task_spec in spec.task_specs.values():
        for definition in timer_definitions(task_spec):
            bounded = _BOUNDED.get(type(definition))
            if bounded is None:
                continue
            definition.__class__ = bounded
            quoted = bare_iso_literal(definition.expression)
            if quoted is not None:
                definition.expression = quoted
