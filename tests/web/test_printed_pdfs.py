"""The printed documents as PDFs made on the server (issue 21): the mediation agreement (marked 草稿 or 未生效
when not in force), the quarterly meeting report and a case's audit summary. The PDFs are read back with
pypdf: the Chinese must be there as text, and each is for the roles (and objects) its print page is for."""
from __future__ import annotations

import os
import re
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import pytest
from flask import Flask
from pypdf import PdfReader

from engine.calendar import china_date
from engine.db import Database
from engine.demo.driver import Driver
from engine.demo.mediation_scenarios import MEDIATION_SCENARIOS
from engine.demo.scenarios import SCENARIOS
from web import pdf
from tests.web.conftest import LoginAs
from tests.web.test_assessments_pages import runs, with_assessments  # noqa: F401
from tests.web.test_mediation import _at_agreement, _version, mediators  # noqa: F401


def pdf_text(response) -> str:  # type: ignore[no-untyped-def]
    """The words of the PDF, whitespace removed (a line break may fall anywhere in Chinese)."""
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/pdf" and response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    reader = PdfReader(BytesIO(response.get_data()))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


# -- the mediation agreement ------------------------------------------------------------------------

def test_a_draft_agreement_is_a_pdf_marked_draft_then_unmarked_once_in_force(login_as: LoginAs,
                                                                              driver: Driver) -> None:
    case, item, parties = _at_agreement(driver)
    client = login_as("tiaojie")
    desk = f"/mediation/tasks/{item}/agreement"
    client.post(desk, data={"agreement_terms": "李春梅赔偿王建国 2000 元", "performance_deadline": "2026-03-20",
                            "case_version": _version(driver, case)})
    url = f"/mediation/{case.tracking_code}/agreements/1.pdf"
    draft = pdf_text(client.get(url))
    assert "人民调解协议书" in draft and "李春梅赔偿王建国2000元" in draft and "草稿" in draft
    assert "当事人（签名）：" in draft and "未生效" not in draft
    for party in parties:
        client.post(f"{desk}/signatures", data={"party_id": party, "outcome": "signed",
                                                "signed_on": china_date(driver.clock.now()).isoformat(),
                                                "case_version": _version(driver, case)})
    assert client.post(f"{desk}/in-force", data={"case_version": _version(driver, case)}).status_code == 302
    in_force = pdf_text(client.get(url))
    assert "李春梅赔偿王建国2000元" in in_force and "草稿" not in in_force and "未生效" not in in_force


def test_an_agreement_that_never_took_effect_is_marked_so_in_the_pdf(login_as: LoginAs, driver: Driver) -> None:
    case = MEDIATION_SCENARIOS["mediation_declined_to_sign_then_withdrawn"][0](driver)
    text = pdf_text(login_as("tiaojie").get(f"/mediation/{case.tracking_code}/agreements/1.pdf"))
    assert "未生效" in text and "幸福里社区人民调解委员会" in text and "一次性赔偿王建国维修费人民币3000元" in text


def test_the_agreement_pdf_is_masked_and_for_the_mediations_readers_only(login_as: LoginAs,
                                                                          driver: Driver) -> None:
    case = MEDIATION_SCENARIOS["mediation_two_sessions_agreement_honoured"][0](driver)
    url = f"/mediation/{case.tracking_code}/agreements/1.pdf"
    text = pdf_text(login_as("dudao").get(url))
    assert "王**" in text and "13800001111" not in text
    assert login_as("chengguan").get(url).status_code == 403  # departments do not read mediations
    assert login_as("tiaojie2").get(url).status_code == 404  # another mediator's case: not theirs to see
    assert login_as("tiaojie").get(f"/mediation/{case.tracking_code}/agreements/9.pdf").status_code == 404


# -- the quarterly report ---------------------------------------------------------------------------

def test_the_quarterly_report_is_a_pdf_with_every_unit(with_assessments: Flask, login_as: LoginAs,  # noqa: F811
                                                       runs: dict[str, int]) -> None:  # noqa: F811
    text = pdf_text(login_as("yishi").get(f"/assessments/{runs['quarterly']}/report.pdf"))
    assert "季度考核评估报告" in text and "2026Q3" in text and "全街道指标" in text
    assert "物业服务中心" in text and "解决率" in text and "60.0%" in text
    assert login_as("jiandu").get(f"/assessments/{runs['weekly']}/report.pdf").status_code == 404
    assert login_as("wangge").get(f"/assessments/{runs['quarterly']}/report.pdf").status_code == 403


# -- the audit summary ------------------------------------------------------------------------------

def test_a_cases_audit_summary_is_a_pdf_of_its_history_in_words(login_as: LoginAs, driver: Driver) -> None:
    case = driver.refresh(SCENARIOS["resolved_on_the_spot"][0](driver))
    text = pdf_text(login_as("jiandu").get(f"/audit/cases/{case.tracking_code}/summary.pdf"))
    assert "审计摘要" in text and case.tracking_code in text and "办理记录" in text
    assert "登记了案件" in text and "快照指纹" in text
    assert "task_completed" not in text and "wangge" not in text  # people's terms, as on the pages
    assert login_as("tiaojie").get(f"/audit/cases/{case.tracking_code}/summary.pdf").status_code == 403


def test_the_summary_reads_in_english_for_an_english_auditor(login_as: LoginAs, driver: Driver) -> None:
    case = driver.refresh(SCENARIOS["resolved_on_the_spot"][0](driver))
    client = login_as("jiandu")
    client.post("/lang/en", data={"next": "/"})
    text = pdf_text(client.get(f"/audit/cases/{case.tracking_code}/summary.pdf"))
    assert "Auditsummary" in text and "Xingfuli" in text


