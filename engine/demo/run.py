"""``casegrid demo``: seed the organisation and drive cases through every path of the loop."""
from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, select

from engine.assessments import AssessmentService
from engine.calendar import china_date
from engine.cases.events import CaseEvent
from engine.cases.models import Case
from engine.civic.models import Assignment, Resolution
from engine.cases.queries import list_cases
from engine.clock import FixedClock, SystemClock
from engine.council.models import CouncilMeeting, HouseholdVote
from engine.council.service import CouncilService
from engine.db import Database
from engine.demo.council_scenarios import run_council_demo
from engine.demo.driver import Driver
from engine.demo.field_scenarios import run_field_demo
from engine.demo.joint_scenarios import run_joint_demo
from engine.field.service import FieldService
from engine.demo.mediation_scenarios import MEDIATION_SCENARIOS, seed_mediators
from engine.demo.project_scenarios import run_project_demo
from engine.projects.service import ProjectService
from engine.demo.organisation import seed_organisation
from engine.demo.scenarios import SCENARIOS
from engine.cases.service import CaseService


@dataclass
class DemoSummary:
    #: Every case the demo created (a merged duplicate brings its original along).
    cases: list[Case] = field(default_factory=list)
    by_status: Counter[str] = field(default_factory=Counter)
    by_outcome: Counter[str] = field(default_factory=Counter)
    #: Council meetings held and household votes by result (passed / failed / open).
    meetings: int = 0
    household_votes: Counter[str] = field(default_factory=Counter)
    #: Cases that reached a department, and how many of them never went through the council (协商议定).
    reached_department: int = 0
    without_council: int = 0
    #: Dispatches by mode: direct, whistle, council.
    dispatches: Counter[str] = field(default_factory=Counter)
    #: The assessment runs the demo stored (the latest month and quarter with data).
    assessments: list[int] = field(default_factory=list)
    #: The joint-meeting committee's sittings (minutes published) and resolutions, and the rectification items.
    joint_sittings: int = 0
    joint_resolutions: int = 0
    rectification_items: int = 0


def run_demo(db: Database, rounds: int = 2, progress: Callable[[int], object] | None = None,
             seed: int = 2026) -> DemoSummary:
    """Run every scenario ``rounds`` times, spread over the past eight weeks.

    Each scenario starts at its own moment so the cases look like a real
    backlog: the ones still open have deadlines that have passed by now.
    """
    with db.transaction() as session:
        seed_organisation(session)
        seed_mediators(session)
    # Governance projects first, two years back: a project's two half-yearly evaluations take a year after its
    # acceptance, and the sweep run while they wait must not find the other scenarios' cases yet.
    project_clock = FixedClock(SystemClock().now() - timedelta(days=800))
    project_driver = Driver(CaseService(db, project_clock), project_clock)
    hooks = project_driver.service.hooks
    run_project_demo(project_driver, CouncilService(db, project_clock, hooks), ProjectService(db, project_clock, hooks))
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
    # Field work (走访) over the last four weeks: visits, a plan's due visits, a 恳谈会, needs made cases.
    clock.set(SystemClock().now() - timedelta(days=28))
    run_field_demo(FieldService(db, clock, driver.service.hooks), CouncilService(db, clock, driver.service.hooks),
                   clock, days=27)
    # The joint-meeting committee's last three monthly sittings, and the rectification lists (整改清单).
    joint = run_joint_demo(db, FixedClock(SystemClock().now()))
    summary.joint_sittings, summary.joint_resolutions = joint.sittings, joint.resolutions
    summary.rectification_items = joint.rectification_items
    # The assessments page is not empty after the demo: the month the civic scenarios end in (not the field
    # work's month, whose few cases carry no ratings yet) and the latest quarter with data, assessed now.
    assessments = AssessmentService(db, SystemClock())
    scenarios_end = china_date(start + step * len(plan))
    periods = {"monthly": f"{scenarios_end.year}-{scenarios_end.month:02d}",
               "quarterly": assessments.default_period("quarterly").label}
    for kind, period in periods.items():
        summary.assessments.append(assessments.assess(kind, period, triggered_by="demo"))
    with db.reading() as session:
        summary.cases = list_cases(session)
        summary.meetings = session.scalar(select(func.count()).select_from(CouncilMeeting)
                                          .where(CouncilMeeting.status == "held")) or 0
        for status, passed in session.execute(select(HouseholdVote.status, HouseholdVote.passed)):
            summary.household_votes["open" if status == "open" else "passed" if passed else "failed"] += 1
        reached = select(Assignment.case_id).distinct()
        summary.reached_department = session.scalar(select(func.count()).select_from(reached.subquery())) or 0
        summary.without_council = session.scalar(select(func.count()).select_from(
            reached.where(Assignment.case_id.not_in(select(Resolution.case_id))).subquery())) or 0
        for payload in session.scalars(select(CaseEvent.payload).where(CaseEvent.type == "dispatched")):
            summary.dispatches[json.loads(payload).get("mode", "?")] += 1
    for case in summary.cases:
        summary.by_status[case.status] += 1
        summary.by_outcome[case.outcome or "—"] += 1
    return summary
