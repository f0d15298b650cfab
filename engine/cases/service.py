"""The case service: each call is one transaction with its events.

``web/`` and ``workflows/`` use this class through ``from engine import CaseService`` (or the operations
beneath it inside a transaction of their own); they never touch SpiffWorkflow or the tables directly.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from engine.cases.events import CaseEvent
from engine.audit.replay import Replayed, replay_events, stored_calendars
from engine.audit.verify import CaseCheck, verify_case, verify_cases
from engine.calendar.store import load_calendar
from engine.cases import inbox_query, messages, operations, queries, read_models, search, start
from engine.cases.deadlines import Deadline, item_deadline
from engine.cases.hooks import HookRegistry
from engine.cases.intake import Intake
from engine.cases.models import Case, WorkItem
from engine.cases.reporter_key import reporter_of
from engine.cases.steps import StepResult
from engine.clock import Clock, SystemClock
from engine.db import Database
from engine.errors import ConflictError
from engine.evidence.operations import MAX_PER_CASE, attach
from engine.people import directory
from engine.people.actor import Actor
from engine.processes import default_hooks
from engine.public.my_reports import keep_for_account
from engine.specs import queries as spec_queries
from engine.specs.registry import english_diagram_words, english_task_names, process_of
from engine.sweep.timers import TimerSweep
from engine.sweep.votes import sweep_due


@dataclass(frozen=True)
class Reported:
    """A new case and its reporter key: put the key in the private link (:func:`engine.public.reporter_path`) now."""

    case: Case
    reporter_key: str = field(repr=False)


class CaseService:
    def __init__(self, db: Database, clock: Clock | None = None, hooks: HookRegistry | None = None,
                 max_files_per_case: int = MAX_PER_CASE) -> None:
        self.db = db
        self.clock = clock or SystemClock()
        self.hooks = hooks or default_hooks()
        #: Most evidence files one case may hold (a report's photos, every step's files).
        self.max_files_per_case = max_files_per_case

    def open_case(self, intake: Intake, actor: Actor, process_key: str = "civic_loop") -> Case:
        """A new case, when nobody needs its reporter key (the key is kept only as a hash; see :meth:`report`)."""
        return self.report(intake, actor, process_key).case

    def report(self, intake: Intake, actor: Actor, process_key: str = "civic_loop",
               evidence: Sequence[str] = (), account: str | None = None) -> Reported:
        """A new case with its reporter key, for the reporter (the only time the key can be read).

        ``evidence``: SHA-256s of files received by :meth:`engine.evidence.service.EvidenceService.receive`,
        attached in the same transaction (purpose ``report``). ``account``: the resident account filing it
        (its 我的报告 lists the case; the log still names ``actor``).
        """
        with self.db.transaction() as s:
            at = self.clock.now()
            # An admin may send a category's reports to a supervisor's own process (e.g. 低保 enquiries).
            process_key = directory.category_process(s, intake.category) or process_key
            result = operations.open_case(s, intake, actor=actor, at=at, hooks=self.hooks, process_key=process_key)
            assert result.reporter_key is not None
            if account:
                keep_for_account(s, result.case, account)
            if evidence:
                attach(s, result.case, evidence, purpose="report", actor=actor, at=at,
                       max_per_case=self.max_files_per_case)
            return Reported(result.case, result.reporter_key)

    def startable(self, actor: Actor) -> list[start.Startable]:
        """The published processes ``actor`` may start a case of, and the page for those with their own intake."""
        with self.db.reading() as s:
            result = []
            for version in spec_queries.published_processes(s):
                process = process_of(s, version.id)
                owner = self.hooks.intake_owners.get(version.key)
                if owner is not None or start.may_start(actor, process):
                    result.append(start.Startable(version.key, process.name, version.id, owner))
            return result

    def start_form(self, process_key: str, actor: Actor) -> tuple[str, Any]:
        """The name and start form (:class:`~engine.bpmn.forms.FormSpec`) of ``process_key``'s current version."""
        if process_key in self.hooks.intake_owners:
            raise ConflictError(f"流程 {process_key} 的案件有专门的登记页面，请从那里登记")
        with self.db.reading() as s:
            process = process_of(s, spec_queries.current_version(s, process_key).id)
            start.check_may_start(actor, process)
            return process.name, start.start_form(process)

    def start_case(self, process_key: str, form: Mapping[str, Any], actor: Actor) -> Case:
        """A new case of any published process from its start form (``新建案件``; the API's ``POST …/cases``)."""
        with self.db.transaction() as s:
            return start.start_case(s, process_key, form, actor=actor, at=self.clock.now(), hooks=self.hooks).case

    def deliver_message(self, ref: str, name: str, data: Mapping[str, Any] | None, actor: Actor) -> StepResult:
        """Deliver a message the case's diagram waits for (correlated by case and message name)."""
        with self.db.transaction() as s:
            return messages.deliver_message(s, ref, name, data, actor=actor, at=self.clock.now(), hooks=self.hooks)

    def message_names(self, ref: str, actor: Actor) -> list[str]:
        """The messages the case's process can receive (empty for processes whose domain sends its own)."""
        with self.db.reading() as s:
            case = queries.find_case(s, ref)
            if case.process_key in self.hooks.intake_owners or case.status != "open":
                return []
            return sorted(process_of(s, case.process_version_id).message_names)

    def reporter(self, key: str | None) -> Actor:
        """The verified reporter of the case ``key`` was issued for; :class:`NotFound` for any other string."""
        with self.db.reading() as s:
            return reporter_of(s, key)

    def add_information(self, text: str, actor: Actor) -> Case:
        """The verified reporter (:meth:`reporter`) adds to their open case; recorded for the staff, not published."""
        with self.db.transaction() as s:
            return operations.add_information(s, text, actor=actor, at=self.clock.now())

    def replace_reporter_key(self, ref: str | int, actor: Actor) -> str:
        """A new reporter key for a resident who lost theirs (the old one stops working); shown once."""
        with self.db.transaction() as s:
            return operations.replace_reporter_key(s, ref, actor=actor, at=self.clock.now())

    def complete_task(self, work_item_id: int, form: Mapping[str, Any], actor: Actor,
                      expected_version: int | None = None) -> StepResult:
        with self.db.transaction() as s:
            return operations.complete_task(s, work_item_id, form, actor=actor, at=self.clock.now(),
                                            hooks=self.hooks, expected_version=expected_version,
                                            max_files_per_case=self.max_files_per_case)

    def claim(self, work_item_id: int, actor: Actor) -> WorkItem:
        with self.db.transaction() as s:
            return operations.claim(s, work_item_id, actor=actor, at=self.clock.now())

    def release(self, work_item_id: int, actor: Actor) -> WorkItem:
        with self.db.transaction() as s:
            return operations.release(s, work_item_id, actor=actor, at=self.clock.now())

    def reassign(self, work_item_id: int, actor: Actor, reason: str, *, department: str | None = None,
                 assignee: str | None = None) -> WorkItem:
        with self.db.transaction() as s:
            return operations.reassign(s, work_item_id, actor=actor, at=self.clock.now(), reason=reason,
                                       hooks=self.hooks, department=department, assignee=assignee)

    def escalate(self, work_item_id: int, actor: Actor, reason: str) -> WorkItem:
        with self.db.transaction() as s:
            return operations.escalate(s, work_item_id, actor=actor, at=self.clock.now(), reason=reason)

    def tick(self, limit: int = 500) -> list[StepResult]:
        """Fire up to ``limit`` due cases' timers now (one transaction per case): the steps that fired."""
        return self.sweep_timers(limit).fired

    def sweep_timers(self, batch: int = 500, batches: int = 1) -> TimerSweep:
        """Fire due votes and timers now: what fired, which cases failed (now incidents) and how many were busy.

        Due household votes first (the council's step, :mod:`engine.sweep.votes`), then the case timers
        (:mod:`engine.sweep.timers`). One transaction per case; a failing case never stops the others.
        """
        return sweep_due(self.db, self.clock.now(), self.hooks, batch, batches)

    # -- reading -----------------------------------------------------------------

    def held_work_items(self, username: str) -> int:
        """How many open work items the user has claimed (they wait for them, or for a reassignment)."""
        with self.db.reading() as s:
            return queries.held_work_items(s, username)

    def inbox(self, actor: Actor, *, limit: int = 50, offset: int = 0) -> list[WorkItem]:
        with self.db.reading() as s:
            return queries.inbox(s, actor, limit=limit, offset=offset)

    def case(self, ref: str | int) -> Case:
        with self.db.reading() as s:
            return queries.find_case(s, ref)

    def english_task_names(self) -> dict[str, str]:
        """bpmn id → English task name, for staff reading the interface in English."""
        with self.db.reading() as s:
            return english_task_names(s)

    def english_diagram_words(self) -> dict[str, str]:
        """Chinese → English of the task names, field labels and option labels diagrams give in both."""
        with self.db.reading() as s:
            return english_diagram_words(s)

    def work_items(self, ref: str | int) -> list[WorkItem]:
        with self.db.reading() as s:
            return queries.open_work_items(s, queries.find_case(s, ref).id)

    def events(self, ref: str | int) -> list[CaseEvent]:
        with self.db.reading() as s:
            case = queries.find_case(s, ref)
            return list(s.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)))

    def replay(self, ref: str | int, upto_seq: int | None = None) -> Replayed:
        with self.db.reading() as s:
            case = queries.find_case(s, ref)
            events = s.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq))
            process = process_of(s, case.process_version_id)
            return replay_events(process, case.uuid, events, stored_calendars(s), upto_seq)

    def verify(self, ref: str | int | None = None) -> list[CaseCheck]:
        with self.db.reading() as s:
            if ref is not None:
                return [verify_case(s, queries.find_case(s, ref))]
            return list(verify_cases(s))

    # -- read models for the people working cases (engine.cases.inbox_query, engine.cases.read_models) --

    def inbox_page(self, actor: Actor, flt: inbox_query.InboxFilter | None = None, *, page: int = 1,
                   page_size: int = 25) -> inbox_query.InboxPage:
        """One page of the actor's inbox with deadlines in working days (reads ``work_item`` rows only)."""
        now = self.clock.now()
        with self.db.reading() as s:
            return inbox_query.inbox_page(s, actor, flt or inbox_query.InboxFilter(), now=now,
                                          calendar=load_calendar(s, now), page=page, page_size=page_size)

    def task(self, work_item_id: int, actor: Actor) -> read_models.TaskView:
        """A work item with its form and case, if ``actor`` may open it (404 for another unit's item)."""
        now = self.clock.now()
        with self.db.reading() as s:
            return read_models.task_view(s, work_item_id, actor, now=now, calendar=load_calendar(s, now))

    def case_page(self, ref: str, actor: Actor) -> read_models.CasePage:
        """Summary, masked parties, current work, timeline and diagram state of a case ``actor`` may see."""
        now = self.clock.now()
        with self.db.reading() as s:
            return read_models.case_page(s, ref, actor, now=now, calendar=load_calendar(s, now))

    def deadlines(self, items: Iterable[WorkItem]) -> dict[int, Deadline | None]:
        """Each open work item's deadline as read now (working days, or clock minutes for urgent matters)."""
        now = self.clock.now()
        with self.db.reading() as s:
            calendar = load_calendar(s, now)
        return {i.id: item_deadline(i, now, calendar) if i.is_open else None for i in items}

    def case_diagram_xml(self, ref: str, actor: Actor) -> str:
        """The BPMN XML of the process version the case is pinned to."""
        with self.db.reading() as s:
            return read_models.case_diagram_xml(s, ref, actor)

    def search_cases(self, actor: Actor, *, text: str | None = None, status: str = "all", page: int = 1,
                     page_size: int = 25) -> search.CaseSearchPage:
        """Cases ``actor`` may see, by tracking code or title, newest first."""
        with self.db.reading() as s:
            return search.search_cases(s, actor, text=text, status=status, page=page, page_size=page_size)
