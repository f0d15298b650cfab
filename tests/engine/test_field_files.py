"""Household and person files (一户一档, issue 23 part 2): members, sensitive notes masked and access-logged,
the household's cases and votes, and CSV/XLSX import (all or nothing, naming the bad line) and export."""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select, text

from engine.audit.access_log import AccessLogEntry
from engine.audit.core_access import HOURS_ENV, Access, approval_hours
from engine.audit.service import AuditService
from engine.clock import FixedClock
from engine.council.models import Household
from engine.db import Database
from engine.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from engine.field.service import FieldService
from engine.field.visits import VisitInput
from engine.people.actor import Actor
from engine.privacy.household_keys import open_for_household
from engine.privacy.keys import DataKeyError, is_token
from engine.schema import alembic_config
from engine import CaseService
from tests.fixtures.field import AUDITOR, COUNCIL, GRID_WORKER, OTHER_GRID_WORKER, SUPERVISOR, register


@pytest.fixture
def field(service: CaseService, clock: FixedClock) -> FieldService:
    return FieldService(service.db, clock, service.hooks)


def test_a_file_holds_members_notes_and_the_cases_made_from_its_visits(field: FieldService) -> None:
    [home] = register(field, "XF-01", "3号楼,101,张建国")
    field.add_member(home, name="张建国", relation="户主", birth_year="1941", actor=GRID_WORKER)
    field.add_member(home, name="张小梅", relation="子女", birth_year="", actor=SUPERVISOR)
    field.add_note(home, text="女儿每周末回来", sensitive=False, actor=GRID_WORKER)
    visit, _ = field.record_visit(VisitInput(home, "2026-03-02", "户主本人", needs=["卫生间扶手松动"]), GRID_WORKER)
    code = field.need_to_case(field.visit(visit, GRID_WORKER).needs[0].need_id, "物业管理", GRID_WORKER)
    file = field.household_file(home, AUDITOR)
    assert [(m.name, m.relation, m.birth_year) for m in file.members] == [("张建国", "户主", 1941), ("张小梅", "子女", None)]
    assert [n.text for n in file.notes] == ["女儿每周末回来"]
    assert [c.tracking_code for c in file.cases] == [code]
    with pytest.raises(ValidationError) as refused:
        field.add_member(home, name="", relation="邻居", birth_year="2099", actor=GRID_WORKER)
    assert set(refused.value.field_errors) == {"name", "relation", "birth_year"}
    with pytest.raises(PermissionDenied):
        field.add_member(home, name="李四", relation="其他", birth_year=None, actor=OTHER_GRID_WORKER)
    with pytest.raises(PermissionDenied):
        field.add_note(home, text="x", sensitive=False, actor=AUDITOR)


