"""The demo's field work: plans, flagged households, visits on time and late, a 恳谈会, needs made cases."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import func, select

from engine.clock import FixedClock
from engine.council.service import CouncilService
from engine.demo.field_scenarios import WORKER, run_field_demo
from engine.field.models import DueVisit, FieldNeed
from engine.field.service import FieldService
from engine import CaseService
from tests.fixtures.field import SUPERVISOR


def test_the_demo_leaves_plans_flags_visits_missed_and_made_and_cases_from_needs(service: CaseService) -> None:
    clock = FixedClock(datetime(2026, 3, 16, 1, tzinfo=timezone.utc))
    field = FieldService(service.db, clock, service.hooks)
    run_field_demo(field, CouncilService(service.db, clock, service.hooks), clock, days=27)
    assert {p.name for p in field.plans(SUPERVISOR)} == {"独居老人每月至少2次上门", "低保户每月走访1次"}
    assert len(field.households(SUPERVISOR, flag="living_alone_elderly")) == 4
    assert len(field.recent_visits(SUPERVISOR)) >= 10
    assert field.meetings(WORKER)[0].issues == 2
    with service.db.reading() as s:
        assert s.scalar(select(func.count()).select_from(FieldNeed).where(FieldNeed.case_id.is_not(None))) == 2
        on_time = dict.fromkeys((True, False, None), 0)
        for value, n in s.execute(select(DueVisit.on_time, func.count()).group_by(DueVisit.on_time)):
            on_time[value] = n
    assert on_time[True] > 0 and on_time[None] > 0  # visits made, and 和平苑's 低保户 never visited
    # volunteers: 幸福里 fully staffed, 和平苑 one short; hours confirmed, one waiting, one redemption
    staffing = {g.grid_code: g for g in field.staffing(SUPERVISOR)}
    assert not staffing["XF-01"].short and staffing["HP-01"].short
    rows = field.volunteer_rows(SUPERVISOR)
    assert len(rows) == 3 and all(r.bank_minutes == 210 for r in rows)
    assert sorted(r.points for r in rows) == [25, 25, 35]  # 20 + 15 earned; the first of each grid spent 10
    assert len(field.pending_services(SUPERVISOR)) == 3
    run_field_demo(field, CouncilService(service.db, clock, service.hooks), clock, days=1)  # a rerun adds none
    assert len(field.volunteer_rows(SUPERVISOR)) == 3
