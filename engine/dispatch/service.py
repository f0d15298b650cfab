"""Dispatch as the interfaces use it (the case page's whistle, extensions, urging): one transaction per call."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from engine.cases.hooks import HookRegistry
from engine.cases.steps import StepResult
from engine.clock import Clock, SystemClock
from engine.db import Database
from engine.dispatch import board, operations
from engine.dispatch.board import PendingExtension
from engine.people.actor import Actor
from engine.processes import default_hooks


class DispatchService:
    def __init__(self, db: Database, clock: Clock | None = None, hooks: HookRegistry | None = None,
                 max_extension_days: int = operations.MAX_EXTENSION_DAYS) -> None:
        self.db = db
        self.clock = clock or SystemClock()
        self.hooks = hooks or default_hooks()
        self.max_extension_days = max_extension_days

    def blow_whistle(self, case_ref: str | int, *, lead: str, co_departments: Sequence[str], actor: Actor,
                     reason: str) -> StepResult:
        """吹哨报到 on a case waiting for dispatch: ``lead`` (牵头) and ``co_departments`` (协办) each get their own
        report-in and on-site tasks with deadlines. Errors: ValidationError on ``lead`` / ``co_departments`` /
        ``reason``; PermissionDenied (role); NotFound; ConflictError (closed, or not waiting for dispatch)."""
        with self.db.transaction() as s:
            return operations.blow_whistle(s, case_ref, lead=lead, co_departments=co_departments, actor=actor,
                                           reason=reason, at=self.clock.now(), hooks=self.hooks)

    def request_extension(self, work_item_id: int, *, new_due: date, reason: str, actor: Actor) -> int:
        """申请延期 on the department's open task; returns the request's id. ValidationError on ``new_due`` (in
        the past, not later than now, beyond the maximum) or ``reason``; ConflictError if one is pending."""
        with self.db.transaction() as s:
            return operations.request_extension(s, work_item_id, new_due=new_due, reason=reason, actor=actor,
                                                at=self.clock.now(), max_days=self.max_extension_days).id

    def decide_extension(self, extension_id: int, *, approve: bool, note: str, actor: Actor) -> None:
        """The supervisor approves (the task's deadline moves to the requested day's end) or refuses (``note``
        required). ConflictError when already decided or the task has closed meanwhile."""
        with self.db.transaction() as s:
            operations.decide_extension(s, extension_id, approve=approve, note=note, actor=actor,
                                        at=self.clock.now(), hooks=self.hooks)

    def urge(self, work_item_id: int, *, message: str, actor: Actor) -> None:
        """催办 (supervisor): event ``urged`` and a notification to the department."""
        with self.db.transaction() as s:
            operations.urge(s, work_item_id, message=message, actor=actor, at=self.clock.now())

    def board(self, case_ref: str | int, actor: Actor) -> board.DispatchBoard:
        """Who was summoned, who reported in and when, deadlines per department (for the case page)."""
        with self.db.reading() as s:
            return board.dispatch_board(s, case_ref, actor, self.clock.now())

    def pending_extensions(self, actor: Actor) -> list[PendingExtension]:
        """The supervisor's 待审批延期 list, oldest request first."""
        with self.db.reading() as s:
            return board.pending_extensions(s, actor)
