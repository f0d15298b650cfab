"""Volunteers (issue 23, part 3): registration per grid, services confirmed by the grid worker, the append-only
points ledger (社区积分) and the time bank (时间银行)."""
from __future__ import annotations

import pytest
from sqlalchemy import select, text, update

from engine import CaseService
from engine.clock import FixedClock
from engine.db import Database
from engine.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from engine.field.models import VolunteerLedgerEntry
from engine.field.service import FieldService
from engine.field.visits import VisitInput
from engine.field.volunteers import MINUTES, POINTS, ServiceInput, VolunteerInput
from tests.fixtures.field import AUDITOR, COUNCIL, GRID_WORKER, OTHER_GRID_WORKER, SUPERVISOR, register


@pytest.fixture
def field(service: CaseService, clock: FixedClock) -> FieldService:
    return FieldService(service.db, clock, service.hooks)


def served(hours: str = "2", day: str = "2026-03-01", **more: object) -> ServiceInput:
    return ServiceInput(served_on=day, hours=hours, description=str(more.pop("description", "陪同就医")),
                        **more)  # type: ignore[arg-type]


def test_grids_short_of_a_worker_or_two_volunteers_are_named(field: FieldService) -> None:
    before = {g.grid_code: g for g in field.staffing(SUPERVISOR)}
    assert before["XF-01"].workers == 1 and before["XF-01"].volunteers == 0 and before["XF-01"].short
    field.register_volunteer(VolunteerInput(name="赵志愿", phone="13800138000", skills="理发"), GRID_WORKER)
    field.register_volunteer(VolunteerInput(name="钱志愿"), GRID_WORKER)
    after = {g.grid_code: g for g in field.staffing(SUPERVISOR)}
    assert after["XF-01"].volunteers == 2 and not after["XF-01"].short
    assert [g.grid_code for g in field.staffing(GRID_WORKER)] == ["XF-01"]
    assert [v.name for v in field.volunteer_rows(GRID_WORKER)] == ["赵志愿", "钱志愿"]
    assert field.volunteer_rows(OTHER_GRID_WORKER) == []


def test_a_confirmed_service_credits_points_and_time_bank_once_and_spending_is_bounded(
        field: FieldService, db: Database) -> None:
    vid = field.register_volunteer(VolunteerInput(name="赵志愿"), GRID_WORKER)
    sid = field.record_service(vid, served("1.5"), GRID_WORKER)
    assert field.volunteer_page(vid, GRID_WORKER).row.points == 0  # claimed: nothing yet
    assert [name for _, name in field.pending_services(GRID_WORKER)] == ["赵志愿"]
    assert field.decide_service(sid, True, GRID_WORKER) == vid
    with pytest.raises(ConflictError):
        field.decide_service(sid, True, GRID_WORKER)
    page = field.volunteer_page(vid, GRID_WORKER)
    assert (page.row.points, page.row.bank_minutes, page.row.year_minutes) == (15, 90, 90)
    assert field.spend(vid, POINTS, "10", "兑换洗衣液", GRID_WORKER) == 5
    with pytest.raises(ValidationError) as refused:
        field.spend(vid, POINTS, "6", "兑换", GRID_WORKER)
    assert "余额只有 5 分" in refused.value.field_errors["amount"]
    assert field.spend(vid, MINUTES, 60, "接受助餐服务", GRID_WORKER) == 30
    ledger = field.volunteer_page(vid, SUPERVISOR).ledger
    assert [(e.account, e.seq, e.amount, e.balance) for e in reversed(ledger)] == [
        (POINTS, 1, 15, 15), (MINUTES, 1, 90, 90), (POINTS, 2, -10, 5), (MINUTES, 2, -60, 30)]
    rejected = field.record_service(vid, served("1"), GRID_WORKER)
    with pytest.raises(ValidationError):
        field.decide_service(rejected, False, GRID_WORKER)  # a rejection says why
    field.decide_service(rejected, False, GRID_WORKER, note="当天未到岗")
    assert field.volunteer_page(vid, GRID_WORKER).row.points == 5


def test_the_ledger_is_append_only(field: FieldService, db: Database) -> None:
    vid = field.register_volunteer(VolunteerInput(name="赵志愿"), GRID_WORKER)
    field.decide_service(field.record_service(vid, served(), GRID_WORKER), True, GRID_WORKER)
    with pytest.raises(RuntimeError, match="append-only"), db.transaction() as s:
        entry = s.scalars(select(VolunteerLedgerEntry)).first()
        assert entry is not None
        entry.amount = 999
    if db.engine.dialect.name == "postgresql":  # the trigger refuses even a statement that skips the ORM
        with pytest.raises(Exception, match="append-only"), db.transaction() as s:
            s.execute(update(VolunteerLedgerEntry).values(amount=999))
        with pytest.raises(Exception, match="append-only"), db.transaction() as s:
            s.execute(text("DELETE FROM volunteer_ledger"))


