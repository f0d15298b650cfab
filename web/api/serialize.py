"""The API's JSON shapes, built from the engine's read models (never from ORM rows loaded here)."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from engine.bpmn.forms import FormField
from engine.cases.deadlines import Deadline
from engine.cases.inbox_query import URGENCY_CODES, InboxRow
from engine.cases.models import WorkItem
from engine.cases.read_models import CasePage, TaskView
from engine.clock import as_utc


def iso(value: datetime | None) -> str | None:
    return as_utc(value).isoformat() if value is not None else None


def _deadline(deadline: Deadline | None) -> dict[str, Any]:
    """``due_at`` and ``overdue`` as ever, and ``deadline``: the same reading every page shows (working days;
    clock minutes for urgent matters), None when there is none."""
    reading = None if deadline is None else {
        "state": deadline.state, "urgent": deadline.urgent,
        "workdays_left": deadline.workdays_left, "workdays_overdue": deadline.workdays_overdue,
        "minutes_left": deadline.minutes_left, "minutes_overdue": deadline.minutes_overdue}
    return {"due_at": iso(deadline.due_at) if deadline else None,
            "overdue": deadline.overdue if deadline else False, "deadline": reading}


def _priority(urgency: int) -> str:
    return URGENCY_CODES[min(max(urgency, 0), len(URGENCY_CODES) - 1)]


def inbox_item(row: InboxRow) -> dict[str, Any]:
    return {"id": row.item_id, "case": row.tracking_code, "case_title": row.title, "category": row.category,
            "task": {"bpmn_id": row.bpmn_id, "name": row.task_name}, "role": row.role,
            "department": row.department_code, "assignee": row.assignee, "state": row.state,
            "priority": row.priority, **_deadline(row.deadline)}


def work_item(item: WorkItem, tracking_code: str, deadline: Deadline | None) -> dict[str, Any]:
    """An open work item of a case (e.g. one a completion just opened), its ``deadline`` as read now."""
    return {"id": item.id, "case": tracking_code, "task": {"bpmn_id": item.bpmn_id, "name": item.name},
            "role": item.role, "department": item.department_code, "assignee": item.assignee,
            "state": item.state, "priority": _priority(item.urgency), **_deadline(deadline),
            "due_at": iso(item.due_at)}


def form_field(f: FormField, sources: Mapping[str, Mapping[str, str]], suggested: Any = None) -> dict[str, Any]:
    """A field of the task's form; options from the organisation (``departments``) are today's active ones;
    ``suggested`` is the value the workflow proposes (e.g. the routing table's department)."""
    if f.options_source:
        options = [{"id": code, "label": name} for code, name in sources.get(f.options_source, {}).items()]
    else:
        options = [{"id": o.id, "label": o.label} for o in f.options]
    field: dict[str, Any] = {"id": f.id, "label": f.label, "type": f.type, "required": f.required}
    if options or f.type == "enum" or f.options_source:
        field["options"] = options
    if f.is_file:  # upload each file to /api/evidence, then send the list of their sha256
        field["purpose"], field["min_files"], field["max_files"] = f.purpose, f.min_files, f.max_files
    for key, value in (("default", f.default), ("min", f.minimum), ("max", f.maximum),
                       ("min_length", f.min_length), ("max_length", f.max_length)):
        if value is not None:
            field[key] = int(value) if key in ("min", "max") and float(value).is_integer() else value
    if f.multiple:
        field["multiple"] = True
    if suggested is not None:
        field["suggested"] = suggested
    if f.shown_when:
        field["shown_when"] = {"field": f.shown_when[0], "values": list(f.shown_when[1])}
    return field


def task(view: TaskView, sources: Mapping[str, Mapping[str, str]]) -> dict[str, Any]:
    return {"id": view.item_id, "case": view.case.tracking_code, "case_version": view.case.version,
            "task": {"bpmn_id": view.bpmn_id, "name": view.task_name}, "role": view.role,
            "department": view.department_code, "assignee": view.assignee, "state": view.state,
            "priority": view.case.priority, **_deadline(view.deadline), "completed_by": view.completed_by, "finished_at": iso(view.finished_at),
            "form": [form_field(f, sources, view.prefill.get(f.id)) for f in view.form.fields]}


def case(page: CasePage, items: list[WorkItem], deadlines: Mapping[int, Deadline | None]) -> dict[str, Any]:
    c = page.case
    return {
        "tracking_code": c.tracking_code, "title": c.title, "description": c.description,
        "status": c.status, "phase": c.phase, "outcome": c.outcome, "category": c.category, "channel": c.channel,
        "grid": c.grid_code, "community": c.community, "address": c.address, "department": c.department_code,
        "opened_at": iso(c.opened_at), "opened_by": c.opened_by, "closed_at": iso(c.closed_at),
        "version": c.version,
        "reporter": {"name": page.reporter.name, "phone": page.reporter.phone} if page.reporter else None,
        "priority": c.priority,
        "work_items": [work_item(i, c.tracking_code, deadlines.get(i.id)) for i in items],
    }
