"""English for staff: a diagram may give its tasks, form fields and options English names (extension
properties the modeler edits in the properties panel); pages in English show them, pages in Chinese don't."""
from __future__ import annotations

import re

from bpmn import seed_files
from engine.bpmn.parser import parse_process
from engine.demo.driver import Driver
from tests.web.conftest import LoginAs

CIVIC = next(p for p in seed_files() if p.name == "civic_loop.bpmn")


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def test_the_diagram_carries_english_names_for_tasks_fields_and_options() -> None:
    process = parse_process(CIVIC.read_text(encoding="utf-8"))
    triage = process.human_tasks["triage"]
    assert (triage.name, triage.name_en) == ("分拨研判", "Triage")
    decision = triage.form.field("triage_decision")
    assert decision is not None and decision.label_en == "Triage decision"
    assert [(o.id, o.label, o.label_en) for o in decision.options][:2] == [
        ("on_spot", "就地解决", "Resolved on the spot"), ("dispatch", "直接派单", "Dispatch directly")]
    note = triage.form.field("triage_note")
    assert note is not None and note.label_en == "Note"


def test_a_grid_worker_reads_the_triage_in_english_and_in_chinese(driver: Driver, login_as: LoginAs) -> None:
    case = driver.report()
    item = driver.item(case, "triage")
    client = login_as("wangge")
    assert "分拨研判" in _text(client.get("/inbox")) and "Triage" not in _text(client.get("/inbox"))
    client.post("/lang/en", data={"next": "/inbox"})
    assert "Triage" in _text(client.get("/inbox"))
    task = _text(client.get(f"/inbox/tasks/{item.id}"))
    assert "Triage decision" in task and "Dispatch directly" in task and "Blow the whistle" in task
    assert "Priority" in task and "Critical" in task
    assert "分拨结果" not in task and "直接派单" not in task
    assert "处理说明" not in task and "Note" in task
