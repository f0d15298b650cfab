"""Rebuild a case from its pinned spec and its event log alone."""
from __future__ import annotations

import json
from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from engine.cases.events import CaseEvent
from engine.cases.record_rows import ROWS_KEY
from engine.bpmn.context import DecisionLookup
from engine.bpmn.parser import ParsedProcess
from engine.calendar import WorkCalendar
from engine.calendar.models import CalendarDay
from engine.calendar.store import load_calendar
from engine.clock import to_db
from engine.errors import CasegridError
from engine.runtime import ENGINE_EVENTS, Instance, apply_event, load, new_context
from engine.specs.decisions import decision_lookup
from engine.specs.registry import process_of

#: The calendar a step at a given time used (see :func:`engine.calendar.store.load_calendar`).
CalendarAt = Callable[[datetime], WorkCalendar]
#: Called after each replayed event with the workflow as it stands then (None before ``case_opened``).
OnEvent = Callable[[CaseEvent, Instance | None], None]
#: The parsed spec of a process version by id (a ``spec_migrated`` event names the version it moved to).
ProcessFor = Callable[[int], ParsedProcess]


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


def stored_calendars(session: Session) -> CalendarAt:
    """``load_calendar(session, at)`` for every ``at`` of one replay, from one read of the override table.

    A replay asks for the calendar at every engine event; one query each was a quarter of a
    200-event replay. The table holds a few dozen rows a year, and the calendars themselves
    come from ``load_calendar``'s cache (built from the same rows, so the same objects).
    """
    rows = session.execute(select(CalendarDay.entered_at).order_by(CalendarDay.entered_at)).scalars().all()
    by_cutoff: dict[int, WorkCalendar] = {}

    def calendar_at(at: datetime) -> WorkCalendar:
        # The rows entered by ``at`` decide the calendar: calendars are shared per count of such rows.
        cutoff = bisect_right(rows, to_db(at))
        if cutoff not in by_cutoff:
            by_cutoff[cutoff] = load_calendar(session, at)
        return by_cutoff[cutoff]
    return calendar_at


def _stored_lookup(events: list[CaseEvent]) -> ProcessFor:
    """Versions read through the session the events were loaded with (for callers that pass no lookup)."""
    session = object_session(events[0]) if events else None

    def lookup(version_id: int) -> ParsedProcess:
        if session is None:
            raise ValueError(f"no session to read process version {version_id}")
        return process_of(session, version_id)
    return lookup


def _pinned_decisions(events: list[CaseEvent]) -> DecisionLookup | None:
    """The decision tables the case was pinned to when it opened (named in its ``case_opened`` event)."""
    if not events or events[0].type != "case_opened":
        return None
    pinned = json.loads(events[0].payload).get("decisions")
    session = object_session(events[0])
    if not pinned or session is None:
        return None
    return decision_lookup(session, int(pinned["id"]))


def replay_events(process: ParsedProcess, case_uuid: str, events: Iterable[CaseEvent],
                  calendar_at: CalendarAt, upto_seq: int | None = None,
                  on_event: OnEvent | None = None, process_for: ProcessFor | None = None,
                  decisions: DecisionLookup | None = None) -> Replayed:
    """Apply the engine events in order (records such as ``claimed`` change no workflow state).

    Between events the workflow goes through a snapshot, exactly as the live path stores and
    reloads it, so replay is the same computation as the original run and not merely an
    equivalent one. (Applying the events to one instance in memory is ~2× faster but not the
    same computation: a signal thrown in one step stays in the in-memory workflow's event list
    and is caught by a later step, where the stored and reloaded workflow has handled it —
    mediation cases replayed to a different path.)

    ``on_event(event, instance)`` is called after every event, records included, with
    the workflow as it stands then; the next engine event works on a fresh load of its
    snapshot, so the instance passed is never changed afterwards (the auditor's
    step-by-step view reads every step in this one pass).

    ``process`` is the version the case is pinned to now. A migrated case (one with
    ``spec_migrated`` events) is replayed from the version it started on and switches
    version at each migration, exactly as it ran; versions are looked up with
    ``process_for`` (by default through the session the events were loaded with). ``decisions``: where
    business rule tasks find the case's pinned decision tables (by default the version named in
    ``case_opened``, read through that session).
    """
    events = list(events)
    instance: Instance | None = None
    seq = 0
    # The decision tables the case was pinned to: given (an exported file carries them), else read.
    decisions = decisions if decisions is not None else _pinned_decisions(events)
    migrations = [e for e in events if e.type == "spec_migrated"]
    lookup = process_for or _stored_lookup(events)
    # Cases opened since engine events record the calendar they used (those whose events commit to rows).
    records_calendar = bool(events) and ROWS_KEY in events[0].payload
    if migrations:
        try:
            process = lookup(int(json.loads(migrations[0].payload)["from_version_id"]))
        except Exception as exc:
            raise ReplayFailed(migrations[0].seq, f"迁移前的流程版本无法读取（{type(exc).__name__}: {exc}）") from None
    for event in events:
        if upto_seq is not None and event.seq > upto_seq:
            break
        seq = event.seq
        if event.type not in ENGINE_EVENTS:
            if on_event is not None:
                on_event(event, instance)
            continue
        try:
            if instance is not None:
                instance = load(process, instance.snapshot(), case_uuid)
            issued = instance.ids.issued if instance else 0
            calendar = calendar_at(event.at)
            payload = json.loads(event.payload)
            if records_calendar and payload.get("calendar") != calendar.overrides_digest:
                raise ReplayFailed(event.seq, "计算期限时使用的工作日历与日历表不符：日历调整（calendar_day）的录入时间或内容"
                                              "被改动过（例如被提前录入）")
            ctx = new_context(case_uuid, issued, event.at, calendar, decisions)
            if event.type == "spec_migrated":
                process = lookup(int(payload["to_version_id"]))
            instance = apply_event(instance, process, event.type, payload, ctx, holds_lock=False)  # no lock: CPU limit only
        except ReplayFailed:
            raise
        except CasegridError as exc:
            raise ReplayFailed(event.seq, exc.message) from None
        except Exception as exc:  # a malformed payload: report it as a finding, never crash the check
            raise ReplayFailed(event.seq, f"{type(exc).__name__}: {exc}") from None
        if on_event is not None:
            on_event(event, instance)
    return Replayed(instance, seq)
