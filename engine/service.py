"""The engine's services: each call is one transaction with its events.

``web/`` and ``workflows/`` use this class (or the operations beneath it inside a
transaction of their own); they never touch SpiffWorkflow or the tables directly.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select

from engine.audit.models import CaseEvent
from engine.audit.replay import Replayed, replay_events, stored_calendars
from engine.audit.verify import CaseCheck, verify_case, verify_cases
from engine.calendar.store import load_calendar
from engine.cases import inbox_query, operations, queries, views
from engine.cases.hooks import HookRegistry
from engine.cases.intake import Intake
from engine.cases.models import Case, WorkItem
from engine.cases.steps import StepResult
from engine.civic.records import register as register_civic
from engine.clock import Clock, SystemClock
from engine.council import households
from engine.db import Database
from engine.errors import ConflictError
from engine.mediation.records import register as register_mediation
from engine.people import accounts, directory, lockout
from engine.people import queries as people_queries
from engine.people.accounts import Account
from engine.people.actor import SYSTEM, Actor
from engine.people.lockout import LockoutPolicy
from engine.specs.registry import process_of


def default_hooks() -> HookRegistry:
    """The form hooks of every process casegrid ships."""
    registry = HookRegistry()
    register_civic(registry)
    register_mediation(registry)
    return registry


class CaseService:
    def __init__(self, db: Database, clock: Clock | None = None, hooks: HookRegistry | None = None) -> None:
        self.db = db
        self.clock = clock or SystemClock()
        self.hooks = hooks or default_hooks()

    def open_case(self, intake: Intake, actor: Actor, process_key: str = "civic_loop") -> Case:
        with self.db.transaction() as s:
            return operations.open_case(s, intake, actor=actor, at=self.clock.now(), hooks=self.hooks,
                                        process_key=process_key).case

    def complete_task(self, work_item_id: int, form: Mapping[str, Any], actor: Actor,
                      expected_version: int | None = None) -> StepResult:
        with self.db.transaction() as s:
            return operations.complete_task(s, work_item_id, form, actor=actor, at=self.clock.now(),
                                            hooks=self.hooks, expected_version=expected_version)

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
        """Fire every due timer now: one transaction per case, so one bad case cannot block the rest."""
        now = self.clock.now()
        # Votes first: counting completes every household's instance, which also retires the vote's boundary
        # timer; firing that timer first would throw the ballots away (the diagram's fallback path).
        closed = self._close_due_household_votes(now)
        with self.db.reading() as s:
            due = queries.due_case_ids(s, now, limit)
        fired = []
        for case_id in due:
            try:
                with self.db.transaction() as s:
                    result = operations.fire_case_timers(s, case_id, at=now, hooks=self.hooks)
            except ConflictError:  # the case is busy (a lock wait ran out): the next sweep fires it
                continue
            if result is not None:
                fired.append(result)
        return closed + fired

    def _close_due_household_votes(self, now: datetime) -> list[StepResult]:
        """A household vote's window is a deadline too: tally the votes whose window has closed."""
        with self.db.reading() as s:
            due = households.due_vote_ids(s, now)
        closed = []
        for vote_id in due:
            try:
                with self.db.transaction() as s:
                    result = households.close_vote(s, vote_id, at=now, hooks=self.hooks, actor=SYSTEM)
            except ConflictError:  # another sweep or the council closed it first
                continue
            if result is not None:
                closed.append(result)
        return closed

    # -- reading -----------------------------------------------------------------

    def inbox(self, actor: Actor, *, limit: int = 50, offset: int = 0) -> list[WorkItem]:
        with self.db.reading() as s:
            return queries.inbox(s, actor, limit=limit, offset=offset)

    def case(self, ref: str | int) -> Case:
        with self.db.reading() as s:
            return queries.find_case(s, ref)

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

    # -- read models for the people working cases (engine.cases.inbox_query, engine.cases.views) --

    def inbox_page(self, actor: Actor, flt: inbox_query.InboxFilter | None = None, *, page: int = 1,
                   page_size: int = 25) -> inbox_query.InboxPage:
        """One page of the actor's inbox with deadlines in working days (reads ``work_item`` rows only)."""
        now = self.clock.now()
        with self.db.reading() as s:
            return inbox_query.inbox_page(s, actor, flt or inbox_query.InboxFilter(), now=now,
                                          calendar=load_calendar(s, now), page=page, page_size=page_size)

    def task(self, work_item_id: int, actor: Actor) -> views.TaskView:
        """A work item with its form and case, if ``actor`` may open it (404 for another unit's item)."""
        now = self.clock.now()
        with self.db.reading() as s:
            return views.task_view(s, work_item_id, actor, now=now, calendar=load_calendar(s, now))

    def case_page(self, ref: str, actor: Actor) -> views.CasePage:
        """Summary, masked parties, current work, timeline and diagram state of a case ``actor`` may see."""
        now = self.clock.now()
        with self.db.reading() as s:
            return views.case_page(s, ref, actor, now=now, calendar=load_calendar(s, now))

    def case_diagram_xml(self, ref: str, actor: Actor) -> str:
        """The BPMN XML of the process version the case is pinned to."""
        with self.db.reading() as s:
            return views.case_diagram_xml(s, ref, actor)

    def search_cases(self, actor: Actor, *, text: str | None = None, status: str = "all", page: int = 1,
                     page_size: int = 25) -> views.CaseSearchPage:
        """Cases ``actor`` may see, by tracking code or title, newest first."""
        with self.db.reading() as s:
            return views.search_cases(s, actor, text=text, status=status, page=page, page_size=page_size)


