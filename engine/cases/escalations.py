"""Why a supervisor has an escalation to handle: which deadline was missed, when it fell due, when it was
reported, and how late it is now — read from the ``escalated`` event of the step that opened the task.

Every escalation by timer (a department's acceptance, arrival or completion, triage, a mediation's 30
days) writes an ``escalated`` event naming the missed task (``work_item``) and its deadline (``due_at``)
in the same step that opens the supervisor's task; that event is the one source, whatever the form.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.cases.events import CaseEvent
from engine.bpmn.parser import ParsedProcess
from engine.calendar import WorkCalendar
from engine.cases.deadlines import Deadline, priority_deadline
from engine.cases.models import Case, WorkItem
from engine.clock import as_utc


@dataclass(frozen=True)
class MissedDeadline:
    """The deadline an escalation is about, in a person's terms."""

    #: The missed task by its diagram name (签收交办, 到场处置 …), the deadline's own name when the event gives
    #: one (a mediation's 30 days), or None.
    task_name: str | None
    department_name: str | None
    due_at: datetime
    #: When the miss was reported to the supervisors (the timer fired).
    escalated_at: datetime
    #: The deadline as read now: how late it is (working days, or hours and minutes for urgent matters).
    deadline: Deadline


def missed_deadline(session: Session, case: Case, item: WorkItem, process: ParsedProcess,
                    departments: Mapping[str, str], *, now: datetime, calendar: WorkCalendar) -> MissedDeadline | None:
    """The deadline whose miss opened ``item`` (None: the item was not opened by an escalation)."""
    event = session.scalar(select(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.type == "escalated", CaseEvent.at == item.created_at)
        .order_by(CaseEvent.seq.desc()).limit(1))
    payload = json.loads(event.payload) if event is not None else {}
    if event is None or not isinstance(payload, dict) or payload.get("manual") or not payload.get("due_at"):
        return None
    try:
        due_at = datetime.fromisoformat(str(payload["due_at"]).replace("Z", "+00:00"))
    except ValueError:
        return None
    deadline = priority_deadline(due_at, case.priority, now, calendar)
    assert deadline is not None
    missed = process.human_tasks.get(str(payload.get("work_item") or ""))
    department = payload.get("department")
    # A deadline that is no task's own (a mediation's 30 days) is named by the event itself.
    name = payload.get("deadline_name") if isinstance(payload.get("deadline_name"), str) else None
    return MissedDeadline(name or (missed.name if missed else None),
                          departments.get(str(department), str(department)) if department else None,
                          as_utc(due_at), as_utc(event.at), deadline)
