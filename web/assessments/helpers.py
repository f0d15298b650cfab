"""What the assessment templates use to show figures: formats, labels and classes, all from the engine's tables."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask_babel import format_datetime, lazy_pgettext
from flask_babel import lazy_gettext as _l

from engine.assessments.formatting import KIND_LABELS, STATUS_LABELS, TREND_ARROWS, format_target, format_value
from engine.assessments.indicators import INDICATORS, UNIT_TYPE_LABELS
from engine.assessments.store import ResultView, RunSummary
from web.assessments.blueprint import bp

TRIGGERED = {"cli": "命令行", "prefect": "定时任务", "test": "测试", "web": "网页发起", "demo": "演示数据"}
#: A run asked for in the UI (engine/assessments/requests.py).
JOB_STATES = {"queued": _l("排队中"), "running": _l("正在计算"), "done": _l("已完成"),
              "failed": lazy_pgettext("job", "未完成")}


def fmt(result: ResultView | None) -> str:
    return "" if result is None else format_value(result.value, result.value_kind)


def trend_class(result: ResultView) -> str:
    return {True: "better", False: "worse"}.get(result.improved, "neutral")  # type: ignore[arg-type]


def local(moment: datetime) -> str:
    """A moment in Beijing time (the app's Babel time zone), to the minute."""
    return format_datetime(moment, "yyyy-MM-dd HH:mm")


def last_day(run: RunSummary) -> str:
    return format_datetime(run.period_end - timedelta(seconds=1), "yyyy-MM-dd")


@bp.context_processor
def assessment_helpers() -> dict[str, Any]:
    return {
        "fmt": fmt, "fmt_value": format_value, "trend_class": trend_class, "local": local, "last_day": last_day,
        "kind_labels": KIND_LABELS, "status_labels": STATUS_LABELS, "arrows": TREND_ARROWS,
        "unit_type_labels": UNIT_TYPE_LABELS, "triggered_labels": TRIGGERED, "job_states": JOB_STATES,
        "labels": {k: i.label for k, i in INDICATORS.items()},
        "definitions": {k: i.definition for k, i in INDICATORS.items()},
        "sources": {k: i.source for k, i in INDICATORS.items()},
        "targets": {k: format_target(float(i.target), i.kind, i.better) if i.target is not None else ""
                    for k, i in INDICATORS.items()},
    }
