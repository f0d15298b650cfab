"""Business rule tasks that evaluate the decision table version the case is pinned to.

SpiffWorkflow binds a ``businessRuleTask`` to one decision table when the diagram is parsed. In casegrid
the routing table (权责清单) has versions of its own: a supervisor publishes a new one without touching the
diagram, each case uses the version it was pinned to when it opened, and replay must use that same
version. So the parsed table is only the default (the seed file, used outside a case step, e.g. by the
benchmarks' bare SpiffWorkflow runs); inside a step the table comes from the step context.
"""
from __future__ import annotations

from collections.abc import Mapping, Set as AbstractSet
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.camunda.serializer.config import CAMUNDA_CONFIG
from SpiffWorkflow.camunda.specs.business_rule_task import BusinessRuleTask
from SpiffWorkflow.dmn.engine.DMNEngine import DMNEngine
from SpiffWorkflow.dmn.serializer.task_spec import BaseBusinessRuleTaskConverter
from SpiffWorkflow.dmn.specs.business_rule_task_mixin import BusinessRuleTaskMixin
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.deep_merge import DeepMerge

from engine.bpmn.context import current


class PinnedBusinessRuleTask(BusinessRuleTask):
    """A business rule task whose table is the case's pinned version of its decision (``decision_ref``)."""

    decision_ref: str = ""
    #: The table parsed with the diagram only stands in for the pinned one (a supervisor's own table).
    pinned_only: bool = False

    def _run_hook(self, my_task: Task) -> bool:
        ctx = current()
        pinned = ctx.decision(self.decision_ref) if ctx is not None else None
        if pinned is None and self.pinned_only:
            raise WorkflowTaskException(f"决策 {self.decision_ref} 没有可用的决策表版本：案件登记时没有固定"
                                        "含有这个决策的决策表", task=my_task)
        if pinned is None:
            return super()._run_hook(my_task)
        # A fresh engine per run: the spec is shared by every case (and thread) of the process version.
        try:
            my_task.data = DeepMerge.merge(my_task.data, DMNEngine(pinned).result(my_task))
        except SpiffWorkflowException as exc:
            exc.add_note(f"Business Rule Task '{self.bpmn_name}'.")
            raise
        except Exception as exc:
            error = WorkflowTaskException(str(exc), task=my_task)
            error.add_note(f"Business Rule Task '{self.bpmn_name}'.")
            raise error from None
        return super(BusinessRuleTaskMixin, self)._run_hook(my_task)


CAMUNDA_CONFIG.setdefault(PinnedBusinessRuleTask, BaseBusinessRuleTaskConverter)


def pin_decisions(spec: Any, refs_by_task: Mapping[str, str], pinned_only: AbstractSet[str] = frozenset()) -> set[str]:
    """Switch the business rule tasks of ``spec`` to :class:`PinnedBusinessRuleTask`; return the decisions used.

    ``refs_by_task`` maps a task's BPMN id to its ``camunda:decisionRef``; ``pinned_only`` names the decisions
    parsed with a placeholder table, which only a case's pinned version can evaluate.
    """
    used = set()
    for task_spec in spec.task_specs.values():
        if isinstance(task_spec, BusinessRuleTask):
            if type(task_spec) is BusinessRuleTask:
                task_spec.__class__ = PinnedBusinessRuleTask
            task_spec.decision_ref = refs_by_task.get(task_spec.bpmn_id, "")
            task_spec.pinned_only = task_spec.decision_ref in pinned_only
            used.add(task_spec.decision_ref)
    return used
