"""Domain reactions to work items, keyed by the task's form key (``camunda:formKey``).

The case operations stay generic; each process's domain module (the civic
loop here, mediation later) says what its forms mean by registering hooks.
A hook may return records — ``(event type, payload)`` — to append to the log
after the engine event.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from engine.cases.models import Case, WorkItem
from engine.people.actor import Actor

Record = tuple[str, dict[str, Any]]
Validator = Callable[[Session, Case, Mapping[str, Any], datetime], None]
OnOpened = Callable[[Session, Case, WorkItem, Mapping[str, Any], datetime], None]
OnCompleted = Callable[[Session, Case, WorkItem, Mapping[str, Any], datetime, Actor], list[Record]]
OnCancelled = Callable[[Session, Case, WorkItem, datetime, bool], list[Record]]


@dataclass
class FormHooks:
    validate: Validator | None = None
    opened: OnOpened | None = None
    completed: OnCompleted | None = None
    #: Called with ``by_timer=True`` when a deadline cancelled the item.
    cancelled: OnCancelled | None = None


@dataclass
class HookRegistry:
    by_form_key: dict[str, FormHooks] = field(default_factory=dict)

    def register(self, form_key: str, hooks: FormHooks) -> None:
        if form_key in self.by_form_key:
            raise ValueError(f"form key {form_key!r} already has hooks")
        self.by_form_key[form_key] = hooks

    def get(self, form_key: str | None) -> FormHooks:
        return self.by_form_key.get(form_key or "", _NONE)


_NONE = FormHooks()

