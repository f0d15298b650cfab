"""Keep ``work_item`` rows equal to the human tasks the workflow is waiting for."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.cases.hooks import HookRegistry, Record
from engine.cases.models import Case, WorkItem
from engine.cases.routing import department_for, grid_for, urgency_of
from engine.clock import to_db
from engine.runtime import Instance


@dataclass
class WorkItemChanges:
    opened: list[WorkItem] = field(default_factory=list)
    closed: list[WorkItem] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)


def open_items(session: Session, case: Case) -> list[WorkItem]:
    return list(session.scalars(
        select(WorkItem).where(WorkItem.case_id == case.id, WorkItem.state.in_(WorkItem.OPEN_STATES))
        .order_by(WorkItem.id)
    ))


def sync_work_items(session: Session, case: Case, instance: Instance, at: datetime, hooks: HookRegistry,
                    *, completed_task_id: str | None = None, completed_by: str | None = None,
                    timers_fired: bool = False) -> WorkItemChanges:
    """Open rows for new ready tasks, close rows whose task is gone, refresh deadlines."""
    changes = WorkItemChanges()
    ready = {r.task_id: r for r in instance.ready_tasks() if r.human.in_inbox}
    existing = open_items(session, case)
    known = {item.task_id for item in existing}
    for item in existing:
        if item.task_id in ready:
            # The task's own boundary timer decides; a task without one keeps the deadline a hook gave it
            # (a mediation's 30 days, kept by the process beside the mediator's tasks).
            if ready[item.task_id].due_at is not None:
                item.due_at = to_db(ready[item.task_id].due_at)
            continue
        item.finished_at = to_db(at)
        if item.task_id == completed_task_id:
            item.state, item.completed_by = "completed", completed_by
        else:
            # Interrupted: a boundary timer fired, or the process moved on without it.
            item.state = "cancelled"
            cancelled = hooks.get(item.form_key, case.process_key).cancelled
            if cancelled is not None:
                changes.records += cancelled(session, case, item, at, timers_fired)
        changes.closed.append(item)
    for task_id, task in ready.items():
        if task_id in known:
            continue
        human = task.human
        item = WorkItem(
            case_id=case.id, task_id=task_id, bpmn_id=human.bpmn_id, name=human.name,
            form_key=human.form.key, lane=human.lane, role=human.role.value,
            department_code=department_for(human.role.value, case, task.data),
            grid_code=grid_for(human.role.value, case), state="ready",
            created_at=to_db(at), due_at=to_db(task.due_at), urgency=urgency_of(task.data.get("priority")),
        )
        session.add(item)
        opened = hooks.get(item.form_key, case.process_key).opened
        if opened is not None:
            opened(session, case, item, task.data, at)
        changes.opened.append(item)
    return changes