def test_a_service_may_name_its_visit_or_case_and_bad_input_names_each_field(
        field: FieldService, service: CaseService) -> None:
    home = register(field, "XF-01", "3号楼,101,张建国")[0]
    visit_id, _ = field.record_visit(VisitInput(household_id=home, visited_on="2026-03-01", met="本人"), GRID_WORKER)
    vid = field.register_volunteer(VolunteerInput(name="赵志愿"), GRID_WORKER)
    sid = field.record_service(vid, served(visit_id=str(visit_id)), GRID_WORKER)
    assert field.volunteer_page(vid, GRID_WORKER).services[0].visit_id == visit_id
    assert sid
    with pytest.raises(ValidationError) as refused:
        field.record_service(vid, ServiceInput(served_on="2026-03-09", hours="0.1", description="",
                                               visit_id="abc", case_code="NOPE"), GRID_WORKER)
    assert set(refused.value.field_errors) == {"served_on", "hours", "description", "visit_id", "case_code"}
    for hours in ("nan", "Infinity", "1e400", "-1", "13", "0.3", "1,5"):
        with pytest.raises(ValidationError):
            field.record_service(vid, served(hours), GRID_WORKER)
    with pytest.raises(ValidationError) as refused:
        field.register_volunteer(VolunteerInput(name=" ", phone="12345", skills="x" * 301), GRID_WORKER)
    assert set(refused.value.field_errors) == {"name", "phone", "skills"}


def test_only_the_grid_worker_of_the_grid_keeps_its_volunteers(field: FieldService) -> None:
    vid = field.register_volunteer(VolunteerInput(name="赵志愿"), GRID_WORKER)
    for actor in (SUPERVISOR, AUDITOR, COUNCIL, OTHER_GRID_WORKER):
        if actor is not OTHER_GRID_WORKER:  # who registers in their own grid
            with pytest.raises(PermissionDenied):
                field.register_volunteer(VolunteerInput(name="x"), actor)
        with pytest.raises(PermissionDenied):
            field.record_service(vid, served(), actor)
    sid = field.record_service(vid, served(), GRID_WORKER)
    with pytest.raises(PermissionDenied):
        field.decide_service(sid, True, OTHER_GRID_WORKER)
    with pytest.raises(PermissionDenied):
        field.spend(vid, POINTS, 1, "x", OTHER_GRID_WORKER)
    with pytest.raises(PermissionDenied):
        field.volunteer_page(vid, OTHER_GRID_WORKER)
    with pytest.raises(PermissionDenied):
        field.volunteer_rows(COUNCIL)
    assert field.volunteer_page(vid, AUDITOR).row.name == "赵志愿"
    with pytest.raises(NotFound):
        field.volunteer_page(999999, GRID_WORKER)
    field.set_volunteer_active(vid, False, GRID_WORKER)
    with pytest.raises(ConflictError):
        field.record_service(vid, served(), GRID_WORKER)


def test_the_assessment_shows_hours_per_volunteer_and_the_share_active(field: FieldService, db: Database,
                                                                      clock: FixedClock) -> None:
    from datetime import datetime, timezone

    from engine.assessments.periods import parse_period
    from engine.assessments.service import AssessmentService

    first = field.register_volunteer(VolunteerInput(name="赵志愿"), GRID_WORKER)
    second = field.register_volunteer(VolunteerInput(name="钱志愿"), GRID_WORKER)
    field.register_volunteer(VolunteerInput(name="孙志愿"), OTHER_GRID_WORKER)
    field.decide_service(field.record_service(first, served("1.5"), GRID_WORKER), True, GRID_WORKER)
    field.record_service(second, served("3"), GRID_WORKER)  # never confirmed: does not count
    clock.set(datetime(2026, 4, 2, 1, tzinfo=timezone.utc))
    figures = {(f.unit_code, f.indicator): f for f in AssessmentService(db, clock).compute(
        parse_period("quarterly", "2026-Q1")).figures if f.indicator.startswith("volunteer_")}
    assert figures["幸福里社区", "volunteer_hours"].value == pytest.approx(0.75)
    assert (figures["幸福里社区", "volunteer_active"].numerator, figures["幸福里社区", "volunteer_active"].denominator) == (1, 2)
    assert figures["和平苑社区", "volunteer_hours"].value == 0
    assert (figures["all", "volunteer_active"].numerator, figures["all", "volunteer_active"].denominator) == (1, 3)
    assert figures["all", "volunteer_hours"].value == pytest.approx(0.5)
