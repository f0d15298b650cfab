"""The supervisor's escalation form says which deadline was missed, when it fell due, when it was reported and
how late it is now: working days for ordinary matters, hours and minutes for urgent ones."""
from __future__ import annotations

import re

from flask.testing import FlaskClient

from engine.db import Database
from engine.demo import mediation_scenarios as ms
from engine.demo.driver import Driver
from engine.demo.mediation_scenarios import seed_mediators
from engine.demo.scenarios import _dispatch
from tests.web.conftest import LoginAs


def text(response) -> str:  # type: ignore[no-untyped-def]
    return response.get_data(as_text=True)


def panel(page: str) -> str:
    found = re.search(r'<section class="panel missed-deadline".*?</section>', page, re.S)
    assert found is not None, "no 超时情况 panel"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(0)))


def test_a_missed_acceptance_names_the_task_the_department_and_the_days_late(driver: Driver,
                                                                             login_as: LoginAs) -> None:
    case = driver.report("共享单车堆放堵住人行道", "停车交通")
    _dispatch(driver, case)
    due = driver.item(case, "accept").due_at
    driver.deadline_passes(case, "accept")
    item = driver.item(case, "unit_escalation").id
    supervisor = login_as("dudao")
    shown = panel(text(supervisor.get(f"/inbox/tasks/{item}")))
    assert "错过的时限 签收交办（城管执法中队）" in shown
    assert "应完成时间 2026-03-03 23:59" in shown and "上报督办时间 2026-03-04 00:00" in shown
    assert due is not None and f"{due:%Y-%m-%d %H:%M}" == "2026-03-03 15:59"  # stored in UTC, shown in Beijing time
    assert "至今超时 已超期 1 个工作日" in shown
    driver.later(days=7)  # a week later the same form says how late it has become
    assert "至今超时 已超期 6 个工作日" in panel(text(supervisor.get(f"/inbox/tasks/{item}")))


def test_an_urgent_matter_is_late_in_hours_and_minutes(driver: Driver, login_as: LoginAs) -> None:
    case = driver.report("电梯困人，老人被困电梯里", "公共设施", priority="critical", address="和平苑2号楼")
    _dispatch(driver, case, triage_priority="critical")
    driver.deadline_passes(case, "accept")
    driver.later(minutes=95)
    item = driver.item(case, "unit_escalation").id
    shown = panel(text(login_as("dudao").get(f"/inbox/tasks/{item}")))
    assert re.search(r"已超时 1 小时 3\d 分", shown), shown


def test_a_mediation_past_its_30_days_says_so_on_the_supervisors_form(db: Database, driver: Driver,
                                                                      login_as: LoginAs) -> None:
    with db.transaction() as s:
        seed_mediators(s)
    case = ms.register(driver)
    ms.assign_and_accept(driver, case)
    ms.everyone_agrees(driver, case)
    driver.later(days=31)
    item = driver.item(case, "supervise").id
    shown = panel(text(login_as("dudao").get(f"/inbox/tasks/{item}")))
    assert "错过的时限 调解期限（受理后 30 日内达成协议）" in shown and "已超期" in shown


def test_a_task_not_opened_by_an_escalation_has_no_such_panel(driver: Driver, login_as: LoginAs) -> None:
    case = driver.report("楼道灯坏了", "公共设施")
    page = text(login_as("wangge").get(f"/inbox/tasks/{driver.item(case, 'triage').id}"))
    assert "missed-deadline" not in page and "超时情况" not in page
