"""The inbox: my tasks and my team's unclaimed tasks, overdue first, claim / release, filters, pages."""
from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import event

from engine.calendar import china_date
from engine.cases.models import Case
from engine.db import Database
from engine.demo.driver import Driver
from engine.demo.organisation import add_demo_user
from engine import CaseService
from tests.web.conftest import LoginAs


def adopted(driver: Driver, department: str = "chengguan", description: str = "小区门口路灯不亮",
            category: str = "公共设施") -> Case:
    """A case the council handed to ``department``: its 签收交办 item waits in that department's inbox."""
    case = driver.report(description, category)
    driver.do(case, "triage", triage_decision="negotiate")
    deadline = (china_date(driver.clock.now()) + timedelta(days=10)).isoformat()
    driver.do(case, "deliberate", decision="adopt", responsible_department=department, deadline=deadline,
              votes_for=7, votes_against=1, votes_abstain=1)
    return case


def item_id(driver: Driver, case: Case, bpmn_id: str) -> int:
    return driver.item(case, bpmn_id).id


def sections(html: str) -> tuple[str, str]:
    """The page's 我的任务 part and its 待认领 part."""
    mine, _, queue = html.partition('id="queue-heading"')
    return mine, queue


def text(response) -> str:  # type: ignore[no-untyped-def]
    return response.get_data(as_text=True)


def test_a_department_sees_only_its_own_items(driver: Driver, login_as: LoginAs) -> None:
    mine = adopted(driver, "chengguan", "路灯不亮")
    theirs = adopted(driver, "zhujian", "楼顶漏水")
    page = text(login_as("chengguan").get("/inbox"))
    assert mine.tracking_code in page and "签收交办" in page
    assert theirs.tracking_code not in page


def test_a_grid_worker_sees_the_items_of_their_own_grid(driver: Driver, login_as: LoginAs) -> None:
    here = driver.report("楼道灯坏了", grid_code="XF-01")
    there = driver.report("垃圾没人清运", "环境卫生", grid_code="HP-01")
    page = text(login_as("wangge").get("/inbox"))
    assert here.tracking_code in page and there.tracking_code not in page
    assert there.tracking_code in text(login_as("wangge2").get("/inbox"))


def test_overdue_items_come_first_with_the_deadline_in_working_days(driver: Driver, login_as: LoginAs) -> None:
    later = adopted(driver, description="晚到期的案件")      # Monday: accepted at once, on site due Thursday
    driver.do(later, "accept", accept_decision="accepted")
    overdue = adopted(driver, description="已超期的案件")    # Monday: must be accepted by Tuesday night
    driver.clock.advance(days=2)                          # Wednesday 09:00, no sweep ran
    page = text(login_as("chengguan").get("/inbox"))
    assert page.index(overdue.tracking_code) < page.index(later.tracking_code)
    assert "已超期 1 个工作日" in page
    assert "还剩 1 个工作日" in page


def test_a_row_links_to_the_case_and_to_the_task_form(driver: Driver, login_as: LoginAs) -> None:
    case = adopted(driver)
    page = text(login_as("chengguan").get("/inbox"))
    assert f'href="/cases/{case.tracking_code}"' in page
    assert f'href="/inbox/tasks/{item_id(driver, case, "accept")}"' in page
    assert "幸福里社区 / 幸福里一网格" in page and "公共设施" in page


def test_claiming_moves_the_item_to_my_tasks(driver: Driver, login_as: LoginAs, service: CaseService) -> None:
    case = adopted(driver)
    client = login_as("chengguan")
    response = client.post(f"/inbox/tasks/{item_id(driver, case, 'accept')}/claim", follow_redirects=True)
    assert response.status_code == 200
    mine, queue = sections(text(response))
    assert "已认领：签收交办" in mine
    assert case.tracking_code in mine and case.tracking_code not in queue
    assert service.work_items(case.id)[0].assignee == "chengguan"


