"""What "nothing half-written" means for one case, checked from the stored rows alone.

After any race or crash, every case must satisfy all of these at once: its hash chain
verifies and its events replay to its stored snapshot (``CaseService.verify``); its open
work items are exactly the human tasks the replayed workflow waits for; its next timer
is the replayed workflow's; every completed item has exactly one ``task_completed``
event, by the person the item names; every claimed item has the event that claimed it.
"""
from __future__ import annotations

import json
from collections import Counter
from typing import Any

from sqlalchemy import select

from engine.cases.events import CaseEvent
from engine.cases.models import Case, WorkItem
from engine.clock import to_db
from engine.db import Database
from engine import CaseService


def case_problems(service: CaseService, db: Database, case_id: int) -> list[str]:
    """Everything inconsistent about the case (empty when it is exactly at some step)."""
    [check] = service.verify(case_id)
    if not check.ok:
        return [f"verify: seq {check.bad_seq}: {check.problem}"]
    with db.reading() as s:
        case = s.get(Case, case_id)
        assert case is not None
        items = list(s.scalars(select(WorkItem).where(WorkItem.case_id == case_id)))
        events = list(s.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq)))
    replayed = service.replay(case_id).instance
    assert replayed is not None
    problems = []
    ready = {t.task_id for t in replayed.ready_tasks()}
    open_items = {i.task_id for i in items if i.is_open}
    if ready != open_items:
        problems.append(f"open work items {sorted(open_items)} but the workflow waits for {sorted(ready)}")
    if to_db(replayed.next_timer_at()) != case.next_timer_at:
        problems.append(f"next_timer_at {case.next_timer_at} but the workflow's next timer is "
                        f"{replayed.next_timer_at()}")
    completions = Counter((_payload(e).get("task_id"), e.actor) for e in events if e.type == "task_completed")
    claims = {(_payload(e).get("task_id"), e.actor) for e in events if e.type == "claimed"}
    for item in items:
        if item.state == "completed" and completions[(item.task_id, item.completed_by)] != 1:
            problems.append(f"work item {item.id} completed by {item.completed_by} with "
                            f"{completions[(item.task_id, item.completed_by)]} completion events")
        if item.state == "claimed" and (item.task_id, item.assignee) not in claims \
                and not any(e.type == "reassigned" for e in events):
            problems.append(f"work item {item.id} claimed by {item.assignee} without a claimed event")
    done = {i.task_id for i in items if i.state == "completed"}
    for (task_id, actor), count in completions.items():
        if task_id not in done:
            problems.append(f"task {task_id} has {count} completion event(s) by {actor} but its item is not completed")
    return problems


def all_case_problems(service: CaseService, db: Database) -> dict[str, list[str]]:
    """Tracking code → problems, for every case that has any."""
    with db.reading() as s:
        cases = list(s.execute(select(Case.id, Case.tracking_code)))
    found = {code: case_problems(service, db, case_id) for case_id, code in cases}
    return {code: problems for code, problems in found.items() if problems}


def _payload(event: CaseEvent) -> dict[str, Any]:
    payload = json.loads(event.payload)
    return payload if isinstance(payload, dict) else {}
