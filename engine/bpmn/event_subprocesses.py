"""Wire a diagram's event-triggered sub-processes when it is parsed, so that running it never changes it.

SpiffWorkflow starts an event sub-process whose start event waits for a message, signal, error or
escalation only when that event arrives (``BpmnStartTask.trigger_wf``), and on that first trigger it
connects the sub-process to the process's start and end: it edits the parsed spec. casegrid parses a
version once per OS process and shares it between every case, live step and replay, so after one
trigger every later case of that version in the same process grew a differently shaped task tree —
and a case created in one process no longer replayed to its snapshot in another ("replay failed", a
false alarm an auditor cannot tell from tampering).

Doing here, once, the part of the wiring that ``trigger_wf`` checks for (the sub-process lists the
start among its inputs and flows into the process end) makes the trigger find it done; the start's own
outputs stay as parsed, so a new case never starts such a sub-process before its event arrives.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def wire_triggered_subprocesses(specs: Iterable[Any]) -> None:
    """Pre-wire the event sub-processes of every process spec given (the top one and its sub-processes)."""
    for spec in specs:
        start = getattr(spec, "start", None)
        for name in getattr(start, "trigger_specs", None) or ():
            task_spec = spec.task_specs.get(name)
            if task_spec is None:
                continue
            if start not in task_spec.inputs:
                task_spec.inputs = [*task_spec.inputs, start]  # a property: names are kept, not specs
            if spec.end not in task_spec.outputs:
                task_spec.connect(spec.end)