def test_releasing_puts_the_item_back_in_the_team_queue(driver: Driver, login_as: LoginAs) -> None:
    case = adopted(driver)
    client = login_as("chengguan")
    client.post(f"/inbox/tasks/{item_id(driver, case, 'accept')}/claim")
    response = client.post(f"/inbox/tasks/{item_id(driver, case, 'accept')}/release", follow_redirects=True)
    mine, queue = sections(text(response))
    assert "任务回到待认领" in mine
    assert case.tracking_code in queue and "暂无我认领的任务" in mine


def test_a_colleague_cannot_claim_an_item_someone_already_claimed(db: Database, driver: Driver, login_as: LoginAs,
                                                                  service: CaseService) -> None:
    with db.transaction() as s:
        add_demo_user(s, "chengguan2", "城管二号", "department", department_code="chengguan")
    case = adopted(driver)
    item = item_id(driver, case, "accept")
    login_as("chengguan").post(f"/inbox/tasks/{item}/claim")
    response = login_as("chengguan2").post(f"/inbox/tasks/{item}/claim", follow_redirects=True)
    assert response.status_code == 200
    assert "操作未完成" in text(response) and "已由 chengguan 认领" in text(response)
    assert service.work_items(case.id)[0].assignee == "chengguan"


def test_a_claimed_item_leaves_the_colleagues_inbox(db: Database, driver: Driver, login_as: LoginAs) -> None:
    with db.transaction() as s:
        add_demo_user(s, "chengguan2", "城管二号", "department", department_code="chengguan")
    case = adopted(driver)
    login_as("chengguan").post(f"/inbox/tasks/{item_id(driver, case, 'accept')}/claim")
    assert case.tracking_code not in text(login_as("chengguan2").get("/inbox"))


def test_claiming_another_departments_item_is_404(driver: Driver, login_as: LoginAs, service: CaseService) -> None:
    case = adopted(driver, "zhujian")
    response = login_as("chengguan").post(f"/inbox/tasks/{item_id(driver, case, 'accept')}/claim")
    assert response.status_code == 404
    assert service.work_items(case.id)[0].assignee is None


def test_claiming_a_missing_item_is_404(login_as: LoginAs) -> None:
    assert login_as("chengguan").post("/inbox/tasks/999999/claim").status_code == 404


def test_releasing_a_colleagues_item_is_refused_with_a_message(db: Database, driver: Driver, login_as: LoginAs,
                                                              service: CaseService) -> None:
    with db.transaction() as s:
        add_demo_user(s, "chengguan2", "城管二号", "department", department_code="chengguan")
    case = adopted(driver)
    item = item_id(driver, case, "accept")
    login_as("chengguan").post(f"/inbox/tasks/{item}/claim")
    response = login_as("chengguan2").post(f"/inbox/tasks/{item}/release", follow_redirects=True)
    assert "操作未完成" in text(response)
    assert service.work_items(case.id)[0].assignee == "chengguan"


def test_the_category_filter_shows_only_that_category(driver: Driver, login_as: LoginAs) -> None:
    lamp = driver.report("路灯不亮", "公共设施")
    rubbish = driver.report("垃圾满了", "环境卫生")
    page = text(login_as("wangge").get("/inbox", query_string={"category": "环境卫生"}))
    assert rubbish.tracking_code in page and lamp.tracking_code not in page


def test_the_grid_filter_shows_only_that_grid(driver: Driver, login_as: LoginAs) -> None:
    here = adopted(driver, description="幸福里的路灯")
    driver.clock.advance(minutes=5)
    there = driver.report("和平苑的路灯", grid_code="HP-01")
    driver.do(there, "triage", triage_decision="negotiate")
    driver.do(there, "deliberate", decision="adopt", responsible_department="chengguan",
              deadline=(china_date(driver.clock.now()) + timedelta(days=10)).isoformat(),
              votes_for=7, votes_against=1, votes_abstain=1)
    page = text(login_as("chengguan").get("/inbox", query_string={"grid": "HP-01"}))
    assert there.tracking_code in page and here.tracking_code not in page


