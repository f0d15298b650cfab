"""``casegrid simulate``: a district's workload driven through the real engine services in simulated time.

:func:`run_simulation` is the entry point for the command, the benchmark and the tests.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from engine.clock import FixedClock
from engine.db import Database
from engine.errors import ValidationError
from engine.cases.service import CaseService
from engine.simulate.civic_script import civic_case
from engine.simulate.driver import CaseRun, Script, Simulation
from engine.simulate.identity import seeded_identities
from engine.simulate.mediation_script import mediation_case
from engine.simulate.organisation import GRID_CODES, seed_district
from engine.simulate.summary import SimulationSummary, collect, marks
from engine.simulate.workload import PathMix, plan_workload

#: The simulated period starts here unless told otherwise: a Monday, 00:00 in Beijing, clear of holidays.
#: Fixed, not today, so that a seed always writes the same events.
DEFAULT_START = datetime(2026, 3, 1, 16, 0, tzinfo=timezone.utc)
MAX_CASES = 1_000_000
MAX_DAYS = 366


def script_for(run: CaseRun) -> Script:
    return mediation_case(run) if run.plan.kind == "mediation" else civic_case(run)


def run_simulation(db: Database, *, cases: int, days: int = 30, seed: int = 1, start: datetime | None = None,
                   progress: Callable[[int], object] | None = None,
                   sweep_every: timedelta = timedelta(minutes=15), mix: PathMix | None = None) -> SimulationSummary:
    """Drive ``cases`` cases arriving over ``days`` days until every one has reached the end of its path.

    The same seed on an empty database writes the same events (same hashes). Cases still running
    at the end of ``days`` are followed to their end (a mediation's 30-day follow-up, say).
    """
    errors = {}
    if not 1 <= cases <= MAX_CASES:
        errors["cases"] = f"案件数应在 1 到 {MAX_CASES} 之间"
    if not 1 <= days <= MAX_DAYS:
        errors["days"] = f"模拟天数应在 1 到 {MAX_DAYS} 之间"
    if errors:
        raise ValidationError("模拟参数有误", errors)
    with db.transaction() as s:
        seed_district(s)
    with db.reading() as s:
        before = marks(s)
    start = start or DEFAULT_START
    clock = FixedClock(start)
    mix = mix or PathMix()
    simulation = Simulation(CaseService(db, clock), clock, script_for, sweep_every, mix)
    plans = plan_workload(cases, days, seed, start, GRID_CODES, mix.mediation)
    began, cpu = time.perf_counter(), time.process_time()
    # A rerun on the same database draws other identities: case uuids are unique.
    with seeded_identities(seed * 1_000_003 + before.case_id):
        tally = simulation.run(plans, progress)
    summary = SimulationSummary(cases=cases, days=days, seed=seed, first_arrival=plans[0].arrives_at,
                                last_moment=clock.now(), wall_seconds=time.perf_counter() - began, tally=tally,
                                cpu_seconds=time.process_time() - cpu)
    with db.reading() as s:
        collect(s, before, summary)
    return summary


__all__ = ["PathMix", "SimulationSummary", "run_simulation"]
