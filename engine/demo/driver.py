"""Drive cases through the real services with a clock that only moves when told to.

Used by ``casegrid demo``, by the tests and by the benchmarks, so all three
exercise the same public services.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from engine.cases.intake import Intake
from engine.cases.models import Case, WorkItem
from engine.cases.steps import StepResult
from engine.clock import FixedClock, as_utc
from engine.demo.organisation import USERS
from engine.errors import NotFound
from engine.people.actor import Actor, reporter
from engine.people.roles import Role
from engine.cases.service import CaseService

DEMO_ACTORS = [Actor(name, role, department, grid) for name, (_, role, department, grid) in USERS.items()]


class Driver:
    def __init__(self, service: CaseService, clock: FixedClock, actors: list[Actor] | None = None) -> None:
        self.service = service
        self.clock = clock
        self.actors = actors or DEMO_ACTORS
        #: Reporter keys of the cases this driver reported (case id → key), to rate as their reporter.
        self.keys: dict[int, str] = {}

    def report(self, description: str = "楼道灯坏了，晚上很黑", category: str = "公共设施",
               grid_code: str | None = "XF-01", **fields: Any) -> Case:
        intake = Intake(description=description, category=category, grid_code=grid_code,
                        channel=fields.pop("channel", "grid_visit"), **fields)
        reported = self.service.report(intake, self.actor_for_role(Role.GRID_WORKER.value, grid_code))
        self.keys[reported.case.id] = reported.reporter_key
        return reported.case

    def reporter_key(self, case: Case) -> str:
        """The reporter key of ``case``: the one handed out when this driver reported it, or else a new one
        given by the street office (as for a resident who lost their link; the case's log records it)."""
        if case.id not in self.keys:
            self.keys[case.id] = self.service.replace_reporter_key(case.id, self.actor_for_role(Role.SUPERVISOR.value))
        return self.keys[case.id]

    def item(self, case: Case, bpmn_id: str, department: str | None = None) -> WorkItem:
        for item in self.service.work_items(case.id):
            if item.bpmn_id == bpmn_id and department in (None, item.department_code):
                return item
        open_ids = [i.bpmn_id for i in self.service.work_items(case.id)]
        raise NotFound(f"case {case.tracking_code} has no open {bpmn_id} (open: {open_ids})")

    def open_ids(self, case: Case) -> list[str]:
        return [i.bpmn_id for i in self.service.work_items(case.id)]

    def actor_for_role(self, role: str, grid_code: str | None = None, department: str | None = None) -> Actor:
        for actor in self.actors:
            if actor.role != role:
                continue
            if department and actor.department_code != department:
                continue
            if grid_code and actor.grid_code and actor.grid_code != grid_code:
                continue
            return actor
        raise NotFound(f"no demo actor for {role} {department or ''} {grid_code or ''}")

    def actor_for(self, case: Case, item: WorkItem) -> Actor:
        if item.role == Role.RESIDENT.value:
            return reporter(case.tracking_code, self.reporter_key(case))
        return self.actor_for_role(item.role, item.grid_code, item.department_code)

    def do(self, case: Case, bpmn_id: str, **form: Any) -> StepResult:
        """Complete the open task ``bpmn_id`` of ``case`` as a fitting demo user."""
        item = self.item(case, bpmn_id)
        return self.service.complete_task(item.id, form, self.actor_for(case, item))

    def do_for(self, case: Case, bpmn_id: str, department: str, **form: Any) -> StepResult:
        """Complete ``department``'s open task ``bpmn_id`` (a whistle gives each department its own)."""
        item = self.item(case, bpmn_id, department)
        return self.service.complete_task(item.id, form, self.actor_for(case, item))

    def later(self, **delta: float) -> list[StepResult]:
        """Let time pass and run the sweep, as the scheduled flow would."""
        self.clock.advance(**delta)
        return self.service.tick()

    def deadline_passes(self, case: Case, bpmn_id: str) -> list[StepResult]:
        """Move the clock just past the open task's deadline and sweep."""
        due = self.item(case, bpmn_id).due_at
        assert due is not None, f"{bpmn_id} has no deadline"
        self.clock.set(max(self.clock.now(), as_utc(due) + timedelta(minutes=1)))
        return self.service.tick()

    def refresh(self, case: Case) -> Case:
        return self.service.case(case.id)
