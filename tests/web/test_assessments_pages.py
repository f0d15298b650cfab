"""The assessments pages: list, a run with its KPI table and chart data, downloads, roles, English."""
from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask import Flask
from openpyxl import load_workbook

import web.assessments
from engine.assessments import AssessmentService
from engine.assessments.indicators import INDICATORS, UNIT_TYPE_LABELS
from engine.clock import FixedClock
from engine.db import Database
from tests.fixtures.assessments import Dataset, cst
from tests.web.conftest import LoginAs
from web.access import ACCESS_ATTR
from web.assessments.helpers import TRIGGERED

PACKAGE = Path(web.assessments.__file__).parent


@pytest.fixture
def with_assessments(csrf_app: Flask) -> Flask:
    """The app with the assessments blueprint (registered here until ``create_app`` registers it)."""
    if "assessments" not in csrf_app.blueprints:
        web.assessments.init_app(csrf_app)
    return csrf_app


@pytest.fixture
def runs(db: Database) -> dict[str, int]:
    ds = Dataset()
    for start in (cst(2026, 4, 6, 9), cst(2026, 7, 6, 9)):
        for k in range(5):
            case = ds.case(start + timedelta(days=k), grid="XF-01", department="wuye", address="幸福里3号楼")
            ds.item(case, "triage", created=case.opened_at, finished=case.opened_at + timedelta(hours=2))
            ds.item(case, "acceptance", created=case.opened_at + timedelta(hours=2),
                    due=case.opened_at + timedelta(days=1), department="wuye")
            ds.close(case, case.opened_at + timedelta(days=3), "resolved" if k < 3 else "rejected")
    ds.write(db)
    service = AssessmentService(db, FixedClock(cst(2026, 10, 20)))
    return {"quarterly": service.assess("quarterly", "2026Q3", triggered_by="test"),
            "weekly": service.assess("weekly", "2026-W28", triggered_by="test"),
            "monthly": service.assess("monthly", "2026-07", triggered_by="test")}


def test_every_assessment_route_is_for_supervisors_auditors_and_the_council(with_assessments: Flask) -> None:
    routes = [r for r in with_assessments.url_map.iter_rules() if r.endpoint.startswith("assessments.")]
    # Starting a run (and following it) is for supervisors and auditors only: test_assessment_runs.py.
    starting = {"assessments.start", "assessments.progress"}
    assert len([r for r in routes if r.endpoint not in starting]) == 6
    for rule in routes:
        access = getattr(with_assessments.view_functions[rule.endpoint], ACCESS_ATTR)
        expected = {"supervisor", "auditor"} if rule.endpoint in starting else {"supervisor", "auditor", "council"}
        assert access == frozenset(expected), rule.endpoint


@pytest.mark.parametrize(("username", "status"), [("dudao", 200), ("jiandu", 200), ("yishi", 200), ("wangge", 403),
                                                  ("chengguan", 403), ("admin", 403)])
def test_who_may_read_assessments(with_assessments: Flask, login_as: LoginAs, runs: dict[str, int],
                                  username: str, status: int) -> None:
    client = login_as(username)
    assert client.get("/assessments/").status_code == status
    assert client.get(f"/assessments/{runs['quarterly']}.xlsx").status_code == status