def test_a_sensitive_note_is_read_only_under_the_supervisors_running_approval_and_every_step_is_logged(
        field: FieldService, db: Database, clock: FixedClock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(HOURS_ENV, "24")
    audit = AuditService(field.db, clock)
    [home] = register(field, "XF-01", "3号楼,101,张建国")
    field.add_note(home, text="患阿尔茨海默病，需每日服药", sensitive=True, actor=GRID_WORKER)
    [note] = field.household_file(home, GRID_WORKER).notes
    assert note.sensitive and note.text is None and note.access == Access(None)
    with pytest.raises(NotFound):
        field.request_note(999999, "revisit", "安排助老服务需了解病情和用药", GRID_WORKER)
    with pytest.raises(PermissionDenied):  # no approval, no text: not even the supervisor
        field.read_note(note.note_id, SUPERVISOR)
    with pytest.raises(PermissionDenied):
        field.read_note(note.note_id, GRID_WORKER)
    with pytest.raises(ValidationError) as refused:  # a purpose from the list and a real detail
        field.request_note(note.note_id, "看看", "看看", GRID_WORKER)
    assert set(refused.value.field_errors) == {"purpose", "detail"}
    with pytest.raises(PermissionDenied):
        field.request_note(note.note_id, "revisit", "安排助老服务需了解病情和用药", OTHER_GRID_WORKER)
    asked = field.request_note(note.note_id, "revisit", "安排助老服务需了解病情和用药", GRID_WORKER)
    assert field.request_note(note.note_id, "revisit", "安排助老服务需了解病情和用药", GRID_WORKER) == asked
    assert field.household_file(home, GRID_WORKER).notes[0].access.status == "pending"
    with pytest.raises(PermissionDenied):  # waiting is not approved
        field.read_note(note.note_id, GRID_WORKER)
    with pytest.raises(PermissionDenied):  # only the supervisor approves
        audit.decide_core_request(asked, AUDITOR, approve=True, note=None)
    with pytest.raises(PermissionDenied):
        audit.decide_core_request(asked, GRID_WORKER, approve=True, note=None)
    audit.decide_core_request(asked, SUPERVISOR, approve=True, note=None)
    with pytest.raises(ConflictError):
        audit.decide_core_request(asked, SUPERVISOR, approve=False, note="重复审批")
    with pytest.raises(PermissionDenied):  # the approval is the asker's, not the approver's
        field.read_note(note.note_id, SUPERVISOR)
    assert field.read_note(note.note_id, GRID_WORKER) == "患阿尔茨海默病，需每日服药"
    clock.advance(hours=25)
    assert field.household_file(home, GRID_WORKER).notes[0].access == Access(None)
    with pytest.raises(PermissionDenied):  # expired
        field.read_note(note.note_id, GRID_WORKER)
    with db.reading() as s:
        rows = s.execute(select(AccessLogEntry.username, AccessLogEntry.kind, AccessLogEntry.what)
                         .order_by(AccessLogEntry.id)).all()
    subject = f"household:{home}:note:{note.note_id}"
    assert rows == [("wangge", "core_request", subject), ("dudao", "core_approve", subject),
                    ("wangge", "unmask", subject)]
    with db.reading() as s:
        reason = s.scalars(select(AccessLogEntry.reason).where(AccessLogEntry.kind == "unmask")).one()
    assert reason == "回访核实办理结果：安排助老服务需了解病情和用药"


def test_a_supervisor_asking_needs_another_supervisor_and_a_refusal_says_why(
        field: FieldService, db: Database, clock: FixedClock) -> None:
    audit = AuditService(field.db, clock)
    other = Actor("dudao2", "supervisor")
    [home] = register(field, "XF-01", "3号楼,101,张建国")
    field.add_note(home, text="家庭年收入约两万元", sensitive=True, actor=GRID_WORKER)
    [note] = field.household_file(home, SUPERVISOR).notes
    asked = field.request_note(note.note_id, "verify_identity", "核实低保申请材料中的家庭收入", SUPERVISOR)
    with pytest.raises(PermissionDenied):
        audit.decide_core_request(asked, SUPERVISOR, approve=True, note=None)
    with pytest.raises(ValidationError) as refused:
        audit.decide_core_request(asked, other, approve=False, note="")
    assert set(refused.value.field_errors) == {"note"}
    audit.decide_core_request(asked, other, approve=False, note="低保核查不需要查看本备注")
    access = field.household_file(home, SUPERVISOR).notes[0].access
    assert access is not None and access.status == "refused" and access.note == "低保核查不需要查看本备注"
    with pytest.raises(PermissionDenied):
        field.read_note(note.note_id, SUPERVISOR)
    waiting, decided = audit.core_requests(other)
    assert waiting == [] and [r.status for r in decided] == ["refused"]
    with db.reading() as s:
        kinds = s.scalars(select(AccessLogEntry.kind).order_by(AccessLogEntry.id)).all()
    assert kinds == ["core_request", "core_refuse"]


def test_the_approval_lasts_as_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(HOURS_ENV, "2")
    assert approval_hours() == 2
    monkeypatch.setenv(HOURS_ENV, "0")
    with pytest.raises(ValueError):
        approval_hours()
    monkeypatch.delenv(HOURS_ENV)
    assert approval_hours() == 24


def _csv(text: str) -> bytes:
    return text.encode("utf-8-sig")


def test_an_import_adds_and_updates_households_with_flags(field: FieldService) -> None:
    register(field, "XF-01", "3号楼,101,张建国")
    done = field.import_households("XF-01", _csv("楼栋,房号,户主,标识\n3号楼,101,张建国,独居老人、残疾人\n"
                                                 "3号楼,102,李秀英,\n4号楼,201,王强,低保户\n"), "households.csv", GRID_WORKER)
    assert (done.added, done.updated) == (2, 1)
    rows = {h.address: h.flags for h in field.households(GRID_WORKER)}
    assert rows == {"3号楼 101": ["disabled", "living_alone_elderly"], "3号楼 102": [], "4号楼 201": ["dibao"]}


@pytest.mark.parametrize(("body", "named"), [
    ("楼栋,房号,户主,标识\n3号楼,101,张建国,\n3号楼,,李秀英,\n", "第 3 行"),
    ("楼栋,房号,户主,标识\n3号楼,101,张建国,巫师\n", "第 2 行：未知的标识"),
    ("楼栋,房号,户主,标识\n3号楼,101,张建国,\n5号楼,1,甲,\n3号楼,101,张建国,\n", "第 4 行与第 2 行是同一户"),
    ("building,room,head\n3号楼,101,张建国\n", "第 1 行应为表头"),
    ("楼栋,房号,户主,标识\n3号楼,101,张\x00建国,\n", "空字符"),
])
def test_a_bad_line_is_named_and_nothing_is_imported(field: FieldService, db: Database, body: str, named: str) -> None:
    with pytest.raises(ValidationError) as refused:
        field.import_households("XF-01", _csv(body), "h.csv", GRID_WORKER)
    assert named in refused.value.field_errors["file"]
    with db.reading() as s:
        assert s.scalar(select(func.count()).select_from(Household)) == 0


def test_import_checks_the_grid_and_the_file_type(field: FieldService) -> None:
    with pytest.raises(PermissionDenied):
        field.import_households("HP-01", _csv("楼栋,房号,户主,标识\n1号楼,101,陈明,\n"), "h.csv", GRID_WORKER)
    with pytest.raises(PermissionDenied):
        field.import_households("XF-01", _csv("楼栋,房号,户主,标识\n"), "h.csv", COUNCIL)
    with pytest.raises(ValidationError, match="XLSX"):
        field.import_households("XF-01", b"PK\x03\x04 not really a workbook", "h.xlsx", GRID_WORKER)
    with pytest.raises(ValidationError, match="csv"):
        field.import_households("XF-01", b"x", "h.txt", GRID_WORKER)


def test_an_export_comes_back_in_unchanged_as_csv_and_xlsx_and_formulas_stay_text(field: FieldService) -> None:
    field.import_households("XF-01", _csv("楼栋,房号,户主,标识\n3号楼,101,=HYPERLINK(\"x\"),独居老人\n"),
                            "h.csv", GRID_WORKER)
    register(field, "HP-01", "1号楼,101,陈明")
    exported = field.export_households(GRID_WORKER, "csv").decode("utf-8-sig")
    assert exported.splitlines() == ["网格,社区,楼栋,房号,户主,标识", "XF-01,幸福里社区,3号楼,101,\"'=HYPERLINK(\"\"x\"\")\",独居老人"]
    book = load_workbook(io.BytesIO(field.export_households(GRID_WORKER, "xlsx")))
    row = [c.value for c in book.active[2]]
    assert row == ["XF-01", "幸福里社区", "3号楼", "101", '=HYPERLINK("x")', "独居老人"]
    assert book.active["E2"].data_type == "s"
    # The export read back as it is: the same household, updated, no new one; the formula-like head kept as text.
    back = field.import_households("XF-01", field.export_households(GRID_WORKER, "xlsx"), "back.xlsx", GRID_WORKER)
    assert (back.added, back.updated) == (0, 1)
    assert [h.head_name for h in field.households(GRID_WORKER)] == ['=HYPERLINK("x")']
    assert "陈明" in field.export_households(SUPERVISOR, "csv").decode("utf-8-sig")


def _stored_notes(db: Database) -> list[tuple[int, str, bool]]:
    with db.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(  # type: ignore[misc]
            "SELECT household_id, text, sensitive FROM household_note ORDER BY id"))]


