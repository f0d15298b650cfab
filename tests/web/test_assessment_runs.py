"""Starting an assessment from the UI: kind and period (the latest with data by default), progress, the run."""
from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from engine.assessments import AssessmentService
from engine.assessments.models import AssessmentRequest, AssessmentRun
from engine.db import Database
from engine.demo.driver import Driver
from engine.demo import scenarios
from tests.web.conftest import LoginAs


def _count(db: Database, model: type) -> int:
    with db.reading() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


@pytest.fixture
def with_case(driver: Driver) -> None:
    scenarios.resolved_on_the_spot(driver)  # opened on Monday 2 March 2026 (tests/conftest.py START)


def test_the_form_offers_the_latest_period_with_data(with_case: None, login_as: LoginAs) -> None:
    page = _text(login_as("dudao").get("/assessments/run"))
    assert "季评估 2026Q1" in page and "月研判 2026-03" in page and "周调度 2026-W10" in page


def test_a_supervisor_runs_the_quarter_with_data_and_follows_it_to_the_result(
        with_case: None, csrf_app: Flask, login_as: LoginAs, db: Database) -> None:
    client = login_as("dudao")
    response = client.post("/assessments/run", data={"kind": "quarterly", "period": ""})
    assert response.status_code == 302 and "/assessments/requests/" in response.location
    csrf_app.extensions["casegrid.assessment_launcher"].join(timeout=60)
    page = client.get(response.location)
    shown = _text(page)
    assert page.status_code == 200 and "季评估 2026Q1" in shown and "已完成" in shown and "刘书记（街道督办）" in shown
    run_link = re.search(r'id="job-result" href="(/assessments/\d+)"', page.get_data(as_text=True))
    assert run_link is not None
    with db.reading() as s:
        run = s.scalars(select(AssessmentRun)).one()
        assert (run.kind, run.period, run.triggered_by) == ("quarterly", "2026Q1", "web")
        request = s.scalars(select(AssessmentRequest)).one()
        assert (request.status, request.run_id, request.steps_done) == ("done", run.id, request.steps_total)
    result = client.get(run_link.group(1))
    assert result.status_code == 200 and 'id="units-chart"' in result.get_data(as_text=True)


def test_an_auditor_may_run_one_and_the_council_may_not(with_case: None, csrf_app: Flask, login_as: LoginAs) -> None:
    assert login_as("jiandu").post("/assessments/run", data={"kind": "monthly", "period": "2026-03"}).status_code == 302
    csrf_app.extensions["casegrid.assessment_launcher"].join(timeout=60)
    assert login_as("yishi").get("/assessments/run").status_code == 403
    assert login_as("yishi").post("/assessments/run", data={"kind": "monthly"}).status_code == 403


@pytest.mark.parametrize(("data", "message"), [
    ({"kind": "quarterly", "period": "2026Q5"}, "季评估应写作 2026Q3"),
    ({"kind": "monthly", "period": "<script>1"}, "月研判应写作 2026-10"),
    ({"kind": "weekly", "period": "2026-W99"}, "周调度应写作 2026-W44"),
    ({"kind": "quarterly", "period": "2099Q1"}, "这一期尚未开始"),
    ({"kind": "quarterly", "period": "x" * 500}, "最多 20 个字符"),
    ({"kind": "yearly", "period": ""}, "不是有效的选择"),
    ({"kind": "", "period": ""}, "请选择评估类型"),
    ({"kind": ["quarterly", "monthly"], "period": ["2026Q1", "2026-03"]}, ""),
])
def test_a_bad_kind_or_period_is_refused_next_to_the_field_and_nothing_is_queued(
        with_case: None, csrf_app: Flask, login_as: LoginAs, db: Database, data: dict, message: str) -> None:
    response = login_as("dudao").post("/assessments/run", data=data)
    if isinstance(data["kind"], list):  # repeated fields: WTForms takes the first; still one valid request
        csrf_app.extensions["casegrid.assessment_launcher"].join(timeout=60)
        assert response.status_code == 302 and _count(db, AssessmentRun) == 1
        return
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html and "<script>1" not in html
    assert _count(db, AssessmentRequest) == 0 and _count(db, AssessmentRun) == 0


def test_following_a_request_that_does_not_exist_is_404(login_as: LoginAs) -> None:
    assert login_as("dudao").get("/assessments/requests/999999").status_code == 404


def test_a_run_without_csrf_token_is_refused(app: Flask, db: Database) -> None:
    client: FlaskClient = app.test_client()
    from engine.demo.organisation import DEMO_PASSWORD
    app.config["WTF_CSRF_ENABLED"] = False
    client.post("/login", data={"username": "dudao", "password": DEMO_PASSWORD})
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post("/assessments/run", data={"kind": "quarterly"}).status_code == 400
    assert _count(db, AssessmentRequest) == 0


def test_the_quarterly_report_for_the_meeting_prints_every_indicator_with_target_and_trend(
        with_case: None, csrf_app: Flask, login_as: LoginAs) -> None:
    client = login_as("yishi")  # the council reads it at the assessment meeting
    run_id = AssessmentService(csrf_app.extensions["casegrid.cases"].db).assess("quarterly", "2026Q1")
    page = client.get(f"/assessments/{run_id}/report")
    shown = _text(page)
    assert page.status_code == 200 and "季度考核评估报告 · 2026Q1" in shown
    assert "解决率 ≥ 90.0%" in shown and "满意率 ≥ 90.0%" in shown and "一、全街道指标" in shown
    css = client.get("/static/css/assessments.css")
    assert "@page { size: A4 landscape" in css.get_data(as_text=True)  # the print layout the PDF comes from
    css.close()
    monthly = AssessmentService(csrf_app.extensions["casegrid.cases"].db).assess("monthly", "2026-03")
    assert client.get(f"/assessments/{monthly}/report").status_code == 404
    assert client.get("/assessments/999999/report").status_code == 404


def test_a_prefect_server_that_cannot_take_the_run_fails_the_request_with_a_message(
        with_case: None, csrf_app: Flask, login_as: LoginAs, db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    from web.assessments.launch import PrefectLauncher
    csrf_app.extensions["casegrid.assessment_launcher"] = PrefectLauncher(csrf_app.extensions["casegrid.assessments"])
    # Nothing listens on this port: a real refusal from the Prefect client, not a stand-in.
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:18699/api")
    response = login_as("dudao").post("/assessments/run", data={"kind": "quarterly"}, follow_redirects=True)
    shown = _text(response)
    assert response.status_code == 200 and "无法交给定时任务服务器运行" in shown and "未完成" in shown
    with db.reading() as s:
        assert s.scalars(select(AssessmentRequest.status)).one() == "failed"
    assert _count(db, AssessmentRun) == 0
