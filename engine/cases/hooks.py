"""Domain reactions to work items, keyed by the process and the task's form key (``camunda:formKey``).

The case operations stay generic; each process's domain module (the civic
loop, mediation) says what its forms mean by registering hooks for its own
process, so a supervisor's process that happens to use the same form key gets
none of them. A hook may return records — ``(event type, payload)`` — to
append to the log after the engine event. A domain that opens its cases
through a page of its own (the civic loop's report, mediation's intake) says so
with :meth:`HookRegistry.own_intake`; the generic "新建案件" leaves it alone. What an intake carries beyond
the case row (the reporter's contact, which the civic loop keeps) a domain stores through
:meth:`HookRegistry.on_case_opened`, for a case of any process.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from engine.cases.models import Case, WorkItem
from engine.people.actor import Actor

if TYPE_CHECKING:
    from engine.cases.intake import Intake

Record = tuple[str, dict[str, Any]]
Validator = Callable[[Session, Case, Mapping[str, Any], datetime], None]
OnOpened = Callable[[Session, Case, WorkItem, Mapping[str, Any], datetime], None]
OnCompleted = Callable[[Session, Case, WorkItem, Mapping[str, Any], datetime, Actor], list[Record]]
OnCancelled = Callable[[Session, Case, WorkItem, datetime, bool], list[Record]]
#: ``(session, case, item, previous department, at)``: the item now carries its new department.
OnReassigned = Callable[[Session, Case, WorkItem, str | None, datetime], None]
#: ``(session, new case, its intake)``: the case row is flushed (it has its id), its first event not yet written.
OnCaseOpened = Callable[[Session, Case, "Intake"], None]


@dataclass
class FormHooks:
    validate: Validator | None = None
    opened: OnOpened | None = None
    completed: OnCompleted | None = None
    #: Called with ``by_timer=True`` when a deadline cancelled the item.
    cancelled: OnCancelled | None = None
    #: Called when a supervisor moves the open item to another department (改派).
    reassigned: OnReassigned | None = None


#: Hooks registered without a process apply to every process.
ANY_PROCESS = "*"


@dataclass
class HookRegistry:
    #: ``(process key, form key)`` → hooks.
    by_form_key: dict[tuple[str, str], FormHooks] = field(default_factory=dict)
    #: Processes whose cases open through a domain's own intake, not the generic start form.
    intake_owners: dict[str, str] = field(default_factory=dict)
    #: Called, in order, for every new case of any process (see :data:`OnCaseOpened`).
    case_opened: list[OnCaseOpened] = field(default_factory=list)

    def register(self, form_key: str, hooks: FormHooks, process_key: str = ANY_PROCESS) -> None:
        if (process_key, form_key) in self.by_form_key:
            raise ValueError(f"form key {form_key!r} of {process_key} already has hooks")
        self.by_form_key[(process_key, form_key)] = hooks

    def for_process(self, process_key: str) -> _ProcessHooks:
        """Register hooks that apply to ``process_key``'s tasks only."""
        return _ProcessHooks(self, process_key)

    def own_intake(self, process_key: str, page: str) -> None:
        """Cases of ``process_key`` open through ``page`` (a name the interfaces know), never the generic start."""
        self.intake_owners[process_key] = page

    def on_case_opened(self, hook: OnCaseOpened) -> None:
        """Call ``hook`` for every new case, before its first event (what it writes is in that transaction)."""
        self.case_opened.append(hook)

    def get(self, form_key: str | None, process_key: str | None = None) -> FormHooks:
        key = form_key or ""
        if process_key is not None and (hooks := self.by_form_key.get((process_key, key))) is not None:
            return hooks
        return self.by_form_key.get((ANY_PROCESS, key), _NONE)


@dataclass(frozen=True)
class _ProcessHooks:
    registry: HookRegistry
    process_key: str

    def register(self, form_key: str, hooks: FormHooks) -> None:
        self.registry.register(form_key, hooks, self.process_key)


_NONE = FormHooks()

