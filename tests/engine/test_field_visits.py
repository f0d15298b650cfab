"""Door-to-door visits (入户走访 / 民情日志), visit plans and their due visits, 恳谈会, needs that become cases
(issue 23, part 1)."""
from __future__ import annotations

import io
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from engine.assessments.periods import parse_period
from engine.assessments.service import AssessmentService
from engine.cases.events import CaseEvent
from engine.calendar import WorkCalendar, china_date
from engine.clock import FixedClock
from engine.db import Database
from engine.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from engine.evidence.models import Attachment, EvidenceFile
from engine.evidence.service import EvidenceService
from engine.evidence.store import EvidenceStore
from engine.field.models import DueVisit, FieldVisit
from engine.field.plans import month_deadlines
from engine.field.service import FieldService
from engine.field.visits import MeetingInput, VisitInput
from engine import CaseService
from tests.fixtures import photos
from tests.fixtures.field import AUDITOR, COUNCIL, GRID_WORKER, OTHER_GRID_WORKER, SUPERVISOR, register


@pytest.fixture
def field(service: CaseService, clock: FixedClock) -> FieldService:
    return FieldService(service.db, clock, service.hooks)


@pytest.fixture
def homes(field: FieldService) -> list[int]:
    """Three households of XF-01 and one of HP-01."""
    return register(field, "XF-01", "3号楼,101,张建国\n3号楼,102,李秀英\n5号楼,201,王强") + register(
        field, "HP-01", "1号楼,101,陈明")


def visit(household: int, day: str = "2026-03-02", **more: object) -> VisitInput:
    return VisitInput(household_id=household, visited_on=day, met=more.pop("met", "户主本人"), **more)  # type: ignore[arg-type]


def test_a_grid_worker_records_a_visit_with_needs_and_it_shows_in_the_log(field: FieldService, homes: list[int]) -> None:
    visit_id, new = field.record_visit(visit(homes[0], notes="身体尚可", needs=["楼道灯坏了", "", "想申请助餐"]),
                                       GRID_WORKER)
    assert new
    page = field.visit(visit_id, GRID_WORKER)
    assert (page.address, page.met, page.notes) == ("3号楼 101", "户主本人", "身体尚可")
    assert [n.description for n in page.needs] == ["楼道灯坏了", "想申请助餐"]
    assert [v.visit_id for v in field.recent_visits(GRID_WORKER)] == [visit_id]
    assert field.household(homes[0], GRID_WORKER).row.last_visit == date(2026, 3, 2)


def test_a_visit_outside_ones_grid_or_by_another_role_is_refused(field: FieldService, homes: list[int]) -> None:
    with pytest.raises(PermissionDenied):
        field.record_visit(visit(homes[3]), GRID_WORKER)
    with pytest.raises(PermissionDenied):
        field.record_visit(visit(homes[0]), SUPERVISOR)
    visit_id, _ = field.record_visit(visit(homes[0]), GRID_WORKER)
    with pytest.raises(PermissionDenied):
        field.visit(visit_id, OTHER_GRID_WORKER)
    with pytest.raises(PermissionDenied):
        field.visit(visit_id, COUNCIL)
    assert field.visit(visit_id, AUDITOR).visit_id == visit_id
    with pytest.raises(NotFound):
        field.record_visit(visit(999999), GRID_WORKER)


@pytest.mark.parametrize(("day", "error"), [("2026-03-03", "不能晚于今天"), ("2025-12-01", "不能早于"),
                                            ("3月2日", "YYYY-MM-DD")])
def test_a_visit_dated_in_the_future_long_ago_or_malformed_is_refused_naming_the_field(
        field: FieldService, homes: list[int], db: Database, day: str, error: str) -> None:
    with pytest.raises(ValidationError) as refused:
        field.record_visit(visit(homes[0], day, gps_lat="91", gps_lon="10"), GRID_WORKER)
    assert error in refused.value.field_errors["visited_on"]
    assert "gps" in refused.value.field_errors
    with db.reading() as s:
        assert s.scalar(select(func.count()).select_from(FieldVisit)) == 0


def test_the_same_capture_synced_twice_is_one_visit(field: FieldService, homes: list[int]) -> None:
    first = field.record_visit(visit(homes[0], client_key="cap-0001-abcd"), GRID_WORKER)
    again = field.record_visit(visit(homes[0], client_key="cap-0001-abcd"), GRID_WORKER)
    assert first == (first[0], True) and again == (first[0], False)
    with pytest.raises(ConflictError):
        field.record_visit(visit(homes[0], client_key="cap-0001-abcd"), OTHER_GRID_WORKER)