@pytest.mark.parametrize("url", [
    "/audit/cases/XX/summary.pdf", "/audit/cases/%3Cscript%3E/summary.pdf", "/audit/cases/" + "9" * 400 + "/summary.pdf",
    "/assessments/999999/report.pdf", "/assessments/" + "9" * 40 + "/report.pdf",
    "/mediation/XX/agreements/1.pdf", "/mediation/%00%27/agreements/1.pdf", "/mediation/XX/agreements/" + "9" * 40 + ".pdf",
])
def test_hostile_addresses_are_not_found_never_an_error(login_as: LoginAs, db: Database, url: str) -> None:
    user = "dudao"
    response = login_as(user).get(url)
    assert response.status_code in (400, 404), (url, response.status_code)
    assert response.mimetype == "text/html"


# -- the font ----------------------------------------------------------------------------------------

#: The PDF standard fonts, which every reader has and no PDF embeds (reportlab names Helvetica on each page).
BASE_14 = {"/Helvetica", "/Helvetica-Bold", "/Times-Roman", "/Courier"}


def _fonts(data: bytes) -> list[tuple[str, bool]]:
    """Each font of the PDF: its name, and whether its glyphs travel inside the file."""
    found = []
    for page in PdfReader(BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            described = descendants[0].get_object() if descendants else font
            descriptor = described.get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor else {}
            found.append((str(font["/BaseFont"]), any(k in descriptor for k in ("/FontFile", "/FontFile2",
                                                                                 "/FontFile3"))))
    return found


@pytest.fixture
def fresh_font() -> Iterator[None]:
    """Each test below chooses the font anew; later tests get the machine's choice back."""
    pdf.pdf_font.cache_clear()
    pdf._styles.cache_clear()
    yield
    pdf.pdf_font.cache_clear()
    pdf._styles.cache_clear()


def test_the_chinese_font_is_embedded_so_the_paper_reads_the_same_everywhere(
        login_as: LoginAs, driver: Driver, fresh_font: None, monkeypatch: pytest.MonkeyPatch) -> None:
    installed = next((path for path in pdf.FONT_CANDIDATES if Path(path).is_file()), None)
    if installed is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI installs fonts-wqy-microhei: the embedded font must be tested there")
        pytest.skip("no CJK TrueType font installed (apt install fonts-wqy-microhei)")
    monkeypatch.setenv(pdf.FONT_ENV, installed)
    case = MEDIATION_SCENARIOS["mediation_declined_to_sign_then_withdrawn"][0](driver)
    response = login_as("tiaojie").get(f"/mediation/{case.tracking_code}/agreements/1.pdf")
    assert "未生效" in pdf_text(response)
    fonts = dict(_fonts(response.get_data()))
    chinese = [name for name in fonts if "WenQuanYi" in name or "Droid" in name or "UMing" in name]
    assert chinese and all(fonts[name] for name in chinese), fonts
    assert set(fonts) - set(chinese) <= BASE_14, fonts  # Latin fonts every reader has built in
    # A subset, not the whole 5 MB collection: only the glyphs the document uses travel.
    assert len(response.get_data()) < 600_000


def test_without_a_cjk_font_the_pdf_names_a_font_every_reader_supplies(
        login_as: LoginAs, driver: Driver, fresh_font: None, monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> None:
    not_a_font = tmp_path / "broken.ttf"
    not_a_font.write_bytes(b"not a font")
    monkeypatch.setenv(pdf.FONT_ENV, str(not_a_font))
    monkeypatch.setattr(pdf, "FONT_CANDIDATES", ())
    case = MEDIATION_SCENARIOS["mediation_declined_to_sign_then_withdrawn"][0](driver)
    response = login_as("tiaojie").get(f"/mediation/{case.tracking_code}/agreements/1.pdf")
    assert "未生效" in pdf_text(response)
    assert {name for name, _ in _fonts(response.get_data())} - BASE_14 == {f"/{pdf.CID_FONT}"}


def test_the_agreement_pdf_names_the_parties_from_their_ciphertext_until_the_case_is_erased(
        login_as: LoginAs, driver: Driver, db: Database) -> None:
    """The parties are stored encrypted (migration 0040): the mediator in charge still reads their names in the
    PDF and on the page; once the case's personal data is erased both say 已按规定删除."""
    from sqlalchemy import text

    from engine.cases.models import Case
    from engine.people.actor import Actor
    from engine.privacy.keys import ERASED
    from engine.privacy.shredding import erase_case

    case = MEDIATION_SCENARIOS["mediation_two_sessions_agreement_honoured"][0](driver)
    url = f"/mediation/{case.tracking_code}/agreements/1.pdf"
    client = login_as("tiaojie")
    with db.engine.connect() as conn:
        stored = conn.execute(text("SELECT name FROM mediation_party WHERE case_id = :c"), {"c": case.id}).scalars()
        assert all(name.startswith("cg1:") for name in stored)
    before = pdf_text(client.get(url))
    assert "王建国" in before and "李春梅" in before and ERASED not in before
    with db.transaction() as s:
        erase_case(s, s.get(Case, case.id), actor=Actor("admin", "admin"), at=driver.clock.now(),  # type: ignore[arg-type]
                   reason="admin", detail="依申请删除")
    assert ERASED in pdf_text(client.get(url))
    page = client.get(f"/mediation/{case.tracking_code}").get_data(as_text=True)
    assert ERASED in page and "13800001111" not in page
    assert all(c.ok for c in driver.service.verify(case.id))
