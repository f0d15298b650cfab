"""The routing table (权责清单) is versioned like the diagrams: draft → check → publish; a case keeps the
version it opened with (and replays with it); a table with a gap or an unknown department is refused."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from bpmn import SEED_DIR
from engine.bootstrap import init_database
from engine.clock import FixedClock
from engine.db import Database
from engine.demo.driver import Driver
from engine.errors import SpecError, ValidationError
from engine import CaseService
from engine.specs.decision_service import DecisionService

SEED = (SEED_DIR / "routing.dmn").read_text(encoding="utf-8")
#: The seed's row for plain 公共设施 matters goes to 住建办; this edit sends them to the 物业服务中心.
STREETLIGHT_ROW = '<outputEntry id="routing_r5_o1"><text>"zhujian"</text></outputEntry>'


@pytest.fixture
def tables(db: Database, clock: FixedClock) -> DecisionService:
    return DecisionService(db, clock)


def test_init_publishes_the_seed_table_and_new_cases_are_pinned_to_it(tables: DecisionService, driver: Driver,
                                                                      service: CaseService) -> None:
    current = tables.current("routing")
    assert (current.version, current.status) == (1, "published")
    case = driver.report("路灯坏了", "公共设施")
    assert service.case(case.id).decision_version_id == current.id
    assert tables.row(current.id).open_cases == 1


def test_a_published_table_routes_new_cases_while_open_ones_keep_theirs(tables: DecisionService, driver: Driver,
                                                                        service: CaseService) -> None:
    old_case = driver.report("路灯坏了", "公共设施")
    assert STREETLIGHT_ROW in SEED
    draft = tables.save_draft(SEED.replace(STREETLIGHT_ROW, STREETLIGHT_ROW.replace("zhujian", "wuye")), by="dudao")
    assert draft.status == "draft" and tables.current("routing").version == 1
    published = tables.publish(draft.id, by="dudao", note="公共设施一般事项改由物业先行处理")
    assert (published.version, published.status) == (2, "published")
    new_case = driver.report("路灯坏了", "公共设施")
    assert service.case(new_case.id).suggested_department == "wuye"
    assert service.case(old_case.id).suggested_department == "zhujian"
    pinned = json.loads(service.events(new_case.id)[0].payload)["decisions"]
    assert (pinned["id"], pinned["version"]) == (published.id, 2)
    for case in (old_case, new_case):
        assert service.replay(case.id).snapshot() == service.case(case.id).snapshot
        assert service.verify(case.id)[0].ok


def test_a_table_with_a_gap_or_an_unknown_department_is_refused_naming_the_row(tables: DecisionService) -> None:
    gap = SEED.replace('<inputEntry id="routing_r2_i1"><text>"环境卫生"</text></inputEntry>',
                       '<inputEntry id="routing_r2_i1"><text>"物业管理"</text></inputEntry>')
    unknown = SEED.replace(STREETLIGHT_ROW, STREETLIGHT_ROW.replace("zhujian", "nosuch"))
    for xml, expected in ((gap, "环境卫生"), (unknown, "nosuch")):
        draft = tables.save_draft(xml, by="dudao")
        with pytest.raises(SpecError) as refused:
            tables.publish(draft.id, by="dudao", note="改表")
        assert any(expected in p for p in refused.value.problems), refused.value.problems
        assert tables.row(draft.id).status == "draft"
    assert tables.current("routing").version == 1


def test_every_priority_of_every_sla_class_needs_deadlines(tables: DecisionService) -> None:
    missing = SEED.replace('<inputEntry id="sla_r2_i2"><text>"urgent"</text></inputEntry>',
                           '<inputEntry id="sla_r2_i2"><text>"critical"</text></inputEntry>')
    problems = tables.problems(missing)
    assert any("紧急" in p for p in problems), problems


def test_a_draft_must_be_well_formed_dmn(tables: DecisionService) -> None:
    for bad in ("", "<definitions", "<bpmn:definitions xmlns:bpmn='http://www.omg.org/spec/BPMN/20100524/MODEL'/>"):
        with pytest.raises(ValidationError) as refused:
            tables.save_draft(bad, by="dudao")
        assert "xml" in refused.value.field_errors


def test_a_cell_the_evaluator_refuses_is_refused_at_publish(tables: DecisionService) -> None:
    hostile = SEED.replace('<inputEntry id="routing_r1_i2"><text>-</text></inputEntry>',
                           "<inputEntry id=\"routing_r1_i2\"><text>__import__('os').system('id')</text></inputEntry>")
    assert any("routing_r1" in p for p in tables.problems(hostile))


def test_init_upgrades_the_civic_loop_and_cases_open_on_the_old_diagram_run_on(tmp_path: Path, clock: FixedClock) -> None:
    """A database still on the previous civic loop: ``casegrid init`` publishes the new one; the open case
    finishes on its version (council path, one department), the next case dispatches directly."""
    from engine.demo.organisation import seed_organisation
    from engine.schema import upgrade
    from engine.specs.operations import load_seed_files
    url = f"sqlite:///{tmp_path / 'old.db'}"
    db = Database(url)
    upgrade(db.engine)
    old_seed = Path(__file__).parents[1] / "fixtures" / "civic_loop_v1.bpmn"
    with db.transaction() as s:  # what an earlier release's ``casegrid init`` left behind
        [old] = load_seed_files(s, [old_seed], by="casegrid init", at=clock.now())
        seed_organisation(s)
    service = CaseService(db, clock)
    driver = Driver(service, clock)
    running = driver.report("小区门口路灯不亮已一周", "公共设施")
    assert service.case(running.id).process_version_id == old.id
    driver.do(running, "triage", triage_decision="negotiate")
    db.dispose()
    db, loaded = init_database(url, at=clock.now())
    assert [(v.key, v.version) for v in loaded] == [("civic_loop", 2), ("mediation", 1), ("project", 1)]
    service = CaseService(db, clock)
    driver = Driver(service, clock)
    driver.do(running, "deliberate", decision="adopt", responsible_department="chengguan", deadline="2026-03-20",
              votes_for=7, votes_against=1, votes_abstain=1, resolution_text="同意交办")
    driver.do(running, "accept", accept_decision="accepted")
    assert service.case(running.id).process_version_id == old.id
    fresh = driver.report("3号楼路灯坏了", "公共设施")
    assert service.case(fresh.id).process_version_id == loaded[0].id
    driver.do(fresh, "triage", triage_decision="dispatch", department="zhujian")
    assert [i.bpmn_id for i in service.work_items(fresh.id)] == ["accept"]
    assert all(check.ok for check in service.verify())
    db.dispose()
