"""The organisation tree (issue 25): units, their paths, and what a role held at a unit sees and may do."""
from __future__ import annotations

import pytest
from alembic import command
from click.testing import CliRunner
from sqlalchemy import select, text

from engine import CaseService
from engine.cases.intake import CATEGORIES, Intake
from engine.cli import main
from engine.db import Database
from engine.demo.driver import Driver
from engine.errors import NotFound, PermissionDenied, ValidationError
from engine.org.models import Unit
from engine.org.scope import is_root_path
from engine.org.service import add_unit, units
from engine.people.accounts import account_by_id
from engine.people.actor import Actor
from engine.people.directory import seed_categories
from engine.people.models import Grid, User
from engine.schema import alembic_config
from tests.fixtures.units import ACTORS, seed_two_streets


def _actor(db: Database, username: str) -> Actor:
    with db.reading() as s:
        user = s.scalar(select(User).where(User.username == username))
        assert user is not None
        account = account_by_id(s, user.id)
        assert account is not None
        return account.actor


def _codes(service: CaseService, actor: Actor) -> set[str]:
    return {row.tracking_code for row in service.search_cases(actor, page_size=100).rows}


def test_a_fresh_install_is_one_city_with_one_street_and_its_grids_hang_under_their_communities(db: Database) -> None:
    with db.reading() as s:
        tree = units(s)
        grids = {g.code: g.unit_id for g in s.scalars(select(Grid))}
        by_id = {u.id: u for u in tree}
        dudao = s.scalar(select(User).where(User.username == "dudao"))
        assert dudao is not None
    assert [(u.kind, u.code) for u in tree[:2]] == [("city", "city"), ("street", "street")]
    assert tree[1].path.startswith(tree[0].path)
    assert by_id[grids["XF-01"]].name == "幸福里社区" == by_id[grids["XF-02"]].name
    assert by_id[grids["HP-01"]].name == "和平苑社区"
    assert {by_id[u].parent_code for u in grids.values()} == {"street"}
    assert dudao.unit_id == tree[1].id


def test_units_stand_only_where_their_level_allows(db: Database) -> None:
    with db.transaction() as s:
        city = s.scalar(select(Unit).where(Unit.code == "city"))
        district = add_unit(s, "d9", "九区", "district", parent=city)
        street = add_unit(s, "s9", "九街道", "street", parent=district)
        assert street.path == f"{district.path}{street.id}/" and district.path.startswith(city.path)
        for code, kind, parent in (("x1", "community", city), ("x2", "district", district), ("x3", "city", street),
                                   ("x4", "street", None), ("s9", "street", district), ("bad code", "street", district)):
            with pytest.raises(ValidationError):
                add_unit(s, code, "名", kind, parent=parent)


def test_a_street_supervisor_sees_only_the_street_and_a_district_supervisor_both(db: Database, service: CaseService,
                                                                                 clock) -> None:  # type: ignore[no-untyped-def]
    seed_two_streets(db)
    driver = Driver(service, clock, ACTORS)
    jia = driver.report("甲街道路灯坏了", grid_code="JA-01")
    yi = driver.report("乙街道井盖丢了", grid_code="YI-01")
    street = driver.report("本街道的案件")  # XF-01, the default street
    assert _codes(service, _actor(db, "dudao_a")) == {jia.tracking_code}
    assert _codes(service, _actor(db, "dudao_b")) == {yi.tracking_code}
    assert _codes(service, _actor(db, "dudao_qu")) == {jia.tracking_code, yi.tracking_code}
    assert _codes(service, _actor(db, "dudao_shi")) >= {jia.tracking_code, yi.tracking_code, street.tracking_code}
    # the default street's supervisor sees what it saw before: its own cases only
    assert _codes(service, _actor(db, "dudao")) == {street.tracking_code}
    with pytest.raises(NotFound):
        service.case_page(yi.tracking_code, _actor(db, "dudao_a"))
    assert service.case_page(yi.tracking_code, _actor(db, "dudao_qu")).case.tracking_code == yi.tracking_code


def test_a_street_cannot_act_on_another_streets_work_and_the_city_only_reads(db: Database, service: CaseService,
                                                                             clock) -> None:  # type: ignore[no-untyped-def]
    seed_two_streets(db)
    driver = Driver(service, clock, ACTORS)
    yi = driver.report("乙街道井盖丢了", grid_code="YI-01")
    triage = driver.item(yi, "triage")
    wangge_a = _actor(db, "wangge_a")
    assert triage.id not in {i.id for i in service.inbox(wangge_a)}
    assert triage.id in {i.id for i in service.inbox(_actor(db, "wangge_b"))}
    for attempt in (lambda: service.claim(triage.id, wangge_a), lambda: service.task(triage.id, wangge_a)):
        with pytest.raises(NotFound):
            attempt()
    city = _actor(db, "dudao_shi")
    service.case_page(yi.tracking_code, city)
    with pytest.raises(PermissionDenied):
        service.claim(triage.id, Actor(city.username, "grid_worker", grid_code="YI-01", unit_path=city.unit_path))
    assert service.work_items(yi.id)[0].assignee is None


