"""Keep a running workflow's task tree bounded, whatever the case's age.

SpiffWorkflow never removes finished tasks: every loop of a case (a reopened
rating, an escalation, a deferred resolution) nests another copy of the path
below the last, and loading, stepping and saving all walk the whole tree. So a
step's cost would grow with the case's history (see bench/RESULTS.md).

The history is not needed to go on: casegrid's event log is the record, and
SpiffWorkflow consults the tree only around the tasks that are still unfinished
— their ancestors up to the split that opened their branch (boundary events,
parallel and inclusive joins, multi-instance parents all look no further than
the lowest common ancestor of the unfinished tasks). Everything above that
ancestor is finished history; it is cut away and the ancestor re-hung under the
root. Which elements were ever completed is kept as a small set instead, for
drawing the path a case has taken.

Compaction depends only on the tree, so a replay that applies the same events
compacts at the same points and reproduces the stored snapshot exactly.
"""
from __future__ import annotations

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState


def completed_elements(workflow: BpmnWorkflow) -> set[str]:
    """BPMN ids of every task now in the tree (sub-processes included) that has completed."""
    trees = [workflow.tasks.values(), *(sp.tasks.values() for sp in workflow.subprocesses.values())]
    return {t.task_spec.bpmn_id for tasks in trees for t in tasks
            if t.state == TaskState.COMPLETED and getattr(t.task_spec, "bpmn_id", None)}


def _path_from_root(task: Task) -> list[Task]:
    path = []
    node: Task | None = task
    while node is not None:
        path.append(node)
        node = node.parent
    path.reverse()
    return path


def _lowest_common_ancestor(tasks: list[Task]) -> Task | None:
    paths = [_path_from_root(t) for t in tasks]
    common = None
    for level in zip(*paths):
        if any(node is not level[0] for node in level):
            break
        common = level[0]
    return common


def compact(workflow: BpmnWorkflow) -> int:
    """Cut the finished history above the unfinished tasks; return how many tasks were removed."""
    unfinished = [t for t in workflow.tasks.values() if not t.has_state(TaskState.FINISHED_MASK)]
    if not unfinished:
        return 0
    root = workflow.task_tree
    keep_from = _lowest_common_ancestor(unfinished)
    if keep_from is None or keep_from is root or keep_from.parent is root:
        return 0
    kept = {t.id for t in keep_from}  # iterating a task walks its subtree
    kept.add(root.id)
    removed = [task_id for task_id in workflow.tasks if task_id not in kept]
    for task_id in removed:
        del workflow.tasks[task_id]
    keep_from._parent = root.id
    root._children = [keep_from.id]
    # Waiting events of the cut history go; those of running sub-processes live in their own trees and stay.
    for task_id in [i for i, t in workflow.event_manager.tasks.items() if i not in kept and t.workflow is workflow]:
        del workflow.event_manager.tasks[task_id]
    # A finished sub-process (one department's part of a dispatch) goes with the task it ran under.
    for task_id in [i for i in workflow.subprocesses if i not in kept]:
        del workflow.subprocesses[task_id]
    if workflow.last_task is not None and workflow.last_task.id not in kept:
        workflow.last_task = keep_from
    return len(removed)