def test_a_need_becomes_a_case_in_one_step_linked_both_ways(field: FieldService, service: CaseService,
                                                            homes: list[int], db: Database) -> None:
    visit_id, _ = field.record_visit(visit(homes[0], needs=["楼道灯坏了，老人夜里看不见"]), GRID_WORKER)
    need = field.visit(visit_id, GRID_WORKER).needs[0]
    code = field.need_to_case(need.need_id, "公共设施", GRID_WORKER)
    case = service.case(code)
    assert (case.channel, case.grid_code, case.address, case.category) == ("grid_visit", "XF-01", "3号楼101", "公共设施")
    assert field.visit(visit_id, GRID_WORKER).needs[0].tracking_code == code
    linked = [e for e in service.events(code) if e.type == "field_need_linked"]
    assert len(linked) == 1 and '"visit":' in linked[0].payload
    assert service.verify(code)[0].ok
    with pytest.raises(ConflictError, match=code):
        field.need_to_case(need.need_id, "公共设施", GRID_WORKER)
    with pytest.raises(PermissionDenied):
        field.need_to_case(need.need_id, "公共设施", OTHER_GRID_WORKER)


def test_a_refused_category_opens_no_case_and_leaves_the_need_open(field: FieldService, homes: list[int],
                                                                    db: Database) -> None:
    visit_id, _ = field.record_visit(visit(homes[0], needs=["需要助餐"]), GRID_WORKER)
    need = field.visit(visit_id, GRID_WORKER).needs[0]
    with pytest.raises(ValidationError):
        field.need_to_case(need.need_id, "不存在的类别", GRID_WORKER)
    assert field.visit(visit_id, GRID_WORKER).needs[0].tracking_code is None
    with db.reading() as s:
        assert s.scalar(select(func.count()).select_from(CaseEvent)) == 0


def test_a_visits_photos_are_kept_by_the_visit_and_join_the_case_made_from_it(
        field: FieldService, homes: list[int], db: Database, clock: FixedClock, tmp_path) -> None:
    evidence = EvidenceService(db, EvidenceStore(tmp_path / "evidence"), clock)
    sha = evidence.receive(io.BytesIO(photos.photo(gps=True)), kinds={"image/jpeg"}).sha256
    visit_id, _ = field.record_visit(visit(homes[0], photos=[sha], needs=["墙面渗水"]), GRID_WORKER)
    page = field.visit(visit_id, GRID_WORKER)
    assert [p.sha256 for p in page.photos] == [sha] and page.photos[0].thumb_sha256
    clock.advance(days=30)
    assert evidence.sweep_unattached(timedelta(days=1)).uploads == 0  # not an abandoned upload
    assert field.visit_photo(visit_id, sha, "thumb", GRID_WORKER)[1] == "image/jpeg"
    with pytest.raises(PermissionDenied):
        field.visit_photo(visit_id, sha, "original", OTHER_GRID_WORKER)
    field.visit_photo(visit_id, sha, "original", GRID_WORKER)
    from engine.audit.access_log import AccessLogEntry
    with db.reading() as s:
        assert s.scalar(select(AccessLogEntry.what).where(AccessLogEntry.username == "wangge")).startswith("visit:")
    code = field.need_to_case(page.needs[0].need_id, "物业管理", GRID_WORKER)
    with db.reading() as s:
        attached = s.scalars(select(Attachment.purpose).where(Attachment.sha256 == sha)).all()
    assert attached == ["visit"] and code
    with pytest.raises(ValidationError):
        field.record_visit(visit(homes[0], photos=["0" * 64]), GRID_WORKER)


def test_deadlines_of_a_months_visits_fall_on_chinese_working_days() -> None:
    calendar = WorkCalendar()
    # October 2026: 国庆 1–7 October are holidays; Saturday 10 October is a make-up working day.
    deadlines = [china_date(d) for d in month_deadlines(calendar, 2026, 10, 4)]
    assert all(calendar.is_workday(d) for d in deadlines)
    assert deadlines == sorted(deadlines) and deadlines[-1] == date(2026, 10, 30)  # the 31st is a Saturday
    # The first quarter ends on the 8th, the first working day after the holiday; none falls inside it.
    assert not any(date(2026, 10, 1) <= d <= date(2026, 10, 7) for d in deadlines)
    march = [china_date(d) for d in month_deadlines(calendar, 2026, 3, 2)]
    assert march == [date(2026, 3, 16), date(2026, 3, 31)]


