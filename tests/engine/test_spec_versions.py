"""Drafts, publishing with a change note, retiring; new cases follow the newest version, old ones stay pinned."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.cli import main
from engine.clock import FixedClock
from engine.db import Database
from engine.demo import scenarios
from engine.demo.driver import Driver
from engine.errors import ConflictError, SpecError, ValidationError
from engine.labels import SEED_NOTE
from engine import CaseService
from engine.specs.service import ProcessService
from tests.conftest import START
from tests.fixtures.process_versions import (  # noqa: F401  (fixture)
    DIAGRAMS,
    civic_loop,
    versions_restored,
    with_accept_timer,
    with_label,
)

pytestmark = pytest.mark.usefixtures("versions_restored")


@pytest.fixture
def processes(db: Database, clock: FixedClock) -> ProcessService:
    return ProcessService(db, clock)


def _civic(processes: ProcessService):  # type: ignore[no-untyped-def]
    return next(p for p in processes.processes() if p.key == "civic_loop")


def test_the_seed_is_version_1_published_by_casegrid_init(processes: ProcessService) -> None:
    [v1] = _civic(processes).versions
    assert (v1.version, v1.status, v1.published_by, v1.change_note) == (1, "published", "casegrid init",
                                                                         SEED_NOTE)


def test_a_draft_is_saved_as_typed_even_when_it_is_not_valid(processes: ProcessService) -> None:
    v1 = _civic(processes).current_id
    draft = processes.save_draft(v1, "<bpmn:definitions>not finished", by="dudao")
    assert (draft.status, draft.version, draft.xml) == ("draft", 2, "<bpmn:definitions>not finished")
    assert processes.validate(draft.id)[0].element_id == "document"


def test_saving_a_draft_again_replaces_it(processes: ProcessService) -> None:
    draft = processes.new_draft(_civic(processes).current_id, by="dudao")
    again = processes.save_draft(draft.id, with_accept_timer(civic_loop(), "workdays(2)"), by="dudao")
    assert again.id == draft.id and "workdays(2)" in processes.version(draft.id).xml
    assert [v.status for v in _civic(processes).versions] == ["draft", "published"]


def test_new_cases_never_start_on_a_draft(driver: Driver, service: CaseService, processes: ProcessService) -> None:
    v1 = _civic(processes).current_id
    processes.new_draft(v1, by="dudao")
    assert service.case(driver.report().id).process_version_id == v1


def test_publishing_needs_a_change_note(processes: ProcessService) -> None:
    draft = processes.new_draft(_civic(processes).current_id, by="dudao")
    with pytest.raises(ValidationError) as refused:
        processes.publish(draft.id, "  ", by="dudao")
    assert "change_note" in refused.value.field_errors
    assert processes.version(draft.id).status == "draft"


def test_an_invalid_draft_is_not_published_and_the_problems_name_the_elements(processes: ProcessService) -> None:
    v1 = _civic(processes).current_id
    draft = processes.save_draft(v1, with_accept_timer(civic_loop(), "${acceptDue}"), by="dudao")
    with pytest.raises(SpecError) as refused:
        processes.publish(draft.id, "改签收时限", by="dudao")
    assert any(p.startswith("timer_accept:") and "JUEL" in p for p in refused.value.problems)
    assert processes.version(draft.id).status == "draft"
    assert _civic(processes).current_id == v1


def test_publishing_records_who_when_and_why(clock: FixedClock, processes: ProcessService) -> None:
    draft = processes.save_draft(_civic(processes).current_id, with_accept_timer(civic_loop(), "workdays(2)"),
                                 by="dudao")
    clock.advance(hours=1)
    published = processes.publish(draft.id, "签收时限改为两个工作日", by="dudao")
    assert (published.version, published.status, published.published_by) == (2, "published", "dudao")
    assert published.change_note == "签收时限改为两个工作日"
    assert published.published_at is not None and published.published_at.hour == START.hour + 1
    assert _civic(processes).current_id == published.id


def test_a_published_change_is_used_by_new_cases_and_not_by_old_ones(
        driver: Driver, service: CaseService, processes: ProcessService) -> None:
    old = scenarios.waiting_for_department(driver)
    v1 = service.case(old.id).process_version_id
    draft = processes.save_draft(v1, with_label(civic_loop(), "现场情况", "现场核实情况"), by="dudao")
    v2 = processes.publish(draft.id, "改字段名称", by="dudao").id
    new = scenarios.waiting_for_department(driver)
    assert service.case(new.id).process_version_id == v2
    assert service.case(old.id).process_version_id == v1
    scenarios._work_done(driver, old)  # the old case goes on, on its own version
    assert service.case(old.id).process_version_id == v1 and driver.open_ids(old) == ["rate"]
    assert service.verify(old.id)[0].ok


def test_the_version_list_counts_open_cases_per_version(driver: Driver, processes: ProcessService) -> None:
    scenarios.waiting_for_department(driver)
    scenarios.resolved_on_the_spot(driver)
    draft = processes.new_draft(_civic(processes).current_id, by="dudao")
    processes.publish(draft.id, "同图重新发布", by="dudao")
    scenarios.waiting_for_council(driver)
    assert [(v.version, v.open_cases) for v in _civic(processes).versions] == [(2, 1), (1, 1)]


def test_a_draft_started_earlier_is_published_as_the_newest_version(processes: ProcessService) -> None:
    v1 = _civic(processes).current_id
    first = processes.new_draft(v1, by="dudao")
    second = processes.new_draft(v1, by="dudao")
    processes.publish(second.id, "先发布后建的草稿", by="dudao")
    published = processes.publish(first.id, "再发布先建的草稿", by="dudao")
    assert published.version == 4 and _civic(processes).current_id == first.id


def test_retiring_a_version_sends_new_cases_to_the_newest_published_one(
        driver: Driver, service: CaseService, processes: ProcessService) -> None:
    v1 = _civic(processes).current_id
    v2 = processes.publish(processes.new_draft(v1, by="dudao").id, "v2", by="dudao").id
    on_v2 = scenarios.waiting_for_department(driver)
    processes.retire(v2, by="dudao")
    assert service.case(driver.report().id).process_version_id == v1
    scenarios._work_done(driver, on_v2)  # cases on a retired version go on
    assert service.case(on_v2.id).process_version_id == v2


def test_the_only_published_version_cannot_be_retired(processes: ProcessService) -> None:
    with pytest.raises(ConflictError):
        processes.retire(_civic(processes).current_id, by="dudao")


def test_a_published_version_is_never_changed_by_saving(processes: ProcessService) -> None:
    v1 = _civic(processes).current_id
    draft = processes.save_draft(v1, "<x/>", by="dudao")
    assert draft.id != v1 and processes.version(v1).xml == civic_loop()


def test_a_draft_can_be_discarded_but_a_published_version_cannot(processes: ProcessService) -> None:
    v1 = _civic(processes).current_id
    draft = processes.new_draft(v1, by="dudao")
    processes.discard(draft.id, by="dudao")
    assert [v.id for v in _civic(processes).versions] == [v1]
    with pytest.raises(ConflictError):
        processes.discard(v1, by="dudao")


def test_the_cli_lists_versions_and_publishes_a_checked_file(db: Database, tmp_path: Path) -> None:
    changed = tmp_path / "civic_loop.bpmn"
    changed.write_text(with_accept_timer(civic_loop(), "workdays(2)"), encoding="utf-8")
    runner = CliRunner()
    published = runner.invoke(main, ["process", "publish", "--db", db.url, str(changed), "--note", "两个工作日"])
    assert published.exit_code == 0, published.output
    assert published.output.startswith("published civic_loop v2")
    listed = runner.invoke(main, ["process", "list", "--db", db.url])
    assert listed.exit_code == 0 and "v2" in listed.output and "两个工作日" in listed.output
    refused = runner.invoke(main, ["process", "publish", "--db", db.url, str(DIAGRAMS / "juel_condition.bpmn"),
                                   "--note", "x"])
    assert refused.exit_code == 1 and "ERROR gw:" in refused.output
