"""casegrid's engine: cases as BPMN processes on SpiffWorkflow, with a hash-chained event log.

Interfaces (``web/``, ``workflows/``, the CLI) use the names re-exported here.
This package never imports Flask or Prefect.

The names load on first use (PEP 562): ``import engine.config`` or ``casegrid --help`` must not pay for
SpiffWorkflow, SQLAlchemy's models and every domain, which take seconds on a busy 2-core machine.
"""
from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

#: Exported name → the module that defines it.
_EXPORTS = {
    "CATEGORIES": "engine.cases.intake",
    "Intake": "engine.cases.intake",
    "Clock": "engine.clock",
    "FixedClock": "engine.clock",
    "SystemClock": "engine.clock",
    "Database": "engine.db",
    "BusyError": "engine.errors",
    "CasegridError": "engine.errors",
    "CaseStepError": "engine.errors",
    "ConflictError": "engine.errors",
    "NotFound": "engine.errors",
    "PermissionDenied": "engine.errors",
    "SpecError": "engine.errors",
    "ValidationError": "engine.errors",
    "SYSTEM": "engine.people.actor",
    "Actor": "engine.people.actor",
    "Role": "engine.people.roles",
    "CaseService": "engine.cases.service",
    "PeopleService": "engine.people.service",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'engine' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value  # the next look-up is a plain attribute
    return value


if TYPE_CHECKING:  # what type checkers and editors see (tests/engine/test_cli_lazy.py keeps it equal to _EXPORTS)
    from engine.cases.intake import CATEGORIES as CATEGORIES
    from engine.cases.intake import Intake as Intake
    from engine.clock import Clock as Clock
    from engine.clock import FixedClock as FixedClock
    from engine.clock import SystemClock as SystemClock
    from engine.db import Database as Database
    from engine.errors import BusyError as BusyError
    from engine.errors import CasegridError as CasegridError
    from engine.errors import CaseStepError as CaseStepError
    from engine.errors import ConflictError as ConflictError
    from engine.errors import NotFound as NotFound
    from engine.errors import PermissionDenied as PermissionDenied
    from engine.errors import SpecError as SpecError
    from engine.errors import ValidationError as ValidationError
    from engine.people.actor import SYSTEM as SYSTEM
    from engine.people.actor import Actor as Actor
    from engine.people.roles import Role as Role
    from engine.cases.service import CaseService as CaseService
    from engine.people.service import PeopleService as PeopleService