def test_a_plan_makes_visits_due_for_flagged_households_and_a_visit_fulfils_one(
        field: FieldService, homes: list[int], clock: FixedClock) -> None:
    field.set_flags(homes[0], ["独居老人"], GRID_WORKER)
    field.set_flags(homes[3], ["living_alone_elderly", "dibao"], SUPERVISOR)
    made = field.create_plan(name="独居老人每月2次", flag="独居老人", per_month="2", grid_code=None, actor=SUPERVISOR)
    assert (made.month, made.created) == ("2026-03", 4)
    assert field.generate_due("2026-03", SUPERVISOR).created == 0  # idempotent
    due = field.due_list(GRID_WORKER)
    assert [(d.household_id, d.number, d.due_day) for d in due] == [(homes[0], 1, date(2026, 3, 16)),
                                                                      (homes[0], 2, date(2026, 3, 31))]
    assert field.due_count(OTHER_GRID_WORKER) == (2, 0)
    field.record_visit(visit(homes[0]), GRID_WORKER)
    assert [d.number for d in field.due_list(GRID_WORKER)] == [2]
    clock.advance(days=16)  # 18 March: the second is not overdue yet, nothing else open
    assert field.due_count(GRID_WORKER) == (1, 0)
    assert field.due_count(OTHER_GRID_WORKER) == (2, 1)


def test_visits_made_before_the_plan_count_for_its_due_visits(field: FieldService, homes: list[int]) -> None:
    field.record_visit(visit(homes[0]), GRID_WORKER)
    field.set_flags(homes[0], ["独居老人"], GRID_WORKER)
    made = field.create_plan(name="独居老人", flag="living_alone_elderly", per_month=2, grid_code="XF-01",
                             actor=SUPERVISOR)
    assert (made.created, made.fulfilled) == (2, 1)


def test_only_the_supervisor_keeps_plans_and_a_bad_plan_names_its_fields(field: FieldService) -> None:
    with pytest.raises(PermissionDenied):
        field.create_plan(name="x", flag="dibao", per_month=1, grid_code=None, actor=GRID_WORKER)
    with pytest.raises(ValidationError) as refused:
        field.create_plan(name="", flag="巫师", per_month="99", grid_code="NOPE", actor=SUPERVISOR)
    assert set(refused.value.field_errors) == {"name", "flag", "per_month", "grid_code"}
    with pytest.raises(ValidationError):
        field.generate_due("2026-13", SUPERVISOR)


def test_a_meeting_records_attendance_and_its_issues_become_cases(field: FieldService, service: CaseService) -> None:
    meeting_id = field.record_meeting(MeetingInput(held_on="2026-03-01", topic="三月民情恳谈会", location="幸福里活动室",
                                                   attendance="23", attendees="张建国\n李秀英",
                                                   issues=["小区停车难", "健身器材损坏"]), GRID_WORKER)
    page = field.meeting(meeting_id, GRID_WORKER)
    assert (page.attendance, [i.description for i in page.issues]) == (23, ["小区停车难", "健身器材损坏"])
    code = field.need_to_case(page.issues[1].need_id, "公共设施", GRID_WORKER)
    assert service.case(code).address == "幸福里活动室"
    assert [m.issues for m in field.meetings(SUPERVISOR)] == [2]
    assert field.meetings(OTHER_GRID_WORKER) == []
    with pytest.raises(ValidationError) as refused:
        field.record_meeting(MeetingInput(held_on="2026-03-01", topic="", location="x", attendance="0"), GRID_WORKER)
    assert set(refused.value.field_errors) == {"topic", "attendance"}


