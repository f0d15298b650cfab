"""casegrid's engine: cases as BPMN processes on SpiffWorkflow, with a hash-chained event log.

Interfaces (``web/``, ``workflows/``, the CLI) use the names re-exported here.
This package never imports Flask or Prefect.
"""
from __future__ import annotations

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
from engine.service import CaseService as CaseService
