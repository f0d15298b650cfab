"""The case page's timeline words the dispatch events (派单, 吹哨, 报到, 退单, 延期, 催办): a department's own
step by its name and whether it was on time; the system's records beside a person's step without "系统"."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from flask import Flask

from engine.cases.read_models import TimelineEntry
from web.cases.timeline import describe

AT = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)

pytestmark = pytest.mark.parametrize("db", ["sqlite"], indirect=True)


def entry(type_: str, actor: str = "system", name: str | None = None, **fields: object) -> TimelineEntry:
    kind = "system" if actor == "system" else "user"
    return TimelineEntry(seq=1, at=AT, type=type_, actor=actor, actor_kind=kind, actor_name=name, role="x",
                         **fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(("event", "sentence"), [
    (entry("dispatched", mode="whistle", department_name="城管执法中队", co_department_names=("住建办", "派出所")),
     "吹哨：城管执法中队 牵头，住建办、派出所 协办"),
    (entry("dispatched", mode="direct", department_name="住建办", reason="路灯归住建办"),
     "派单给 住建办（理由：路灯归住建办）"),
    (entry("reported_in", department_name="住建办", on_time=True), "住建办 已报到（签收）（按时）"),
    (entry("arrived_on_site", department_name="派出所", on_time=False), "派出所 已到场（超过时限）"),
    (entry("part_reported", department_name="派出所", on_time=True), "派出所（协办）反馈了办理情况（按时）"),
    (entry("dispatch_completed", department_name="城管执法中队", on_time=True), "城管执法中队 办结（按时）"),
    (entry("dispatch_returned", department_name="物业服务中心", reason="不属于物业职责"),
     "物业服务中心 退单（理由：不属于物业职责）"),
    (entry("triage_refused", reason="属私人房屋内部"), "不予受理（理由向反映人公示）（理由：属私人房屋内部）"),
    (entry("extension_requested", "zhujian", "住建办", department_name="住建办", due="2026-03-09T15:59:59+00:00",
           reason="等配件"), "住建办 申请延期至 2026-03-09 23:59（理由：等配件）"),
    (entry("extension_decided", "dudao", "刘书记", department_name="住建办", due="2026-03-09T15:59:59+00:00",
           approved=True), "刘书记 同意 住建办 延期至 2026-03-09 23:59"),
    (entry("extension_decided", "dudao", "刘书记", department_name="住建办", approved=False, reason="材料已到"),
     "刘书记 不同意 住建办 延期（理由：材料已到）"),
    (entry("urged", "dudao", "刘书记", department_name="住建办", reason="请今天内签收"), "刘书记 催办 住建办：请今天内签收"),
])
def test_each_dispatch_event_reads_as_a_sentence(app: Flask, event: TimelineEntry, sentence: str) -> None:
    with app.test_request_context("/"):
        assert describe(event) == sentence