def test_the_overdue_filter_shows_only_overdue_items(driver: Driver, login_as: LoginAs) -> None:
    overdue = adopted(driver, description="早的")
    driver.clock.advance(days=2)
    fresh = adopted(driver, description="新的")
    client = login_as("chengguan")
    page = text(client.get("/inbox", query_string={"status": "overdue"}))
    assert overdue.tracking_code in page and fresh.tracking_code not in page
    soon = text(client.get("/inbox", query_string={"status": "due_soon"}))
    assert fresh.tracking_code in soon and overdue.tracking_code not in soon


def test_the_claimed_and_unclaimed_filters(driver: Driver, login_as: LoginAs) -> None:
    claimed, waiting = adopted(driver, description="认领的"), adopted(driver, description="没认领的")
    client = login_as("chengguan")
    client.post(f"/inbox/tasks/{item_id(driver, claimed, 'accept')}/claim")
    page = text(client.get("/inbox?status=claimed"))
    assert claimed.tracking_code in page and waiting.tracking_code not in page
    page = text(client.get("/inbox?status=unclaimed"))
    assert waiting.tracking_code in page and claimed.tracking_code not in page


def test_a_claim_keeps_the_filter_of_the_list_it_came_from(driver: Driver, login_as: LoginAs) -> None:
    case = driver.report("垃圾满了", "环境卫生")
    response = login_as("wangge").post(f"/inbox/tasks/{item_id(driver, case, 'triage')}/claim?category=环境卫生")
    assert response.status_code == 302
    assert "category=" in response.headers["Location"]


def test_pages_split_a_long_inbox(app: Flask, driver: Driver, login_as: LoginAs) -> None:
    app.config["INBOX_PAGE_SIZE"] = 2
    cases = [driver.report(f"第{n}件事") for n in range(3)]
    client = login_as("wangge")
    first, second = text(client.get("/inbox")), text(client.get("/inbox?page=2"))
    assert "共 3 项待办" in first and "第 1 / 2 页" in first and 'href="/inbox?page=2"' in first
    assert "第 2 / 2 页" in second
    shown = [sum(c.tracking_code in page for c in cases) for page in (first, second)]
    assert shown == [2, 1]


def test_a_page_past_the_end_is_empty_not_an_error(driver: Driver, login_as: LoginAs) -> None:
    driver.report("一件事")
    response = login_as("wangge").get("/inbox?page=50")
    assert response.status_code == 200
    assert "暂无待认领的任务" in text(response)


def test_bad_filter_values_are_refused_with_400_and_a_message(login_as: LoginAs) -> None:
    client = login_as("wangge")
    for query in ("status=bogus", "page=abc", "page=0", "category=火星", "grid=NOPE"):
        response = client.get(f"/inbox?{query}")
        assert response.status_code == 400, query
        assert "筛选条件有误" in text(response), query


def test_roles_without_an_inbox_get_403(login_as: LoginAs) -> None:
    assert login_as("admin").get("/inbox").status_code == 403


def test_the_auditor_has_an_inbox_for_the_projects_evaluations(login_as: LoginAs) -> None:
    assert login_as("jiandu").get("/inbox").status_code == 200


def test_the_inbox_speaks_english_when_chosen(driver: Driver, login_as: LoginAs) -> None:
    adopted(driver)
    driver.clock.advance(days=2)
    client = login_as("chengguan")
    client.post("/lang/en", data={"next": "/"})
    page = text(client.get("/inbox"))
    assert "My tasks" in page and "Overdue by 1 working day" in page


def test_the_inbox_reads_work_items_without_touching_workflow_snapshots(db: Database, driver: Driver,
                                                                         login_as: LoginAs) -> None:
    adopted(driver)
    client = login_as("chengguan")
    statements: list[str] = []

    def record(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert client.get("/inbox").status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert any("work_item" in s for s in statements)
    assert not any("snapshot" in s for s in statements)


def test_a_task_id_beyond_the_id_columns_range_is_404_not_500(login_as) -> None:
    assert login_as("wangge").get("/inbox/tasks/99999999999").status_code == 404