class PeopleService:
    """Accounts and the organisation (departments, grids) for the interfaces."""

    def __init__(self, db: Database, clock: Clock | None = None, lockout_policy: LockoutPolicy | None = None) -> None:
        self.db = db
        self.clock = clock or SystemClock()
        self.lockout_policy = lockout_policy or LockoutPolicy()

    def authenticate(self, username: str, password: str, *, source: str | None = None) -> Account | None:
        """The account, or None for a wrong username or password; raises :class:`AccountLocked` after
        too many failures for ``username`` (``source``, the caller's address, only goes to the log)."""
        now = self.clock.now()
        # The slow password check runs outside the write transaction: SQLite's write lock is not held for it.
        with self.db.reading() as s:
            account = lockout.check_login(s, username, password, now)
            if account is not None and not lockout.has_failures(s, username):
                return account
        with self.db.transaction() as s:
            if account is not None:
                lockout.clear_failures(s, username)
            else:
                lockout.record_failure(s, username, now, self.lockout_policy, source)
        return account

    def account(self, user_id: int) -> Account | None:
        with self.db.reading() as s:
            return accounts.account_by_id(s, user_id)

    def accounts(self) -> list[Account]:
        with self.db.reading() as s:
            return accounts.list_accounts(s)

    def add_account(self, username: str, display_name: str, role: str, password: str, *,
                    department_code: str | None = None, grid_code: str | None = None) -> Account:
        with self.db.transaction() as s:
            return accounts.add_account(s, username, display_name, role, password,
                                        department_code=department_code, grid_code=grid_code)

    def set_password(self, username: str, password: str) -> Account:
        with self.db.transaction() as s:
            return accounts.set_password(s, username, password)

    def departments(self) -> dict[str, str]:
        """Active departments, code → name."""
        with self.db.reading() as s:
            return people_queries.department_names(s)

    def grids(self) -> dict[str, str]:
        """Grids, code → "community / name"."""
        with self.db.reading() as s:
            return people_queries.grid_names(s)

    def categories(self) -> list[str]:
        """Active issue categories, in the order forms list them."""
        with self.db.reading() as s:
            return directory.active_categories(s)

    # -- administration (engine.people.directory); ``by`` is who did it, for the admin log ----------

    def organisation(self) -> directory.Organisation:
        """Departments, grids and categories, inactive ones included."""
        with self.db.reading() as s:
            return directory.organisation(s)

    def find_account(self, username: str) -> Account:
        """The account, disabled or not; :class:`NotFound` if there is none."""
        with self.db.reading() as s:
            return directory.find_account(s, username)

    def create_account(self, username: str, display_name: str, role: str, password: str, *,
                       department_code: str | None = None, grid_code: str | None = None, by: str) -> Account:
        with self.db.transaction() as s:
            return directory.create_account(s, username, display_name, role, password,
                                            department_code=department_code, grid_code=grid_code, by=by)

    def update_account(self, username: str, *, display_name: str, role: str, department_code: str | None = None,
                       grid_code: str | None = None, by: str) -> Account:
        with self.db.transaction() as s:
            return directory.update_account(s, username, display_name=display_name, role=role,
                                            department_code=department_code, grid_code=grid_code, by=by)

    def set_account_active(self, username: str, active: bool, *, by: str) -> Account:
        with self.db.transaction() as s:
            return directory.set_account_active(s, username, active, by=by)

    def reset_password(self, username: str, password: str, *, by: str) -> Account:
        """A new password; it also lifts a login lockout (the admin has just heard from the person)."""
        with self.db.transaction() as s:
            account = directory.reset_password(s, username, password, by=by)
            lockout.clear_failures(s, username)
            return account

    def held_work_items(self, username: str) -> int:
        """How many open work items the user has claimed (they wait for them, or for a reassignment)."""
        with self.db.reading() as s:
            return directory.held_work_items(s, username)

    def add_department(self, code: str, name: str, *, by: str) -> directory.DepartmentEntry:
        with self.db.transaction() as s:
            return directory.add_department(s, code, name, by=by)

    def rename_department(self, code: str, name: str, *, by: str) -> directory.DepartmentEntry:
        with self.db.transaction() as s:
            return directory.rename_department(s, code, name, by=by)

    def set_department_active(self, code: str, active: bool, *, by: str) -> directory.DepartmentEntry:
        with self.db.transaction() as s:
            return directory.set_department_active(s, code, active, by=by)

    def add_grid(self, code: str, name: str, community: str, *, by: str) -> directory.GridEntry:
        with self.db.transaction() as s:
            return directory.add_grid(s, code, name, community, by=by)

    def update_grid(self, code: str, name: str, community: str, *, by: str) -> directory.GridEntry:
        with self.db.transaction() as s:
            return directory.update_grid(s, code, name, community, by=by)

    def add_category(self, name: str, *, by: str) -> directory.CategoryEntry:
        with self.db.transaction() as s:
            return directory.add_category(s, name, by=by)

    def set_category_active(self, name: str, active: bool, *, by: str) -> directory.CategoryEntry:
        with self.db.transaction() as s:
            return directory.set_category_active(s, name, active, by=by)

    def move_category(self, name: str, step: int, *, by: str) -> None:
        with self.db.transaction() as s:
            directory.move_category(s, name, step, by=by)