def test_coverage_is_an_assessment_indicator_per_community(field: FieldService, homes: list[int], db: Database,
                                                           clock: FixedClock) -> None:
    field.set_flags(homes[0], ["独居老人"], GRID_WORKER)
    field.set_flags(homes[3], ["独居老人"], SUPERVISOR)
    field.create_plan(name="独居老人每月2次", flag="独居老人", per_month=2, grid_code=None, actor=SUPERVISOR)
    field.record_visit(visit(homes[0]), GRID_WORKER)  # on time for the 16 March visit
    clock.advance(days=17)  # 19 March: 幸福里 made its first on time; 和平苑 missed its first
    field.record_visit(visit(homes[0], "2026-03-19"), GRID_WORKER)  # the second, early
    clock.set(datetime(2026, 4, 2, 1, tzinfo=timezone.utc))
    assessments = AssessmentService(db, clock)
    figures = {(f.unit_type, f.unit_code): f for f in assessments.compute(parse_period("quarterly", "2026-Q1")).figures
               if f.indicator == "visit_coverage"}
    assert (figures["community", "幸福里社区"].numerator, figures["community", "幸福里社区"].denominator) == (2, 2)
    assert (figures["community", "和平苑社区"].numerator, figures["community", "和平苑社区"].denominator) == (0, 2)
    assert (figures["street", "all"].numerator, figures["street", "all"].denominator) == (2, 4)


def test_a_capture_whose_twin_committed_first_is_answered_with_the_twins_visit(
        field: FieldService, homes: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    """Two syncs of one capture at once: on PostgreSQL the second waits on the key's unique index and fails
    there once the first commits. The service answers it with the first one's visit instead of an error."""
    from sqlalchemy.exc import IntegrityError

    from engine.field import visits as visit_rows

    original, raced = visit_rows.record_visit, []

    def racing(session, data, **kwargs):  # noqa: ANN001, ANN003, ANN202
        if not raced:  # the twin commits in between: this transaction's insert hits the unique key
            with field.db.transaction() as twin:
                raced.append(original(twin, data, **kwargs)[0].id)
            raise IntegrityError("INSERT INTO field_visit", {}, Exception("duplicate key value (client_key)"))
        return original(session, data, **kwargs)

    monkeypatch.setattr(visit_rows, "record_visit", racing)
    visit_id, new = field.record_visit(visit(homes[0], client_key="cap-race-0001"), GRID_WORKER)
    assert (visit_id, new) == (raced[0], False)
    with pytest.raises(IntegrityError):  # without a key there is nothing to answer with
        raced.clear()
        field.record_visit(visit(homes[0]), GRID_WORKER)


def test_a_phone_report_opens_one_case_per_key_even_when_its_twin_commits_first(
        field: FieldService, monkeypatch: pytest.MonkeyPatch) -> None:
    """A report filed from the phone page (代居民登记) opens a case in the worker's own grid, channel 入户走访;
    synced again — or twice at once — it answers the same case; another person's key is refused."""
    from sqlalchemy.exc import IntegrityError

    from engine.cases.intake import Intake
    from engine.cases.models import Case
    from engine.field import visits as visit_rows
    from engine.field.models import FieldReport

    intake = Intake(description="3号楼前路灯不亮", category="公共设施", grid_code="HP-01", address="3号楼前")
    code, new = field.file_report(intake, "report-key-0001", GRID_WORKER)
    assert new and field.file_report(intake, "report-key-0001", GRID_WORKER) == (code, False)
    with field.db.reading() as s:
        [case] = s.scalars(select(Case)).all()
        assert (case.tracking_code, case.grid_code, case.channel) == (code, "XF-01", "grid_visit")
    with pytest.raises(ConflictError):
        field.file_report(intake, "report-key-0001", OTHER_GRID_WORKER)
    with pytest.raises(PermissionDenied):
        field.file_report(intake, "report-key-0002", AUDITOR)
    with pytest.raises(ValidationError) as refused:
        field.file_report(intake, "", GRID_WORKER)
    assert "client_key" in refused.value.field_errors

    original, raced = visit_rows.file_report, []

    def racing(session, intake, key, **kwargs):  # noqa: ANN001, ANN003, ANN202
        if not raced:  # the twin commits in between: this transaction's insert hits the unique key
            with field.db.transaction() as twin:
                raced.append(original(twin, intake, key, **kwargs)[0].tracking_code)
            raise IntegrityError("INSERT INTO field_report", {}, Exception("duplicate key value (client_key)"))
        return original(session, intake, key, **kwargs)

    monkeypatch.setattr(visit_rows, "file_report", racing)
    assert field.file_report(intake, "report-key-0003", GRID_WORKER) == (raced[0], False)
    with field.db.reading() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 2
        assert s.scalar(select(func.count()).select_from(FieldReport)) == 2
