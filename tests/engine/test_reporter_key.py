"""The reporter key: handed out once at reporting time, stored as a hash, checked by the engine for every resident act."""
from __future__ import annotations

import pytest
from sqlalchemy import select, text

from engine import Actor, ConflictError, Intake, NotFound, PermissionDenied
from engine.cases.reporter_key import ReporterKey
from engine.db import Database
from engine.demo.driver import Driver
from engine.people.actor import reporter
from engine.people.tokens import hash_token
from engine import CaseService

GRID_WORKER = Actor("wangge", "grid_worker", grid_code="XF-01")
SUPERVISOR = Actor("dudao", "supervisor")
RATE = {"rating": "dissatisfied"}


def _waiting_for_rating(driver: Driver):
    case = driver.report()
    driver.do(case, "triage", triage_decision="on_spot")
    return case, driver.item(case, "rate")


def test_each_report_gets_its_own_key_and_only_its_hash_is_stored(service: CaseService, db: Database) -> None:
    first = service.report(Intake("楼道灯坏了", "公共设施", grid_code="XF-01"), GRID_WORKER)
    second = service.report(Intake("垃圾没人清", "环境卫生", grid_code="XF-01"), GRID_WORKER)
    assert first.reporter_key != second.reporter_key and len(first.reporter_key) == 24
    assert first.reporter_key not in repr(first)
    with db.reading() as s:
        row = s.get(ReporterKey, first.case.id)
        assert row is not None and row.key_hash == hash_token(first.reporter_key) and row.issued_by == "wangge"
        dumped = " ".join(str(v) for table in ("reporter_key", "case_event", "case")
                          for r in s.execute(text(f'SELECT * FROM "{table}"')) for v in r)
    assert first.reporter_key not in dumped and second.reporter_key not in dumped


def test_the_key_names_its_case_and_nothing_else(service: CaseService, driver: Driver) -> None:
    case = driver.report()
    actor = service.reporter(driver.reporter_key(case))
    assert (actor.username, actor.role, actor.tracking_code) == (f"reporter:{case.tracking_code}", "resident",
                                                                 case.tracking_code)
    assert driver.reporter_key(case) not in repr(actor)
    key = driver.reporter_key(case)
    changed = key[:-1] + ("y" if key.endswith("x") else "x")  # one character off (a key may end in x itself)
    for wrong in ("", None, case.tracking_code, changed, "' OR 1=1 --" + "x" * 13):
        with pytest.raises(NotFound):
            service.reporter(wrong)


def test_the_reporter_with_the_key_rates(driver: Driver, service: CaseService) -> None:
    case, item = _waiting_for_rating(driver)
    service.complete_task(item.id, {"rating": "satisfied"}, service.reporter(driver.reporter_key(case)))
    assert service.case(case.id).status == "closed"
    completed = [e for e in service.events(case.id) if e.type == "task_completed"][-1]
    assert completed.actor == f"reporter:{case.tracking_code}"


@pytest.mark.parametrize("who", ["code only", "wrong key", "other case's key"])
def test_the_engine_refuses_a_resident_without_this_cases_key(driver: Driver, service: CaseService, who: str) -> None:
    case, item = _waiting_for_rating(driver)
    other = driver.report()
    key = {"code only": None, "wrong key": "A" * 24, "other case's key": driver.reporter_key(other)}[who]
    impostor = Actor(f"reporter:{case.tracking_code}", "resident", tracking_code=case.tracking_code, reporter_key=key)
    with pytest.raises(NotFound):
        service.complete_task(item.id, RATE, impostor)
    assert [i.bpmn_id for i in service.work_items(case.id)] == ["rate"]


def test_a_replaced_key_voids_the_old_one_and_is_recorded(driver: Driver, service: CaseService) -> None:
    case, item = _waiting_for_rating(driver)
    old = driver.reporter_key(case)
    new = service.replace_reporter_key(case.tracking_code, GRID_WORKER)
    assert new != old
    with pytest.raises(NotFound):
        service.complete_task(item.id, RATE, reporter(case.tracking_code, old))
    assert (service.events(case.id)[-1].type, service.events(case.id)[-1].actor) == ("reporter_key_replaced", "wangge")
    service.complete_task(item.id, RATE, service.reporter(new))
    assert [i.bpmn_id for i in service.work_items(case.id)] == ["triage"]  # 不满意: back to triage


def test_only_staff_who_see_the_case_may_replace_a_key(driver: Driver, service: CaseService) -> None:
    case = driver.report(grid_code="XF-01")
    for actor, error in ((Actor("chengguan", "department", department_code="chengguan"), PermissionDenied),
                         (Actor("lisi", "grid_worker", grid_code="XF-02"), NotFound),
                         (Actor(f"reporter:{case.tracking_code}", "resident", tracking_code=case.tracking_code,
                                reporter_key=driver.reporter_key(case)), PermissionDenied)):
        with pytest.raises(error):
            service.replace_reporter_key(case.id, actor)
    assert service.replace_reporter_key(case.id, SUPERVISOR)


def test_no_new_key_for_a_closed_case_or_a_process_without_a_reporters_task(driver: Driver,
                                                                         service: CaseService) -> None:
    from engine.demo import mediation_scenarios as ms
    mediation = ms.register(driver)
    closed, item = _waiting_for_rating(driver)
    service.complete_task(item.id, {"rating": "satisfied"}, service.reporter(driver.reporter_key(closed)))
    for case in (mediation, closed):
        with pytest.raises(ConflictError):
            service.replace_reporter_key(case.id, SUPERVISOR)


def test_only_the_verified_reporter_adds_information(driver: Driver, service: CaseService) -> None:
    case = driver.report()
    for actor, error in ((Actor(f"reporter:{case.tracking_code}", "resident", tracking_code=case.tracking_code),
                          NotFound),
                         (reporter(case.tracking_code, driver.reporter_key(driver.report())), NotFound),
                         (GRID_WORKER, PermissionDenied)):
        with pytest.raises(error):
            service.add_information("冒充反映人", actor)
    service.add_information(" 晚上更严重 ", service.reporter(driver.reporter_key(case)))
    assert service.events(case.id)[-1].payload == '{"text":"晚上更严重"}'


def test_keys_are_unique_in_the_database(service: CaseService, db: Database) -> None:
    keys = [service.report(Intake(f"问题 {n}", "公共设施"), GRID_WORKER) for n in range(20)]
    with db.reading() as s:
        hashes = s.scalars(select(ReporterKey.key_hash)).all()
    assert len(set(hashes)) == len(hashes) == len(keys)
