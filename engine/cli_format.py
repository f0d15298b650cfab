"""Plain-text views of cases for the command line."""
from __future__ import annotations

import json

from engine.cases.events import CaseEvent
from engine.audit.replay import Replayed
from engine.cases.models import Case, WorkItem


def _when(value: object) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if hasattr(value, "strftime") else "-"


def format_case(case: Case, items: list[WorkItem], events: list[CaseEvent]) -> str:
    lines = [
        f"{case.tracking_code}  (id {case.id})  {case.title}",
        f"  process   {case.process_key} (version id {case.process_version_id})",
        f"  status    {case.status} / {case.phase}  outcome {case.outcome or '-'}",
        f"  category  {case.category}  grid {case.grid_code or '-'}  department {case.department_code or '-'}",
        f"  opened    {_when(case.opened_at)} UTC by {case.opened_by}  closed {_when(case.closed_at)}",
        f"  next timer {_when(case.next_timer_at)}  version {case.version}",
        "  open work:",
    ]
    lines += [f"    #{i.id} {i.bpmn_id} {i.name} [{i.role}{'/' + i.department_code if i.department_code else ''}]"
              f" {i.state} due {_when(i.due_at)}" for i in items] or ["    (none)"]
    lines.append("  events:")
    for e in events:
        lines.append(f"    {e.seq:3} {_when(e.at)} {e.type:15} {e.actor:22} {_short_payload(e)}")
    return "\n".join(lines)


def _short_payload(event: CaseEvent) -> str:
    payload = json.loads(event.payload)
    shown = payload.get("data", payload) if event.type != "case_opened" else {"process": payload.get("process")}
    text = json.dumps(shown, ensure_ascii=False)
    return text if len(text) <= 100 else text[:97] + "..."


def format_replay(replayed: Replayed) -> str:
    instance = replayed.instance
    if instance is None:
        return f"after seq {replayed.seq}: (no workflow yet)"
    ready = ", ".join(f"{t.human.bpmn_id}[{t.human.role.value}]" for t in instance.ready_tasks()) or "-"
    data = {k: v for k, v in instance.data.items() if not isinstance(v, dict)}
    return "\n".join([
        f"after seq {replayed.seq}: {'completed' if instance.completed else 'running'}",
        f"  waiting for: {ready}",
        f"  next timer:  {instance.next_timer_at() or '-'}",
        "  data:",
        *[f"    {k} = {v!r}" for k, v in sorted(data.items())],
    ])