def test_anonymous_users_are_sent_to_the_login_page(with_assessments: Flask) -> None:
    response = with_assessments.test_client().get("/assessments/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_list_links_every_run(with_assessments: Flask, login_as: LoginAs, runs: dict[str, int]) -> None:
    page = login_as("dudao").get("/assessments/").get_data(as_text=True)
    for run_id in runs.values():
        assert f'href="/assessments/{run_id}"' in page
    quarterly_only = login_as("dudao").get("/assessments/?kind=quarterly").get_data(as_text=True)
    assert f'href="/assessments/{runs["weekly"]}"' not in quarterly_only


def test_a_quarterly_run_shows_flagged_units_first_with_colours_and_chart_data(
        with_assessments: Flask, login_as: LoginAs, runs: dict[str, int]) -> None:
    page = login_as("jiandu").get(f"/assessments/{runs['quarterly']}").get_data(as_text=True)
    assert "连续未达标警示" in page and "物业服务中心" in page
    rows = re.findall(r'<tr class="(flagged)?" id="unit-', page)
    assert rows[0] == "flagged" and rows[-1] == ""  # flagged units first
    assert 'class="num st-below flagged-cell"' in page and "st-met" in page and "n/a" in page
    assert "vendor/chartjs/chart.umd.min.js" in page
    data = json.loads(re.search(r'<script type="application/json" id="assessment-data">(.*?)</script>', page,
                                re.DOTALL).group(1))
    wuye = next(u for u in data["units"] if u["name"] == "物业服务中心")
    assert wuye["values"]["resolution_rate"] == {"v": 0.6, "p": 0.6, "s": "below"}
    assert data["history"]["resolution_rate"] == [["2026Q3", pytest.approx(0.6)]]


def test_weekly_and_monthly_runs_render(with_assessments: Flask, login_as: LoginAs, runs: dict[str, int]) -> None:
    client = login_as("dudao")
    weekly = client.get(f"/assessments/{runs['weekly']}").get_data(as_text=True)
    assert "最久未办" in weekly and "超期" in weekly and "backlog-chart" in weekly
    monthly = client.get(f"/assessments/{runs['monthly']}").get_data(as_text=True)
    assert "幸福里3号楼（环境卫生）" in monthly and "hotspot-chart" in monthly


def test_downloads_carry_the_same_figures(with_assessments: Flask, login_as: LoginAs, runs: dict[str, int],
                                         tmp_path: Path) -> None:
    client = login_as("dudao")
    csv = client.get(f"/assessments/{runs['quarterly']}.csv")
    assert csv.headers["Content-Disposition"].endswith("assessment-quarterly-2026Q3.csv")
    assert "物业服务中心,解决率,60.0%,3,5" in csv.get_data().decode("utf-8-sig")
    xlsx = client.get(f"/assessments/{runs['quarterly']}.xlsx")
    (tmp_path / "out.xlsx").write_bytes(xlsx.get_data())
    assert load_workbook(tmp_path / "out.xlsx")["评估结果"]["A1"].value == "评估类型"
    assert client.get("/assessments/999999.csv").status_code == 404


def test_the_pages_read_in_english(with_assessments: Flask, login_as: LoginAs, runs: dict[str, int]) -> None:
    client = login_as("dudao")
    client.post("/lang/en", data={"next": "/assessments/"})
    page = client.get(f"/assessments/{runs['quarterly']}").get_data(as_text=True)
    assert "Quarterly assessment" in page and "Resolution rate" in page and "Below target twice in a row" in page


def test_every_message_has_an_english_translation() -> None:
    with (PACKAGE / "translations/en/LC_MESSAGES/messages.po").open("rb") as po:
        catalogue = {m.id: m.string for m in read_po(po) if m.id}
    used = set()
    for path in PACKAGE.rglob("*"):
        if path.suffix in (".html", ".py"):
            used |= {a or b for a, b in re.findall(r"_\(\s*'([^']*)'|_\(\s*\"([^\"]*)\"", path.read_text())}
    for indicator in INDICATORS.values():
        used |= {t for t in (indicator.label, indicator.definition, indicator.source) if t}
    used |= set(UNIT_TYPE_LABELS.values()) | set(TRIGGERED.values()) | {"季评估", "月研判", "周调度"}
    missing = sorted(m for m in used if not catalogue.get(m))
    assert missing == []


def test_the_monthly_red_and_black_list_is_on_the_list_page_and_in_the_run(with_assessments: Flask, db: Database,
                                                                          login_as: LoginAs) -> None:
    ds = Dataset()
    for department, returned in (("chengguan", 0), ("zhujian", 3), ("wuye", 1)):
        for k in range(4):
            case = ds.case(cst(2026, 7, 6 + k, 9), grid="XF-01", department=department)
            ds.assign(case, department, case.opened_at + timedelta(hours=1), returned=k < returned)
    ds.write(db)
    run_id = AssessmentService(db, FixedClock(cst(2026, 8, 3, 10))).assess("monthly", "2026-07")
    client = login_as("jiandu")
    for page in ("/assessments/", f"/assessments/{run_id}"):
        html = client.get(page).get_data(as_text=True)
        assert "红黑榜" in html and "红榜" in html and "黑榜" in html
        red = html.split("rb-red", 1)[1].split("rb-black", 1)[0]
        assert "城管" in red and "住建" not in red
