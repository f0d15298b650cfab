"""Push many cases through the real services at once, in simulated time.

Every case is a script (a generator) that acts on its open work items through
:class:`~engine.cases.service.CaseService` and yields the moment it wants to act next. The driver keeps
one queue of those moments, ordered by time, and runs the SLA sweep (``CaseService.tick``) on the
``sweep_every`` schedule of the real flow (skipping the slots with no timer due); a
:class:`FixedClock` jumps from one moment to the next. So thousands of cases are open together, their steps interleave like a
real district's, and a missed deadline is a timer the sweep fires, not a shortcut.
"""
from __future__ import annotations

import heapq
import random
from collections import Counter
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from engine.cases.intake import Intake
from engine.cases.models import Case, WorkItem
from engine.cases.steps import StepResult
from engine.clock import FixedClock, as_utc
from engine.council.meetings import ItemDecision
from engine.council.service import CouncilService
from engine.demo.council_scenarios import CHAIR, MEMBERS, everyone
from engine.errors import CasegridError
from engine.mediation.intake import MediationIntake
from engine.mediation.service import MediationService
from engine.people.actor import Actor, reporter
from engine.people.roles import Role
from engine.cases.service import CaseService
from engine.simulate import organisation as org
from engine.simulate.workload import CasePlan, PathMix

#: What a script yields: the moment it next wants to act.
Script = Generator[datetime, None, None]


@dataclass
class Tally:
    """What happened, counted as it happened (the database is counted at the end, in the summary)."""
    steps: int = 0  #: engine transactions: cases opened, tasks completed, cases whose timers fired
    sweeps: int = 0
    timers_fired: int = 0
    paths: Counter[str] = field(default_factory=Counter)
    #: Scripts that met a state they did not expect (an engine error or a missing task): should stay 0.
    diverted: list[str] = field(default_factory=list)


