"""Move a running workflow onto another version of its process (the ``spec_migrated`` engine event).

SpiffWorkflow's tasks name their ``task_spec``; a snapshot stores only those
names (casegrid keeps the spec by reference), so restoring a snapshot around the
new version's spec re-hangs every task on the new definition. Two things need care:

- The tasks SpiffWorkflow merely *predicted* (FUTURE, LIKELY and MAYBE tasks below
  the tasks the case waits at) describe the old diagram's next steps. They are
  dropped before restoring and predicted again from the new spec.
- Every other task (the active ones and the finished ancestors the tree still keeps)
  must exist in the new version, and an active task must not have gained boundary
  events (a new deadline cannot be attached to a task that is already running).

:func:`migration_problems` says whether that holds; the dry run shows its answer and
:func:`rehang` refuses to do anything else.
"""
from __future__ import annotations

import json
from typing import Any

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from engine.bpmn.parser import ParsedProcess
from engine.bpmn.serializer import load_snapshot
from engine.errors import CaseStepError

_PREDICTED = TaskState.FUTURE | TaskState.PREDICTED_MASK
_ACTIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED
_SPLIT = ".BoundaryEventSplit"


def _element(spec_name: str) -> str:
    """The BPMN id behind a task spec name (``accept.BoundaryEventSplit`` → ``accept``)."""
    return spec_name.split(".", 1)[0]


def _tasks(envelope: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return envelope["workflow"]["tasks"]


def _predicted_ids(tasks: dict[str, dict[str, Any]]) -> set[str]:
    """Predicted tasks hanging below an unfinished task: the old diagram's guesses about what comes next."""
    dropped: set[str] = set()
    for task_id, task in tasks.items():
        if not task["state"] & _PREDICTED:
            continue
        parent = tasks.get(task["parent"] or "")
        if parent is not None and not parent["state"] & TaskState.FINISHED_MASK:
            dropped.add(task_id)
    # and everything below a dropped task
    changed = True
    while changed:
        changed = False
        for task_id, task in tasks.items():
            if task_id not in dropped and task["parent"] in dropped:
                dropped.add(task_id)
                changed = True
    return dropped


def active_elements(snapshot: str) -> list[str]:
    """BPMN ids of the tasks the case waits at now (ready user tasks, waiting timers)."""
    tasks = _tasks(json.loads(snapshot))
    return sorted({_element(t["task_spec"]) for t in tasks.values() if t["state"] & _ACTIVE})


def migration_problems(snapshot: str, process: ParsedProcess) -> list[str]:
    """Why the case in ``snapshot`` cannot move to ``process`` (``"<element id>: <reason>"``); empty if it can."""
    envelope = json.loads(snapshot)
    if envelope["workflow"].get("subprocesses"):
        return ["subprocess: 案件正在子流程中，暂不支持迁移"]
    tasks = _tasks(envelope)
    specs = process.spec.task_specs
    dropped = _predicted_ids(tasks)
    problems: list[str] = []
    for task_id, task in tasks.items():
        if task_id in dropped or task["task_spec"] in specs:
            continue
        element = _element(task["task_spec"])
        if task["task_spec"].endswith(_SPLIT):
            problems.append(f"{element}: 新版本去掉了该任务的边界事件（如超时定时器），进行中的任务无法迁移")
        elif task["state"] & _ACTIVE:
            problems.append(f"{element}: 案件当前所在的环节在新版本中不存在")
        elif task["state"] & TaskState.FINISHED_MASK:
            problems.append(f"{element}: 案件经过的环节（{task['task_spec']}）在新版本中不存在，流程历史无法对应")
        else:
            problems.append(f"{element}: 等待中的环节（{task['task_spec']}）在新版本中不存在")
    for task in tasks.values():
        name = task["task_spec"]
        if not task["state"] & TaskState.READY or name not in specs:
            continue
        parent = tasks.get(task["parent"] or "")
        has_split = parent is not None and parent["task_spec"] == f"{name}{_SPLIT}"
        if not has_split and f"{name}{_SPLIT}" in specs:
            problems.append(f"{name}: 新版本给进行中的任务新增了边界事件（如超时定时器），只能用于新案件")
    return sorted(set(problems))


def rehang(snapshot: str, process: ParsedProcess) -> tuple[BpmnWorkflow, int, set[str]]:
    """Restore ``snapshot`` around ``process``'s spec and predict its next steps anew.

    Must run inside a step context: predicting creates tasks, whose ids come from the case's sequence.
    """
    problems = migration_problems(snapshot, process)
    if problems:
        raise CaseStepError("案件不能迁移到该版本：" + "；".join(problems))
    envelope = json.loads(snapshot)
    workflow_dict = envelope["workflow"]
    tasks = workflow_dict["tasks"]
    dropped = _predicted_ids(tasks)
    for task_id in dropped:
        del tasks[task_id]
    workflow_dict["task_order"] = [t for t in workflow_dict["task_order"] if t not in dropped]
    for task in tasks.values():
        task["children"] = [c for c in task["children"] if c not in dropped]
    workflow, issued, visited = load_snapshot(json.dumps(envelope), process)
    for task in [t for t in workflow.get_tasks() if t.has_state(_ACTIVE)]:
        task.task_spec._predict(task, mask=TaskState.NOT_FINISHED_MASK)
    return workflow, issued, visited
