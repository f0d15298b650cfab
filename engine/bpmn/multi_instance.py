"""Multi-instance user tasks that stay linear in their number of instances.

A household vote is one parallel multi-instance user task with a child per household (300 and more).
SpiffWorkflow 3.2 is quadratic there in two places: after *every* completed task the workflow walks
the whole tree to update waiting tasks, and after every merged child the multi-instance task checks
all its children again. casegrid persists the instances elsewhere (one ballot row each) and completes
them in one engine event, so what matters is completing N children in one go in O(N):

- :class:`LinearParallelMultiInstanceTask` counts merged children instead of scanning them;
- :func:`complete_together` defers the waiting-task walk to the end of the batch and runs the
  multi-instance task itself before any timer attached to it is looked at, so a boundary timer that
  is due at the same moment cannot cancel a batch that has just completed every instance.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from SpiffWorkflow.bpmn.serializer.default.task_spec import MultiInstanceTaskConverter
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.camunda.serializer.config import CAMUNDA_CONFIG
from SpiffWorkflow.camunda.specs.multiinstance_task import ParallelMultiInstanceTask
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState


class LinearParallelMultiInstanceTask(ParallelMultiInstanceTask):
    """Camunda's parallel multi-instance task with an O(1) "are all children done" check."""

    def create_children(self, my_task: Task) -> None:
        super().create_children(my_task)
        my_task.internal_data["instances"] = sum(1 for _ in self._instances(my_task))

    def children_complete(self, my_task: Task) -> bool:
        expected = my_task.internal_data.get("instances")
        if expected is None:
            return super().children_complete(my_task)
        return len(my_task.internal_data.get("merged", [])) >= expected


# A spec parsed by casegrid must stay serializable by SpiffWorkflow's own Camunda serializer (the benchmarks
# run bare SpiffWorkflow on the same parsed specs with the spec embedded): it converts the subclass as its base.
CAMUNDA_CONFIG.setdefault(LinearParallelMultiInstanceTask, MultiInstanceTaskConverter)


def make_linear(spec: Any) -> set[str]:
    """Switch the parallel multi-instance tasks of ``spec`` to the linear class; return their instance specs' names.

    The specs are shared by every case of a process version and never serialized (snapshots refer to them),
    so changing the class here changes behaviour only, not any stored data.
    """
    instance_specs = set()
    for task_spec in spec.task_specs.values():
        if isinstance(task_spec, MultiInstanceTask):
            instance_specs.add(task_spec.task_spec)
            if type(task_spec) is ParallelMultiInstanceTask:
                task_spec.__class__ = LinearParallelMultiInstanceTask
    return instance_specs


@contextmanager
def _waiting_updates_deferred(workflow: BpmnWorkflow) -> Iterator[None]:
    workflow.update_waiting_tasks = lambda: None  # type: ignore[method-assign]
    try:
        yield
    finally:
        del workflow.update_waiting_tasks


def complete_together(workflow: BpmnWorkflow, tasks: Sequence[Task]) -> None:
    """Complete ready tasks (each with its data already set) as one step, in the given order."""
    with _waiting_updates_deferred(workflow):
        for task in tasks:
            task.run()
        # A multi-instance task whose instances are all merged is READY now: run it before timers are updated.
        parents = {t.parent.id: t.parent for t in tasks if t.parent is not None
                   and isinstance(t.parent.task_spec, MultiInstanceTask)}
        for parent in parents.values():
            if parent.state == TaskState.READY:
                parent.run()
    workflow.update_waiting_tasks()
