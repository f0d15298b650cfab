"""The resident's tracking page words the dispatch steps (派单, 吹哨, 退单, 协办反馈, 不予受理) — department
names only, never a person, and a refusal's reason is published with personal data taken out."""
from __future__ import annotations

import json
from datetime import datetime

import pytest
from flask import Flask

from engine.cases.events import CaseEvent
from engine.public.read_models import timeline
from web.public.labels import step_text

NAMES = {"chengguan": "城管执法中队", "zhujian": "住建办", "gongan": "派出所"}
AT = datetime(2026, 3, 2, 1, 0)

pytestmark = pytest.mark.parametrize("db", ["sqlite"], indirect=True)


def event(seq: int, type_: str, actor: str = "wangge", **payload: object) -> CaseEvent:
    return CaseEvent(seq=seq, type=type_, actor=actor, role="grid_worker", at=AT, payload=json.dumps(payload))


def words(app: Flask, events: list[CaseEvent], tasks: dict[str, str] | None = None,
          secrets: tuple[str, ...] = ()) -> list[str]:
    with app.test_request_context("/"):
        return [step_text(s) + (f" | {s.detail}" if s.detail else "")
                for s in timeline(events, NAMES, secrets, tasks or {})]


def test_a_whistle_names_the_lead_and_each_co_department_and_each_reports_in_under_its_own_name(app: Flask) -> None:
    events = [
        event(1, "case_opened"),
        event(2, "task_completed", bpmn_id="triage", task_id="t-triage",
              data={"triage_decision": "whistle", "department": "chengguan", "co_departments": ["zhujian", "gongan"]}),
        event(3, "dispatched", mode="whistle", lead="chengguan", co_departments=["zhujian", "gongan"]),
        event(4, "task_completed", actor="zhujian1", bpmn_id="accept", task_id="t-zj", data={"accept_decision": "accepted"}),
        event(5, "task_completed", actor="gongan1", bpmn_id="report_part", task_id="t-ga", data={"part_report": "已巡查"}),
        event(6, "task_completed", actor="chengguan", bpmn_id="complete", task_id="t-cg",
              data={"completion_report": "已修复路灯线路", "evidence": "photo://x"}),
    ]
    shown = words(app, events, {"t-zj": "zhujian", "t-ga": "gongan", "t-cg": "chengguan"})
    assert shown == [
        "已收到您反映的问题",
        "街道/社区吹哨：城管执法中队牵头，住建办、派出所协办，各部门到场报到",
        "住建办已签收",
        "派出所（协办）已反馈办理情况",
        "城管执法中队已办理完成 | 已修复路灯线路",
    ]
    assert not any(person in " ".join(shown) for person in ("wangge", "zhujian1", "gongan1"))


def test_a_direct_dispatch_and_a_return_name_the_department(app: Flask) -> None:
    events = [event(1, "dispatched", mode="direct", lead="chengguan", co_departments=[]),
              event(2, "task_completed", bpmn_id="accept", task_id="t1",
                    data={"accept_decision": "return", "return_reason": "不属于本部门"}),
              event(3, "dispatched", mode="direct", lead="zhujian", co_departments=[])]
    assert words(app, events, {"t1": "chengguan"}) == [
        "已派单至城管执法中队办理", "城管执法中队认为不属于本部门职责，已退回重新派单", "已派单至住建办办理"]


def test_a_refusal_publishes_its_reason_without_the_reporters_phone(app: Flask) -> None:
    events = [event(1, "triage_refused", reason="属于私人房屋内部维修，请联系物业 13800001234")]
    (line,) = words(app, events, secrets=("13800001234",))
    assert line.startswith("不予受理（理由见下） | 属于私人房屋内部维修，请联系物业")
    assert "13800001234" not in line


def test_the_councils_dispatch_is_not_told_twice(app: Flask) -> None:
    events = [event(1, "task_completed", actor="yishi", bpmn_id="deliberate", task_id="t1",
                    data={"decision": "adopt", "responsible_department": "zhujian", "deadline": "2026-03-20"}),
              event(2, "dispatched", mode="council", lead="zhujian", co_departments=[])]
    assert words(app, events) == ["议事会议定通过，交由住建办办理"]


def test_a_granted_extension_is_told_with_its_new_date_and_a_refused_one_is_not(app: Flask) -> None:
    events = [event(1, "extension_decided", actor="dudao", department="zhujian", approved=True,
                    due="2026-03-09T15:59:59+00:00"),
              event(2, "extension_decided", actor="dudao", department="zhujian", approved=False, due=None)]
    with app.test_request_context("/"):
        [step] = timeline(events, NAMES, (), {})
        assert step_text(step) == "街道督办同意住建办延期办理" and step.deadline.isoformat() == "2026-03-09"
