"""Due visits in the SLA sweep (issue 23): made each month and reminded without anyone opening a page, once."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from engine import CaseService
from engine.cases.models import Notification
from engine.clock import FixedClock
from engine.db import Database
from engine.field.models import DueVisit
from engine.field.service import FieldService
from engine.field.visits import VisitInput
from engine.notify.service import NotificationService
from engine.sweep.cycle import run_cycle
from engine.sweep.stages import SweepContext, default_stages, field_stage
from tests.fixtures.field import GRID_WORKER, SUPERVISOR, register


@pytest.fixture
def field(service: CaseService, clock: FixedClock) -> FieldService:
    return FieldService(service.db, clock, service.hooks)


@pytest.fixture
def homes(field: FieldService) -> list[int]:
    """Two households of XF-01 and one of HP-01, all flagged 独居老人, under a plan of 2 visits a month."""
    ids = register(field, "XF-01", "3号楼,101,张建国\n3号楼,102,李秀英") + register(field, "HP-01", "1号楼,101,陈明")
    for home in ids:
        field.set_flags(home, ["独居老人"], SUPERVISOR)
    field.create_plan(name="独居老人每月2次", flag="独居老人", per_month=2, grid_code=None, actor=SUPERVISOR)
    return ids


def sweep(field: FieldService, clock: FixedClock) -> dict[str, int]:
    return dict(field_stage(field.hooks).run(SweepContext(field.db, clock, clock.now())))


def notes(db: Database, kind: str) -> list[tuple[str, str]]:
    with db.reading() as s:
        return [(n.recipient, n.message) for n in s.scalars(
            select(Notification).where(Notification.kind == kind).order_by(Notification.id))]


def test_a_new_month_gets_its_due_visits_from_the_sweep_once(field: FieldService, homes: list[int], db: Database,
                                                            clock: FixedClock) -> None:
    assert sweep(field, clock)["generated"] == 0  # March's were made with the plan
    clock.set(datetime(2026, 4, 1, 0, 30, tzinfo=timezone.utc))  # 08:30 on 1 April in China
    assert sweep(field, clock)["generated"] == 6
    assert sweep(field, clock)["generated"] == 0
    # A household flagged in the meantime gets its visits at the next hourly run, not at every cycle.
    late = register(field, "XF-01", "5号楼,201,王强")[0]
    field.set_flags(late, ["独居老人"], GRID_WORKER)
    clock.advance(minutes=30)
    assert sweep(field, clock)["generated"] == 0
    clock.advance(minutes=31)
    assert sweep(field, clock)["generated"] == 2
    with db.reading() as s:
        assert s.scalar(select(func.count()).select_from(DueVisit).where(DueVisit.month == "2026-04")) == 8


def test_the_grid_worker_is_reminded_before_the_deadline_and_told_once_it_is_missed(
        field: FieldService, homes: list[int], db: Database, clock: FixedClock) -> None:
    assert sweep(field, clock) == {"generated": 0, "reminded": 0, "overdue": 0, "failed": 0}  # 2 March: far off
    clock.set(datetime(2026, 3, 14, 2, tzinfo=timezone.utc))  # the first visits are due by 16 March
    assert sweep(field, clock)["reminded"] == 2  # one message per grid, not per household
    assert sweep(field, clock)["reminded"] == 0
    reminders = notes(db, "field_due")
    assert [r for r, _ in reminders] == ["grid:HP-01", "grid:XF-01"]
    assert "还有 2 户的第 1 次走访未完成，请在 2026-03-16 前上门" in reminders[1][1]
    field.record_visit(VisitInput(household_id=homes[0], visited_on="2026-03-14", met="本人"), GRID_WORKER)
    field.record_visit(VisitInput(household_id=homes[1], visited_on="2026-03-14", met="本人"), GRID_WORKER)
    clock.set(datetime(2026, 3, 17, 2, tzinfo=timezone.utc))
    assert sweep(field, clock)["overdue"] == 1  # 和平苑 missed its first; 幸福里 made both
    assert sweep(field, clock)["overdue"] == 0
    assert [r for r, _ in notes(db, "field_overdue")] == ["grid:HP-01", "supervisor"]
    assert "有 1 户的第 1 次走访未在 2026-03-16 前完成" in notes(db, "field_overdue")[0][1]


class Quiet:
    def send(self, notification: Notification) -> None:
        pass


def test_the_sweep_cycle_delivers_the_reminder_to_the_grid_workers_notices(
        field: FieldService, homes: list[int], db: Database, clock: FixedClock) -> None:
    clock.set(datetime(2026, 3, 29, 2, tzinfo=timezone.utc))  # the second visits are due by 31 March
    report = run_cycle(db, clock, default_stages(field.hooks, Quiet()), holder="test")
    assert report is not None and report.errors == {}, report.stages
    assert report.count("field", "reminded") == 2 and report.count("field", "overdue") == 2  # the first ones
    kinds = [n.kind for n in NotificationService(db, clock).notices("wangge")]
    assert kinds.count("field_due") == 1 and kinds.count("field_overdue") == 1
    clock.advance(minutes=1)
    again = run_cycle(db, clock, default_stages(field.hooks, Quiet()), holder="test")
    assert again is not None and again.count("field", "reminded") == again.count("field", "overdue") == 0


def test_deadlines_long_past_are_not_reported(field: FieldService, homes: list[int], db: Database,
                                              clock: FixedClock) -> None:
    clock.set(datetime(2026, 3, 2, 1, tzinfo=timezone.utc) + timedelta(days=70))  # a sweeper down since March
    counts = sweep(field, clock)
    assert counts["overdue"] == 0 and counts["generated"] == 6  # May's, made; March's not shouted about