class CaseRun:
    """One case's script state: its open work items as the engine last reported them."""

    def __init__(self, sim: Simulation, plan: CasePlan) -> None:
        self.sim = sim
        self.plan = plan
        self.rng = random.Random(plan.seed)
        self.case: Case | None = None
        #: The reporter key handed out when the issue was reported (residents rate with it).
        self.reporter_key: str | None = None
        self.items: dict[int, WorkItem] = {}
        #: Free-form memory of the script (misses so far, returns, sessions...).
        self.memo: Counter[str] = Counter()
        #: What the script wants to recall by name (a party's name, say).
        self.extra: dict[str, Any] = {}

    # -- what the script sees --------------------------------------------------------------------

    @property
    def now(self) -> datetime:
        return self.sim.clock.now()

    @property
    def mix(self) -> PathMix:
        return self.sim.mix

    @property
    def closed(self) -> bool:
        return self.case is not None and self.case.status == "closed"

    def open_items(self) -> list[WorkItem]:
        return sorted(self.items.values(), key=lambda item: item.id)

    def past_deadline(self, item: WorkItem) -> datetime:
        """A moment by which the deadline of ``item`` has passed and the sweep has fired its timer."""
        assert item.due_at is not None, f"{item.bpmn_id} has no deadline"
        return as_utc(item.due_at) + self.sim.sweep_every + timedelta(minutes=1)

    def next_timer(self) -> datetime | None:
        """When the sweep will have fired the case's next timer (a case waiting on nobody but the clock)."""
        due = self.case.next_timer_at if self.case else None
        return as_utc(due) + self.sim.sweep_every + timedelta(minutes=1) if due else None

    def note(self, path: str) -> None:
        self.sim.tally.paths[path] += 1

    def chance(self, key: str, p: float) -> bool:
        """True with probability ``p``, at most once per case for ``key`` (a deadline is missed once, say)."""
        if self.memo[key] or self.rng.random() >= p:
            return False
        self.memo[key] += 1
        return True

    # -- acting ----------------------------------------------------------------------------------

    def open_issue(self, intake: Intake) -> None:
        reported = self.sim.service.report(intake, org.grid_worker(self.plan.grid_code))
        self.reporter_key = reported.reporter_key
        self._opened(reported.case)

    def open_dispute(self, intake: MediationIntake) -> None:
        case = self.sim.mediation.open_mediation(intake, org.grid_worker(self.plan.grid_code))
        self._opened(case)

    def do(self, item: WorkItem, **form: Any) -> StepResult | None:
        """Complete ``item`` with ``form`` as the person it is for.

        None when the sweep closed the item while its person was getting to it (a deadline that
        passed meanwhile): nobody can act on it any more, and the script goes on with what is open.
        """
        if item.id not in self.items:
            self.note(f"overtaken:{item.bpmn_id}")
            return None
        result = self.sim.service.complete_task(item.id, form, self._actor(item))
        self.sim.tally.steps += 1
        self.apply(result)
        return result

    def decide_at_sitting(self, item: WorkItem, decision: ItemDecision) -> None:
        """Decide ``item`` (the case's ``deliberate`` task) at a council sitting, as a major matter must be:
        nine members on the roster, eight present, one of them against."""
        if item.id not in self.items or self.case is None:
            self.note(f"overtaken:{item.bpmn_id}")
            return
        council = self.sim.council
        meeting = council.schedule_meeting(title="居民议事会", scheduled_for=self.now, members=MEMBERS, actor=CHAIR,
                                           case_ids=[self.case.id])
        page = council.meeting(meeting, CHAIR)
        present = [m.id for m in page.members][:8]
        votes = everyone(present, "for", against=1)
        council.record_sitting(meeting, present=present, actor=CHAIR, decisions={
            a.id: replace(decision, votes=votes) for a in page.agenda})
        self.sim.tally.steps += 1
        self.case = self.sim.service.case(self.case.id)
        self.items = {i.id: i for i in self.sim.service.work_items(self.case.id)}
        self.sim.watch(self)

    def apply(self, result: StepResult) -> None:
        """Follow the engine's report of a step (ours or the sweep's) instead of re-reading the case."""
        self.case = result.case
        self.sim.watch(self)
        if result.case.process_key == "mediation":
            # Mediation hooks hand open items to another mediator, which the step's report does not list.
            self.items = {item.id: item for item in self.sim.service.work_items(result.case.id)}
            return
        for item in result.closed:
            self.items.pop(item.id, None)
        for item in result.opened:
            self.items[item.id] = item

    def _opened(self, case: Case) -> None:
        self.sim.tally.steps += 1
        self.case = case
        self.items = {item.id: item for item in self.sim.service.work_items(case.id)}
        self.sim.runs_by_case[case.id] = self
        self.sim.watch(self)

    def _actor(self, item: WorkItem) -> Actor:
        assert self.case is not None
        if item.role == Role.RESIDENT.value:
            assert self.reporter_key is not None, "only reported issues have a reporter"
            return reporter(self.case.tracking_code, self.reporter_key)
        if item.role == Role.GRID_WORKER.value:
            return org.grid_worker(item.grid_code or self.plan.grid_code)
        if item.role == Role.DEPARTMENT.value:
            return org.department(item.department_code or "")
        if item.role == Role.SUPERVISOR.value:
            return org.SUPERVISOR
        if item.role == Role.COUNCIL.value:
            return org.COUNCIL
        return Actor(item.assignee or org.MEDIATORS[0], item.role)


Handler = Callable[[CaseRun, WorkItem], Script]


def play(run: CaseRun, handlers: Mapping[str, Handler], first: str | None = None) -> Script:
    """Act on whatever task the engine has open until the case closes (``first``: that task before others).

    With nothing open the case waits on a timer (a follow-up date, a 30-day watch): the sweep will open
    the next task. A case with neither is noted as ``stuck`` (never expected).
    """
    while not run.closed:
        items = run.open_items()
        if not items:
            wake = run.next_timer()
            if wake is None:
                run.note("stuck")
                return
            yield wake
            continue
        item = next((i for i in items if i.bpmn_id == first), items[0])
        yield from handlers[item.bpmn_id](run, item)
    run.note(f"outcome:{run.case.process_key if run.case else '?'}:{run.case.outcome if run.case else '?'}")


