"""Rebuild a case from its pinned spec and its event log alone."""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from engine.audit.models import CaseEvent
from engine.bpmn.parser import ParsedProcess
from engine.calendar import WorkCalendar
from engine.errors import CasegridError
from engine.runtime import ENGINE_EVENTS, Instance, apply_event, load, new_context

#: The calendar a step at a given time used (see :func:`engine.calendar.store.load_calendar`).
CalendarAt = Callable[[datetime], WorkCalendar]


class ReplayFailed(CasegridError):
    """An event could not be applied: the log does not describe a run the engine can repeat."""

    code = "replay_failed"

    def __init__(self, seq: int, message: str) -> None:
        super().__init__(f"第 {seq} 个事件无法重放：{message}")
        self.seq = seq


@dataclass
class Replayed:
    instance: Instance | None
    #: seq of the last event applied.
    seq: int

    def snapshot(self) -> str | None:
        return self.instance.snapshot() if self.instance else None


def replay_events(process: ParsedProcess, case_uuid: str, events: Iterable[CaseEvent],
                  calendar_at: CalendarAt, upto_seq: int | None = None) -> Replayed:
    """Apply the engine events in order (records such as ``claimed`` change no workflow state).

    Between events the workflow goes through a snapshot, exactly as the live
    path stores and reloads it, so replay is the same computation as the
    original run and not merely an equivalent one.
    """
    instance: Instance | None = None
    seq = 0
    for event in events:
        if upto_seq is not None and event.seq > upto_seq:
            break
        seq = event.seq
        if event.type not in ENGINE_EVENTS:
            continue
        try:
            if instance is not None:
                instance = load(process, instance.snapshot(), case_uuid)
            issued = instance.ids.issued if instance else 0
            ctx = new_context(case_uuid, issued, event.at, calendar_at(event.at))
            instance = apply_event(instance, process, event.type, json.loads(event.payload), ctx)
        except CasegridError as exc:
            raise ReplayFailed(event.seq, exc.message) from None
        except Exception as exc:  # a malformed payload: report it as a finding, never crash the check
            raise ReplayFailed(event.seq, f"{type(exc).__name__}: {exc}") from None
    return Replayed(instance, seq)
