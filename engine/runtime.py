"""Load → step → save one process instance. No domain rules live here.

Every change to a workflow is an *engine event* — ``case_opened``,
``task_completed``, ``tasks_completed``, ``timers_fired``, ``task_data_set``, ``spec_migrated`` — applied by
:func:`apply_event`. Live operations and replay call the same function with
the same payload under a :class:`~engine.bpmn.context.StepContext` built from
the event's time, which is why replaying the log reproduces the snapshot.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnEvent
from SpiffWorkflow.bpmn.specs.control import BoundaryEventSplit
from SpiffWorkflow.bpmn.specs.defaults import BoundaryEvent
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.camunda.specs.event_definitions import MessageEventDefinition as CamundaMessageEventDefinition
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from engine.bpmn import determinism  # noqa: F401  (routes SpiffWorkflow's clock and ids through the step)
from engine.bpmn import limits, watchdog
from engine.bpmn.compaction import compact, completed_elements
from engine.bpmn.context import DecisionLookup, StepContext, TaskIds, step_context
from engine.bpmn.expressions import ExpressionError, restricted_script_engine
from engine.bpmn.multi_instance import complete_together
from engine.bpmn.parser import HumanTask, ParsedProcess
from engine.bpmn.serializer import dump_snapshot, load_snapshot
from engine.bpmn.watchdog import StepInterrupted
from engine.calendar import WorkCalendar
from engine.clock import as_utc
from engine.errors import CaseStepError, ConflictError
from engine.bpmn.rehang import rehang

#: Events that change the workflow; every other event type is a record only.
ENGINE_EVENTS = frozenset({"case_opened", "task_completed", "tasks_completed", "timers_fired", "task_data_set",
                           "spec_migrated", "deadline_moved", "message_received"})

#: Upper bound of engine passes per step: a diagram that loops on itself stops here.
MAX_ENGINE_PASSES = 200


@dataclass(frozen=True)
class ReadyTask:
    """A human task the workflow waits for, in terms the case store understands."""

    task_id: str
    human: HumanTask
    due_at: datetime | None
    data: Mapping[str, Any]


@dataclass
class Instance:
    """A workflow in memory together with what is needed to save it."""

    process: ParsedProcess
    workflow: BpmnWorkflow
    ids: TaskIds
    #: BPMN ids of every element the case has completed, including those compacted away.
    visited: set[str] = field(default_factory=set)
    fired_timers: list[str] = field(default_factory=list)
    _ready: list[ReadyTask] | None = field(default=None, repr=False)

    def snapshot(self) -> str:
        return dump_snapshot(self.workflow, self.ids.issued, self.visited, self.process.key)

    @property
    def completed(self) -> bool:
        return self.workflow.is_completed()

    @property
    def data(self) -> Mapping[str, Any]:
        """The process data as of the end event, or of the most recent task while running."""
        if self.workflow.is_completed():
            return self.workflow.data
        last = self.workflow.last_task
        return last.data if last is not None else self.workflow.data

    def ready_tasks(self) -> list[ReadyTask]:
        """The human tasks waiting now (computed once per step: the instance is not changed after it)."""
        if self._ready is not None:
            return self._ready
        ready = []
        for task in self.workflow.get_tasks(state=TaskState.READY, manual=True):
            human = self.process.human_tasks.get(task.task_spec.bpmn_id)
            if human is not None:
                ready.append(ReadyTask(str(task.id), human, _due_at(task), task.data))
        self._ready = ready
        return ready

    def next_timer_at(self) -> datetime | None:
        due = [_parse_time(e.value) for e in self.workflow.waiting_events()]
        # An event-based gateway waits on its catch events' definitions itself: its timer's due time is
        # kept on the gateway's task (BoundedDuration and friends, engine/bpmn/timers.py).
        due += [_parse_time(t.internal_data.get("event_value")) for t in self.workflow.event_manager.tasks.values()
                if isinstance(getattr(t.task_spec, "event_definition", None), MultipleEventDefinition)]
        known = [d for d in due if d is not None]
        return min(known) if known else None


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return as_utc(datetime.fromisoformat(value))
    except ValueError:
        return None


def _due_at(task: Task) -> datetime | None:
    """The earliest waiting timer attached to the task as a boundary event."""
    due = [_parse_time(timer.internal_data.get("event_value")) for timer in _deadline_timers(task)]
    known = [d for d in due if d is not None]
    return min(known) if known else None


def _deadline_timers(task: Task) -> list[Task]:
    parent = task.parent
    if parent is None or not isinstance(parent.task_spec, BoundaryEventSplit):
        return []
    return [sibling for sibling in parent.children if sibling is not task and sibling.state == TaskState.WAITING
            and isinstance(getattr(sibling.task_spec, "event_definition", None), TimerEventDefinition)]


def move_deadline(task: Task, due: str) -> None:
    """Let the timers attached to ``task`` fire at ``due`` (ISO 8601) instead; a task without one has no deadline."""
    timers = _deadline_timers(task)
    if not timers:
        raise CaseStepError(f"{task.task_spec.bpmn_id}: 该任务没有时限，无法延期")
    for timer in timers:
        timer._set_internal_data(event_value=due)


def new_context(case_uuid: str, ids_issued: int, at: datetime, calendar: WorkCalendar,
                decisions: DecisionLookup | None = None) -> StepContext:
    """``decisions`` finds the decision tables the case is pinned to (its routing table version)."""
    return StepContext(now=as_utc(at), ids=TaskIds(UUID(case_uuid), ids_issued), calendar=calendar,
                       decisions=decisions)


def load(process: ParsedProcess, snapshot: str, case_uuid: str) -> Instance:
    workflow, issued, visited = load_snapshot(snapshot, process)
    return Instance(process, workflow, TaskIds(UUID(case_uuid), issued), visited)


def _settle(instance: Instance) -> None:
    """Run engine tasks until only human tasks and unexpired timers are left."""

    def note_timer(task: Task) -> None:
        if isinstance(getattr(task.task_spec, "event_definition", None), TimerEventDefinition):
            instance.fired_timers.append(task.task_spec.bpmn_id)
        if isinstance(task.task_spec, BoundaryEvent) and instance.workflow.subprocesses:
            drop_orphan_subprocesses(instance.workflow)

    wf = instance.workflow
    for _ in range(MAX_ENGINE_PASSES):
        wf.do_engine_steps(will_complete_task=limits.charge, did_complete_task=note_timer)
        if not any(not t.task_spec.manual for t in wf.get_tasks(state=TaskState.READY)):
            return
    raise CaseStepError(f"流程在 {MAX_ENGINE_PASSES} 轮引擎步骤后仍未停止，可能存在无限循环")


def _apply(instance: Instance | None, process: ParsedProcess, event_type: str,
           payload: Mapping[str, Any], ctx: StepContext) -> Instance:
    instance = _run(instance, process, event_type, payload, ctx)
    instance.visited |= completed_elements(instance.workflow)
    compact(instance.workflow)
    return instance


def _run(instance: Instance | None, process: ParsedProcess, event_type: str,
         payload: Mapping[str, Any], ctx: StepContext) -> Instance:
    if event_type == "case_opened":
        workflow = BpmnWorkflow(process.spec, process.subprocess_specs,
                                script_engine=restricted_script_engine())
        instance = Instance(process, workflow, ctx.ids)
        for start in workflow.get_tasks(state=TaskState.READY):
            start.data.update(payload.get("data", {}))
        _settle(instance)
        return instance
    if instance is None:
        raise CaseStepError(f"事件 {event_type} 之前没有 case_opened")
    instance.ids = ctx.ids
    if event_type == "task_completed":
        task = _ready_task(instance, payload["task_id"])
        task.data.update(payload.get("data", {}))
        task.run()
        _settle(instance)
    elif event_type == "tasks_completed":
        # Many instances of a multi-instance task (a household vote's ballots) completed as one step.
        tasks = [_ready_task(instance, item["task_id"]) for item in payload["tasks"]]
        for task, item in zip(tasks, payload["tasks"]):
            task.data.update(item.get("data", {}))
        complete_together(instance.workflow, tasks)
        _settle(instance)
    elif event_type == "task_data_set":
        _ready_task(instance, payload["task_id"]).data.update(payload.get("data", {}))
    elif event_type == "deadline_moved":
        # An approved extension: the task's boundary timers now wait for the new time.
        move_deadline(_ready_task(instance, payload["task_id"]), str(payload["due"]))
    elif event_type == "message_received":
        # A message the diagram catches (a whistle blown from the case page); its payload lands in the
        # variable named after the message. Nobody waiting for it is the caller's mistake, not a no-op.
        name, data = str(payload["name"]), payload.get("data", {})
        event = BpmnEvent(CamundaMessageEventDefinition(name), payload={"payload": data, "result_var": name})
        if not instance.workflow.event_manager.catch(event, internal=False):
            raise ConflictError(f"案件当前不在可以接收“{name}”的环节")
        _settle(instance)
    elif event_type == "timers_fired":
        instance.workflow.refresh_timers()
        _settle(instance)
    elif event_type == "spec_migrated":
        # ``process`` is the version migrated to: the same tasks, re-hung on its spec.
        workflow, _issued, visited = rehang(instance.snapshot(), process)
        instance = Instance(process, workflow, ctx.ids, instance.visited | visited)
    else:
        raise CaseStepError(f"未知的引擎事件类型 {event_type}")
    return instance


def drop_orphan_subprocesses(workflow: BpmnWorkflow) -> None:
    """Forget the sub-processes an interrupting event has just cut off, and the timers waiting in them.

    An interrupting boundary event on a multi-instance sub-process (the departments of a dispatch) drops the
    instances' tasks from the tree, but SpiffWorkflow keeps their sub-workflows, which it then fails to find
    the parents of.
    """
    while True:
        known = set(workflow.tasks) | {t for sp in workflow.subprocesses.values() for t in sp.tasks}
        orphans = [key for key, sp in workflow.subprocesses.items() if sp.parent_task_id not in known]
        if not orphans:
            return
        for key in orphans:
            for task_id in workflow.subprocesses.pop(key).tasks:
                workflow.event_manager.tasks.pop(task_id, None)


def _ready_task(instance: Instance, task_id: str) -> Task:
    task = instance.workflow.get_task_from_id(UUID(task_id))
    if task is None or task.state != TaskState.READY:
        raise ConflictError("该任务已不在待办状态（可能已被他人办理）")
    return task


def apply_event(instance: Instance | None, process: ParsedProcess, event_type: str,
                payload: Mapping[str, Any], ctx: StepContext, *, holds_lock: bool = True) -> Instance:
    """Apply one engine event under ``ctx``; any failure of the step becomes :class:`CaseStepError`.

    The step runs within the budget of :mod:`engine.bpmn.limits`, enforced between engine tasks and, by
    :mod:`engine.bpmn.watchdog`, inside a single long one (in wall time too when it ``holds_lock``). Whatever fails is named after the element that
    was running (HTTP 422), never an unexpected error (500). On error the instance must be discarded:
    SpiffWorkflow may have changed it half-way.
    """
    budget: limits.StepBudget | None = None
    try:
        with step_context(ctx), limits.bounded_step() as budget:
            if instance is not None:
                instance._ready = None
            with watchdog.armed(budget.max_seconds, wall_limit=holds_lock):
                instance = _apply(instance, process, event_type, payload, ctx)
            instance.ids = ctx.ids
            return instance
    except StepInterrupted:
        raise limits.out_of_time(budget or limits.StepBudget()) from None
    except (CaseStepError, ConflictError):
        raise
    except ExpressionError as exc:
        raise CaseStepError(f"流程表达式出错，案件保持原状：{_at(budget)}{exc}", element=_element(budget)) from None
    except SpiffWorkflowException as exc:
        where = getattr(getattr(exc, "task_spec", None), "bpmn_id", None)
        prefix = f"{where}: " if where else _at(budget)
        # SpiffWorkflow says only "Error evaluating expression": the refusal it wraps says why.
        cause = exc.__context__
        if isinstance(cause, CaseStepError):
            raise CaseStepError(cause.message, element=cause.element) from None
        reason = f"（{cause}）" if isinstance(cause, ExpressionError) else ""
        raise CaseStepError(f"流程执行出错，案件保持原状：{prefix}{exc}{reason}",
                            element=where or _element(budget)) from None
    except Exception as exc:  # e.g. a value SpiffWorkflow cannot use: the reporter gets a refusal, not a 500
        raise CaseStepError(f"流程执行出错，案件保持原状：{_at(budget)}{type(exc).__name__}: {exc}"[:1000],
                            element=_element(budget)) from None


def _element(budget: limits.StepBudget | None) -> str | None:
    """The BPMN id of the engine task that was running, if one was."""
    return limits.element_of(budget.task) if budget is not None else None


def _at(budget: limits.StepBudget | None) -> str:
    where = _element(budget)
    return f"{where}: " if where else ""