def test_a_grid_worker_cannot_report_into_another_streets_grid(db: Database, service: CaseService) -> None:
    seed_two_streets(db)
    wangge_a = _actor(db, "wangge_a")
    with pytest.raises(ValidationError) as refused:
        service.report(Intake(description="乙街道的事", category="公共设施", grid_code="YI-01", channel="grid_visit"),
                       wangge_a)
    assert "grid_code" in refused.value.field_errors
    case = service.report(Intake(description="甲街道的事", category="公共设施", grid_code="JA-01",
                                 channel="grid_visit"), wangge_a).case
    assert _codes(service, wangge_a) == {case.tracking_code}


def test_migration_0043_attaches_an_existing_street_to_one_city_and_street(tmp_path) -> None:  # type: ignore[no-untyped-def]
    db = Database(f"sqlite:///{tmp_path / 'old.db'}")
    config = alembic_config(db.engine)
    command.upgrade(config, "0042")
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO department (code, name, active) VALUES ('cg', '城管', 1)"))
        conn.execute(text("INSERT INTO grid (code, name, community) VALUES ('G1', '一网格', '甲社区'), "
                          "('G2', '二网格', '甲社区'), ('G3', '三网格', '乙社区')"))
        conn.execute(text("INSERT INTO user_account (username, display_name, role, active, session_version) "
                          "VALUES ('dd', '督办', 'supervisor', 1, 0)"))
    command.upgrade(config, "head")
    with db.reading() as s:
        tree = {u.code: u for u in units(s)}
        street = tree["street"]
        assert tree["city"].path == "/1/" or street.path.startswith(tree["city"].path)
        assert s.scalar(text("SELECT unit_id FROM department")) == street.id
        assert s.scalar(text("SELECT unit_id FROM user_account")) == street.id
        communities = dict(s.execute(text("SELECT code, unit_id FROM grid")).all())
        assert communities["G1"] == communities["G2"] != communities["G3"]
        assert {tree[c].parent_code for c in tree if tree[c].kind == "community"} == {"street"}
        assert s.scalar(text("SELECT count(*) FROM category WHERE unit_id IS NULL")) == 0
    command.downgrade(config, "0042")
    db.dispose()


def test_casegrid_units_prints_the_tree_and_a_streets_inherited_configuration(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'units.db'}"
    db = Database(url)
    runner = CliRunner()
    assert runner.invoke(main, ["units", "--db", url]).exit_code == 0
    seed_two_streets_on(db)
    tree = runner.invoke(main, ["units", "--db", url])
    assert tree.exit_code == 0, tree.output
    assert tree.output.index("区 dongcheng") < tree.output.index("街道 jia") < tree.output.index("街道 yi")
    shown = runner.invoke(main, ["units", "jia", "--db", url])
    assert shown.exit_code == 0, shown.output
    assert "(本市 → 东城区 → 甲街道)" in shown.output
    assert "物业管理  [-]  from city" in shown.output  # categories are the city's, inherited
    assert "区城管局  [qu_chengguan]  from dongcheng" in shown.output  # the district's department serves the street
    assert "[JA-01]" in shown.output and "[YI-01]" not in shown.output
    assert runner.invoke(main, ["units", "nowhere", "--db", url]).exit_code != 0
    db.dispose()


def seed_two_streets_on(db: Database) -> None:
    with db.transaction() as s:
        seed_categories(s, CATEGORIES)
    seed_two_streets(db)


def test_a_district_department_serves_both_its_streets_and_no_other(db: Database, service: CaseService,
                                                                     clock) -> None:  # type: ignore[no-untyped-def]
    """A department held at the district (区城管局) gets the work of either street routed to it; a street's own
    department keeps seeing only what was routed to it."""
    seed_two_streets(db)
    driver = Driver(service, clock, [*ACTORS, Actor("qu_chengguan", "department", "qu_chengguan")])
    cases = [driver.report(text, grid_code=grid) for text, grid in (("甲街道违章搭建", "JA-01"),
                                                                     ("乙街道违章搭建", "YI-01"))]
    for case in cases:
        driver.do(case, "triage", triage_decision="dispatch", triage_note="派区城管", department="qu_chengguan",
                  dispatch_reason="区级执法")
    district_department = _actor(db, "qu_chengguan")
    assert district_department.unit_path is not None and is_root_path(district_department.unit_path) is False
    assert {service.case(i.case_id).tracking_code for i in service.inbox(district_department)} == \
        {c.tracking_code for c in cases}
    assert _codes(service, district_department) == {c.tracking_code for c in cases}
    assert _codes(service, _actor(db, "chengguan")) == set()
