"""Workflow snapshots that store the spec by reference.

SpiffWorkflow's serializer embeds the whole process spec in every serialized
instance. Published specs never change, so casegrid stores each version once
(``process_version``) and a snapshot holds only the instance state plus the
count of task ids issued (see :class:`engine.bpmn.context.TaskIds`). The
converter for ``BpmnWorkflow`` is replaced by registration, the way
SpiffWorkflow's own configs extend the serializer.
"""
from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnSubWorkflowConverter, BpmnWorkflowConverter, TaskConverter
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.util.subworkflow import BpmnSubWorkflow
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.camunda.serializer.config import CAMUNDA_CONFIG
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from engine.bpmn.expressions import restricted_script_engine
from engine.bpmn.parser import ParsedProcess
from engine.bpmn.snapshot_migrations import SNAPSHOT_FORMAT, migrate


def _task_order(workflow: Any) -> list[str]:
    # Snapshots are written with sorted keys, but SpiffWorkflow rebuilds each task's data
    # from its parent's, so parents must be restored first: keep the creation order.
    return [str(task_id) for task_id in workflow.tasks]


def _restore_tasks(converter: Any, dct: dict[str, Any], workflow: Any) -> dict[UUID, Any]:
    tasks = dct["tasks"]
    return {UUID(task_id): converter.registry.restore(tasks[task_id], workflow=workflow)
            for task_id in dct["task_order"]}


class SortedDeltaTaskConverter(TaskConverter):
    """A task's keys deleted from its parent's data, sorted (format 3): SpiffWorkflow lists them in the order of
    the parent's data, which is insertion order in a workflow kept in memory but sorted order in one just loaded
    (snapshots are written with sorted keys), so the same state could be written two ways."""

    def to_dict(self, task: Any) -> dict[str, Any]:
        dct: dict[str, Any] = super().to_dict(task)
        delta = dct.get("delta")
        if delta and delta.get("deletions"):
            delta["deletions"] = sorted(delta["deletions"])
        return dct


class OrderedSubWorkflowConverter(BpmnSubWorkflowConverter):
    def to_dict(self, workflow: Any) -> dict[str, Any]:
        return {**super().to_dict(workflow), "task_order": _task_order(workflow)}

    def from_dict(self, dct: dict[str, Any], task: Any, top_workflow: Any) -> Any:
        spec = top_workflow.subprocess_specs.get(task.task_spec.spec)
        subprocess = self.target_class(spec, task.id, top_workflow, deserializing=True)
        subprocess.tasks = _restore_tasks(self, dct, subprocess)
        subprocess.task_tree = subprocess.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(subprocess, dct)
        return subprocess


class SpecByReferenceConverter(BpmnWorkflowConverter):
    """Leaves the spec out of the dict; restores around a spec the caller already parsed."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct = super(BpmnWorkflowConverter, self).to_dict(workflow)
        dct["task_order"] = _task_order(workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct: dict[str, Any], process: ParsedProcess | None = None) -> BpmnWorkflow:
        if process is None:
            raise ValueError("a casegrid snapshot needs its process spec to be restored")
        workflow = BpmnWorkflow(process.spec, process.subprocess_specs, deserializing=True,
                                script_engine=restricted_script_engine())
        workflow.tasks = _restore_tasks(self, dct, workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


_config = dict(CAMUNDA_CONFIG)
_config[BpmnWorkflow] = SpecByReferenceConverter
_config[BpmnSubWorkflow] = OrderedSubWorkflowConverter
_config[Task] = SortedDeltaTaskConverter
_serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(_config))


def canonical_json(value: Any) -> str:
    """One text per value: sorted keys, no spaces, UTF-8 kept — what hashes and comparisons use."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def dump_snapshot(workflow: BpmnWorkflow, ids_issued: int, visited: set[str], process_key: str) -> str:
    return canonical_json({
        "format": SNAPSHOT_FORMAT,
        "serializer_version": _serializer.VERSION,
        "process": process_key,
        "ids_issued": ids_issued,
        "visited": sorted(visited),
        "workflow": _serializer.to_dict(workflow),
    })


def current_envelope(snapshot: str, process: ParsedProcess) -> dict[str, Any]:
    """The snapshot's envelope in the format this engine writes (older formats migrated, see
    :mod:`engine.bpmn.snapshot_migrations`)."""
    return migrate(json.loads(snapshot), process, _serializer.VERSION)


def current_snapshot(snapshot: str, process: ParsedProcess) -> str:
    """``snapshot`` as this engine would write it: what verify compares a replay with."""
    envelope = json.loads(snapshot)
    if envelope.get("format") == SNAPSHOT_FORMAT and envelope.get("serializer_version") == _serializer.VERSION:
        return snapshot
    return canonical_json(migrate(envelope, process, _serializer.VERSION))


def as_loaded(workflow: BpmnWorkflow) -> None:
    """Put what a snapshot does not hold the way :func:`load_snapshot` rebuilds it, so that a workflow kept in
    memory after a step runs the next step exactly as the same workflow loaded from its snapshot would.

    A load restores the sub-workflows depth first in task order, drops those no task leads to, and registers
    the waiting catch events in that order (SpiffWorkflow's event manager: which waiting event catches first
    follows it); in memory both keep the order things happened in. A load also gives every dict inside the
    data its keys in sorted order (the snapshot is written with sorted keys), where in memory a dict a script
    built keeps its insertion order, which an expression iterating it would see: they are sorted in place
    (the objects stay the same, so what tasks share stays shared).
    """
    order: list[Any] = []

    def visit(wf: Any) -> None:
        for task in wf.tasks.values():
            if isinstance(task.task_spec, SubWorkflowTask) and task.id in workflow.subprocesses:
                order.append(task.id)
                visit(workflow.subprocesses[task.id])
    visit(workflow)
    workflow.subprocesses = {task_id: workflow.subprocesses[task_id] for task_id in order}
    waiting = workflow.event_manager.tasks
    waiting.clear()
    seen: set[int] = set()
    for wf in [workflow, *workflow.subprocesses.values()]:
        _sort_nested(wf.data, seen)
        for task in wf.tasks.values():
            if isinstance(task.task_spec, CatchingEvent) and task.has_state(TaskState.WAITING):
                waiting[task.id] = task
            _sort_nested(task.data, seen)
            _sort_nested(task.internal_data, seen)


def _sort_nested(value: Any, seen: set[int]) -> None:
    """Sort the keys of every dict inside ``value`` (not ``value``'s own: a task's data keeps its order)."""
    for item in (value.values() if isinstance(value, dict) else value):
        if isinstance(item, (dict, list)) and id(item) not in seen:
            seen.add(id(item))
            if isinstance(item, dict) and list(item) != sorted(item, key=str):
                ordered = sorted(item.items(), key=lambda kv: str(kv[0]))
                item.clear()
                item.update(ordered)
            _sort_nested(item, seen)


def load_snapshot(snapshot: str, process: ParsedProcess) -> tuple[BpmnWorkflow, int, set[str]]:
    """The workflow, its ids-issued count and the elements it completed, rebuilt around the parsed spec."""
    envelope = current_envelope(snapshot, process)
    workflow = _serializer.from_dict(envelope["workflow"], process=process)
    return workflow, int(envelope["ids_issued"]), set(envelope["visited"])
