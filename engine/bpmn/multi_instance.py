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
from SpiffWorkflow.bpmn.specs.data_spec import TaskDataReference
from SpiffWorkflow.bpmn.specs.mixins import BpmnSpecMixin
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask, MultiInstanceTask
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.camunda.serializer.config import CAMUNDA_CONFIG
from SpiffWorkflow.camunda.specs.multiinstance_task import ParallelMultiInstanceTask, SequentialMultiInstanceTask
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from engine.bpmn import limits
from engine.errors import CaseStepError


def check_instances(task_spec: MultiInstanceTask, my_task: Task) -> None:
    """Refuse, before any is created, more instances than :data:`~engine.bpmn.limits.MAX_INSTANCES`.

    A count of 20 000 from a report's data made 20 000 tasks and an 8.5 MB snapshot in one step; 10**8
    filled the memory. The count comes from the data (``loopCardinality``) or the length of the input.
    """
    if task_spec.cardinality is not None:
        count: Any = my_task.workflow.script_engine.evaluate(my_task, task_spec.cardinality)
    elif task_spec.data_input is not None:
        items = task_spec.data_input.get(my_task) if task_spec.data_input.exists(my_task) else ()
        count = len(items) if hasattr(items, "__len__") else None
    else:
        return
    if count is None or isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= limits.MAX_INSTANCES:
        raise CaseStepError(f"{task_spec.bpmn_id}: 多实例任务的实例数 {count!r} 不可用：必须是 0 到 "
                            f"{limits.MAX_INSTANCES} 之间的整数；案件保持原状", element=task_spec.bpmn_id)


def _checked_before_camunda(task_spec: MultiInstanceTask, my_task: Task) -> None:
    """What Camunda's ``update_task_spec`` does first (take the parent's data, wait), then :func:`check_instances`."""
    if my_task.state != TaskState.WAITING:
        BpmnSpecMixin._update_hook(task_spec, my_task)
        my_task._set_state(TaskState.WAITING)
    check_instances(task_spec, my_task)


class LinearParallelMultiInstanceTask(ParallelMultiInstanceTask):
    """Camunda's parallel multi-instance task with an O(1) "are all children done" check."""

    def _update_hook(self, my_task: Task) -> Any:
        # Checked before Camunda's hook, which turns a count that is not an int into an input collection by
        # changing the spec itself — shared by every case of the version, so the next case would inherit it.
        _checked_before_camunda(self, my_task)
        return super()._update_hook(my_task)

    def create_children(self, my_task: Task) -> None:
        super().create_children(my_task)
        my_task.internal_data["instances"] = sum(1 for _ in self._instances(my_task))

    def children_complete(self, my_task: Task) -> bool:
        expected = my_task.internal_data.get("instances")
        if expected is None:
            return super().children_complete(my_task)
        return len(my_task.internal_data.get("merged", [])) >= expected


class BoundedSequentialMultiInstanceTask(SequentialMultiInstanceTask):
    """Camunda's sequential multi-instance task, its count checked as the parallel one's."""

    def _update_hook(self, my_task: Task) -> Any:
        _checked_before_camunda(self, my_task)
        return super()._update_hook(my_task)


# A spec parsed by casegrid must stay serializable by SpiffWorkflow's own Camunda serializer (the benchmarks
# run bare SpiffWorkflow on the same parsed specs with the spec embedded): it converts the subclass as its base.
CAMUNDA_CONFIG.setdefault(LinearParallelMultiInstanceTask, MultiInstanceTaskConverter)
CAMUNDA_CONFIG.setdefault(BoundedSequentialMultiInstanceTask, MultiInstanceTaskConverter)


def make_linear(spec: Any) -> set[str]:
    """Switch the multi-instance tasks of ``spec`` to the linear (parallel) or bounded (sequential) class; return
    their instance specs' names.

    The specs are shared by every case of a process version and never serialized (snapshots refer to them),
    so changing the class here changes behaviour only, not any stored data.
    """
    instance_specs = set()
    for task_spec in spec.task_specs.values():
        if isinstance(task_spec, MultiInstanceTask):
            instance_specs.add(task_spec.task_spec)
            if type(task_spec) is ParallelMultiInstanceTask:
                task_spec.__class__ = LinearParallelMultiInstanceTask
            elif type(task_spec) is SequentialMultiInstanceTask:
                task_spec.__class__ = BoundedSequentialMultiInstanceTask
    return instance_specs


def settle_run_time_wiring(spec: Any) -> None:
    """Make, once when the version is parsed, the changes SpiffWorkflow makes to the spec of a loop or
    multi-instance task the first time it runs one — in that OS process — so that every process behaves alike,
    whatever it ran before.

    The spec is shared by every case of the version, and SpiffWorkflow finishes wiring it at run time:

    - ``create_child`` connects the parent's ``merge_child`` to the instance spec's ``completed_event``, the only
      way the parent hears an instance finish;
    - Camunda's ``update_task_spec`` points an input collection's ``data_input`` (and the item) at the output
      collection: a department's instance is merged into the list in place, not appended to it.

    In a process that had created no instance of the spec yet (a server restarted after a case was dispatched,
    the departments' instances already waiting), the last instance finishing went unheard: the multi-instance
    task never became ready and the case stood still with nothing to do; with only the first change made, the
    collection grew a second copy of the department. Either way its snapshot no longer replayed (a replay
    creates the instances itself). At run time SpiffWorkflow then finds the connection made and sets the same
    references again.
    """
    for task_spec in spec.task_specs.values():
        if isinstance(task_spec, (ParallelMultiInstanceTask, SequentialMultiInstanceTask)):
            _camunda_references(task_spec)
        if isinstance(task_spec, LoopTask):
            instance = spec.task_specs.get(task_spec.task_spec)
            if instance is not None and not instance.completed_event.is_connected(task_spec.merge_child):
                instance.completed_event.connect(task_spec.merge_child)


def _camunda_references(task_spec: MultiInstanceTask) -> None:
    """What ``SpiffWorkflow.camunda.specs.multiinstance_task.update_task_spec`` sets whatever the case's data (its
    other branch, a count that is not an int, is refused before it runs: :func:`check_instances`)."""
    output_item = TaskDataReference(task_spec.output_item.bpmn_id) if task_spec.output_item is not None else None
    if task_spec.cardinality is None:
        if task_spec.data_output is not None:
            task_spec.data_input = TaskDataReference(task_spec.data_output.bpmn_id)
            task_spec.input_item = output_item
    else:
        task_spec.input_item = output_item


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