class Simulation:
    def __init__(self, service: CaseService, clock: FixedClock,
                 scripts: Callable[[CaseRun], Script], sweep_every: timedelta = timedelta(minutes=15),
                 mix: PathMix | None = None) -> None:
        self.service = service
        self.mix = mix or PathMix()
        self.mediation = MediationService(service.db, clock, service.hooks)
        self.council = CouncilService(service.db, clock, service.hooks)
        self.clock = clock
        self.scripts = scripts
        self.sweep_every = sweep_every
        self.tally = Tally()
        self.runs_by_case: dict[int, CaseRun] = {}
        #: Recent cases per (grid, category), for the grid worker who spots a duplicate.
        self.recent: dict[tuple[str, str], list[str]] = {}
        self._timers: list[tuple[datetime, int]] = []
        self._anchor = clock.now()

    def run(self, plans: list[CasePlan], progress: Callable[[int], object] | None = None) -> Tally:
        """Play every plan's script to its end; ``progress(1)`` after each case finishes."""
        queue: list[tuple[datetime, int, CaseRun, Script | None]] = []
        for order, plan in enumerate(plans):
            queue.append((plan.arrives_at, order, CaseRun(self, plan), None))
        order = len(queue)
        heapq.heapify(queue)
        if plans:
            self._anchor = plans[0].arrives_at.replace(minute=0, second=0, microsecond=0)
        while queue:
            at, _, run, script = queue[0]
            if (sweep := self._sweep_due_by(at)) is not None:
                self.clock.set(max(sweep, self.clock.now()))
                self._sweep()
                continue
            heapq.heappop(queue)
            self.clock.set(max(at, self.clock.now()))
            script = script or self.scripts(run)
            wake = self._advance(run, script)
            if wake is None:
                if progress:
                    progress(1)
                continue
            heapq.heappush(queue, (max(wake, self.clock.now()), order, run, script))
            order += 1
        return self.tally

    # -- the SLA sweep ---------------------------------------------------------------------------
    # The scheduled sweep runs every ``sweep_every``; a sweep with no timer due changes nothing, so
    # the driver skips those (it knows every case's next timer from the engine's step results) and
    # runs the sweep at the first scheduled moment after a timer falls due, as the real one would.

    def watch(self, run: CaseRun) -> None:
        """Note the case's next timer (called whenever the engine reports the case)."""
        due = run.case.next_timer_at if run.case else None
        if due is not None and run.case is not None:
            heapq.heappush(self._timers, (as_utc(due), run.case.id))

    def _sweep_due_by(self, moment: datetime) -> datetime | None:
        """The scheduled sweep at or before ``moment`` that has a timer to fire, if there is one."""
        while self._timers:
            due, case_id = self._timers[0]
            run = self.runs_by_case.get(case_id)
            current = run.case.next_timer_at if run and run.case else None
            if current is None or as_utc(current) != due:  # superseded by a later step
                heapq.heappop(self._timers)
                continue
            sweep = self._anchor + ((due - self._anchor) // self.sweep_every + 1) * self.sweep_every
            return sweep if sweep <= moment else None
        return None

    def _sweep(self) -> None:
        now = self.clock.now()
        self.tally.sweeps += 1
        for result in self.service.tick(limit=100_000):
            self.tally.steps += 1
            self.tally.timers_fired += len(result.fired_timers)
            if (run := self.runs_by_case.get(result.case.id)) is not None:
                run.apply(result)
        while self._timers and self._timers[0][0] < now:  # fired (or not ours to fire): never look again
            heapq.heappop(self._timers)

    def _advance(self, run: CaseRun, script: Script) -> datetime | None:
        try:
            return next(script)
        except StopIteration:
            return None
        except CasegridError as exc:  # a script met a state it did not expect: count it, keep the district going
            code = run.case.tracking_code if run.case else f"plan {run.plan.index}"
            self.tally.diverted.append(f"{code}: {type(exc).__name__}: {exc.message}")
            return None

    def remember(self, run: CaseRun) -> None:
        assert run.case is not None
        recent = self.recent.setdefault((run.plan.grid_code, run.plan.category), [])
        recent.append(run.case.tracking_code)
        del recent[:-5]

    def duplicate_for(self, run: CaseRun) -> str | None:
        recent = self.recent.get((run.plan.grid_code, run.plan.category))
        return recent[-1] if recent else None
