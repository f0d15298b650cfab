"""A published diagram that fails when a resident reports: a 422 naming the element, nothing written, never a 500
(issue 15, point 7: a timer variable holding a bad ISO string made every report a 500)."""
from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import func, select

from engine.cases.events import CaseEvent
from engine.cases.models import Case
from engine.clock import FixedClock
from engine.db import Database
from engine.specs.service import ProcessService
from tests.fixtures.bombs import with_init_line, with_triage_instances, with_triage_timer
from tests.fixtures.process_versions import versions_restored  # noqa: F401

#: Sizes that went off in seconds on main (the full sizes, which froze it, are in tests/hardening/test_diagram_bombs_server.py).
BOMBS = {
    "bad_date_variable": (with_init_line("bomb_due = 'next tuesday'", with_triage_timer("timeDate", "bomb_due")),
                          "bomb_timer"),
    "endless_years_variable": (with_init_line("bomb_span = 'P99999Y'",
                                              with_triage_timer("timeDuration", "bomb_span")), "bomb_timer"),
    "instances_from_data": (with_init_line("bomb_count = 20000", with_triage_instances("bomb_count")), "triage"),
    "round_from_data": (with_init_line("x = round(1, -int('3000000'))"), "init"),
}


@pytest.mark.parametrize("bomb", BOMBS, ids=list(BOMBS))
def test_a_report_on_a_failing_diagram_is_a_422_naming_the_element_and_writes_nothing(
        bomb: str, csrf_app: Flask, db: Database, clock: FixedClock, versions_restored: None) -> None:  # noqa: F811
    xml, element = BOMBS[bomb]
    ProcessService(db, clock).publish_file(xml, "攻击测试", by="dudao")
    client = csrf_app.test_client()
    client.post("/report", data={"category": "公共设施"})
    client.post("/report/where", data={"grid_code": "XF-01", "address": "3号楼2单元门口"})
    client.post("/report/what", data={"description": "楼道灯坏了，晚上很黑"})
    client.post("/report/contact", data={"name": "王阿姨", "phone": "13800138000"})
    response = client.post("/report/review")
    page = response.get_data(as_text=True)
    assert response.status_code == 422, page[:2000]
    assert element in page and "案件保持原状" in page
    with db.reading() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 0
        assert s.scalar(select(func.count()).select_from(CaseEvent)) == 0
