"""One view, one entry in the data-use log (issue 19): a mediator who presses 查看联系方式 again and again while
working a case, or an officer who unmasks the same reporter for the same stated reason twice, is logged once;
a new reason, another person or a later visit (after :data:`~engine.audit.access_log.VIEW_WINDOW`) is a new view."""
from __future__ import annotations

from sqlalchemy import func, select

from engine.audit.access_log import VIEW_WINDOW, AccessLogEntry
from engine.cases.leaves import ACCESS, MerkleLeaf
from engine.audit.service import AuditService
from engine.db import Database
from engine.demo import mediation_scenarios as ms
from engine.demo.driver import Driver
from engine.people.actor import Actor

TIAOJIE = Actor("tiaojie", "mediator")
DUDAO = Actor("dudao", "supervisor")


def _rows(db: Database) -> list[tuple[str, str, str]]:
    with db.reading() as s:
        return [tuple(r) for r in s.execute(select(AccessLogEntry.username, AccessLogEntry.kind, AccessLogEntry.what)
                                             .order_by(AccessLogEntry.id))]


def test_a_mediator_showing_the_contacts_again_and_again_writes_one_entry_per_view(driver: Driver,
                                                                                    db: Database) -> None:
    case = ms.register(driver)
    ms.assign_and_accept(driver, case)
    service = ms.mediation(driver)
    for _ in range(49):  # the pattern the issue saw: 49 rows in a few minutes
        page = service.mediation_page(case.tracking_code, TIAOJIE, show_contacts=True)
        assert page.contacts_visible and page.parties[0].phone == "13800001111"
        driver.clock.advance(seconds=5)
    assert _rows(db) == [("tiaojie", "unmask", "party_phone,party_address")]
    driver.clock.advance(seconds=VIEW_WINDOW.total_seconds())
    service.mediation_page(case.tracking_code, TIAOJIE, show_contacts=True)  # back the next hour: a new view
    assert len(_rows(db)) == 2
    with db.reading() as s:  # every entry written is in the verifiable log, and only those
        leaves = s.scalar(select(func.count()).select_from(MerkleLeaf).where(MerkleLeaf.kind == ACCESS))
    assert leaves == 2


def test_the_same_reporter_unmasked_for_the_same_reason_is_one_view_and_a_new_reason_is_another(
        driver: Driver, db: Database) -> None:
    case = driver.report("楼道灯坏了，晚上很黑", "公共设施", reporter_name="王阿姨", reporter_phone="13812345678")
    audit = AuditService(db, driver.clock)
    first = audit.unmask_reporter(case.tracking_code, DUDAO, "contact", "上门维修前需要约好时间")
    again = audit.unmask_reporter(case.tracking_code, DUDAO, "contact", "上门维修前需要约好时间")
    assert again.entry_id == first.entry_id and again.reporter_phone == "13812345678"
    audit.unmask_reporter(case.tracking_code, DUDAO, "revisit", "回访确认路灯已经修好")
    other = Actor("wangge", "grid_worker", grid_code=case.grid_code)
    audit.unmask_reporter(case.tracking_code, other, "contact", "上门维修前需要约好时间")
    assert _rows(db) == [("dudao", "unmask", "reporter_name,reporter_phone")] * 2 + [
        ("wangge", "unmask", "reporter_name,reporter_phone")]