def test_a_sensitive_note_is_ciphertext_under_its_households_own_key(field: FieldService, db: Database) -> None:
    first, second = register(field, "XF-01", "3号楼,101,张建国\n3号楼,102,李桂兰")
    field.add_note(first, text="患阿尔茨海默病，需每日服药", sensitive=True, actor=GRID_WORKER)
    field.add_note(first, text="女儿每周末回来", sensitive=False, actor=GRID_WORKER)
    field.add_note(second, text="家庭年收入约两万元", sensitive=True, actor=GRID_WORKER)
    (_, sealed, _), (_, plain, _), (_, other, _) = _stored_notes(db)
    assert is_token(sealed) and "阿尔茨海默" not in sealed and plain == "女儿每周末回来" and is_token(other)
    with db.engine.connect() as conn:
        keys = conn.execute(text("SELECT household_id, wrapped FROM household_data_key ORDER BY household_id")).all()
    assert [h for h, _ in keys] == sorted([first, second]) and keys[0][1] != keys[1][1]
    with db.reading() as s:
        assert open_for_household(s, first, sealed) == "患阿尔茨海默病，需每日服药"
        with pytest.raises(DataKeyError):  # a token copied to another household's file does not open there
            open_for_household(s, second, sealed)


def test_migration_0044_seals_the_sensitive_notes_kept_in_clear_and_its_downgrade_opens_them(
        field: FieldService, db: Database, clock: FixedClock, monkeypatch: pytest.MonkeyPatch) -> None:
    from alembic import command

    [home] = register(field, "XF-01", "3号楼,101,张建国")
    field.add_note(home, text="患阿尔茨海默病，需每日服药", sensitive=True, actor=GRID_WORKER)
    config = alembic_config(db.engine)
    command.downgrade(config, "0043")  # as the database stood before: the note in clear
    assert _stored_notes(db) == [(home, "患阿尔茨海默病，需每日服药", True)]
    command.upgrade(config, "head")
    [(_, sealed, _)] = _stored_notes(db)
    assert is_token(sealed)
    monkeypatch.setenv(HOURS_ENV, "24")
    [note] = field.household_file(home, GRID_WORKER).notes
    asked = field.request_note(note.note_id, "revisit", "安排助老服务需了解用药", GRID_WORKER)
    AuditService(field.db, clock).decide_core_request(asked, SUPERVISOR, approve=True, note=None)
    assert field.read_note(note.note_id, GRID_WORKER) == "患阿尔茨海默病，需每日服药"
