"""``casegrid demo``: seed the organisation and drive cases through every path of the loop."""
from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, select

from engine.cases.models import Case
from engine.cases.queries import list_cases
from engine.clock import FixedClock, SystemClock
from engine.council.models import CouncilMeeting, HouseholdVote
from engine.council.service import CouncilService
from engine.db import Database
from engine.demo.council_scenarios import run_council_demo
from engine.demo.driver import Driver
from engine.demo.mediation_scenarios import MEDIATION_SCENARIOS, seed_mediators
from engine.demo.organisation import seed_organisation
from engine.demo.scenarios import SCENARIOS
from engine.service import CaseService


@dataclass
class DemoSummary:
    #: Every case the demo created (a merged duplicate brings its original along).
    cases: list[Case] = field(default_factory=list)
    by_status: Counter[str] = field(default_factory=Counter)
    by_outcome: Counter[str] = field(default_factory=Counter)
    #: Council meetings held and household votes by result (passed / failed / open).
    meetings: int = 0
    household_votes: Counter[str] = field(default_factory=Counter)


def run_demo(db: Database, rounds: int = 2, progress: Callable[[int], object] | None = None,
             seed: int = 2026) -> DemoSummary:
    """Run every scenario ``rounds`` times, spread over the past eight weeks.

    Each scenario starts at its own moment so the cases look like a real
    backlog: the ones still open have deadlines that have passed by now.
    """
    with db.transaction() as session:
        seed_organisation(session)
        seed_mediators(session)
    start = SystemClock().now() - timedelta(days=56)
    clock = FixedClock(start)
    driver = Driver(CaseService(db, clock), clock)
    rng = random.Random(seed)
    summary = DemoSummary()
    plan = [name for _ in range(rounds) for name in SCENARIOS]
    rng.shuffle(plan)
    step = timedelta(days=42) / max(len(plan), 1)
    for i, name in enumerate(plan):
        clock.set(start + i * step + timedelta(minutes=rng.randint(0, 600)))
        scenario = SCENARIOS[name][0]
        scenario(driver)
        if progress:
            progress(1)
    # Mediations run over the first two weeks: a path may wait 30 days for its follow-up and still end in the past.
    mediations = [name for _ in range(rounds) for name in MEDIATION_SCENARIOS]
    rng.shuffle(mediations)
    for i, name in enumerate(mediations):
        clock.set(start + i * (timedelta(days=14) / max(len(mediations), 1)) + timedelta(minutes=rng.randint(0, 600)))
        MEDIATION_SCENARIOS[name][0](driver)
        if progress:
            progress(1)
    # The council's meetings and household votes run over the fifth and sixth weeks (see council_scenarios).
    clock.set(start + timedelta(days=28))
    run_council_demo(driver, CouncilService(db, clock, driver.service.hooks))
    with db.reading() as session:
        summary.cases = list_cases(session)
        summary.meetings = session.scalar(select(func.count()).select_from(CouncilMeeting)
                                          .where(CouncilMeeting.status == "held")) or 0
        for status, passed in session.execute(select(HouseholdVote.status, HouseholdVote.passed)):
            summary.household_votes["open" if status == "open" else "passed" if passed else "failed"] += 1
    for case in summary.cases:
        summary.by_status[case.status] += 1
        summary.by_outcome[case.outcome or "—"] += 1
    return summary
