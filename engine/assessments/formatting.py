"""How figures read in tables, the CLI and the exports (one place, so they all agree)."""
from __future__ import annotations

STATUS_LABELS = {"met": "达标", "below": "未达标", "na": "无数据", "info": "—"}
TREND_ARROWS = {"up": "↑", "down": "↓", "flat": "→"}
KIND_LABELS = {"weekly": "周调度", "monthly": "月研判", "quarterly": "季评估", "annual": "年度评估", "triennial": "三年总评"}
#: What a rate with nothing to measure shows: not 0 %, which would read as a failure.
NOT_APPLICABLE = "n/a"


def format_value(value: float | None, kind: str) -> str:
    if value is None:
        return NOT_APPLICABLE
    if kind == "rate":
        return f"{value * 100:.1f}%"
    if kind in ("days", "points", "hours"):
        return f"{value:.1f}"
    return f"{value:.0f}"


def format_target(target: float | None, kind: str, better: str | None) -> str:
    if target is None:
        return "—"
    sign = "≥" if better == "higher" else "≤"
    return f"{sign} {format_value(target, kind)}"
