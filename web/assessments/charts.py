"""What the charts draw, as JSON for ``static/js/assessments.js`` (labels already translated)."""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from engine.assessments.indicators import INDICATORS
from engine.assessments.store import RunReport
from web.wording import org_words

#: Bars per chart at most (the table below the chart lists everything).
TOP = 12


def _indicator(key: str) -> dict[str, Any]:
    i = INDICATORS[key]
    return {"key": key, "label": _(i.label), "kind": i.kind, "better": i.better,
            "target": float(i.target) if i.target is not None else None}


def chart_data(report: RunReport, history: dict[str, list[tuple[str, float | None]]]) -> dict[str, Any]:
    kind = report.run.kind
    data: dict[str, Any] = {
        "kind": kind,
        "text": {"current": _("本期"), "previous": _("上期"), "target": _("目标"), "street": _("全街道"),
                 "open": _("在办事项"), "overdue": _("超期事项")},
    }
    units = report.units()
    if kind == "quarterly":
        data["indicators"] = [_indicator(k) for k in report.indicators()]
        data["units"] = [{"name": org_words(u.unit_name), "type": u.unit_type,
                          "values": {k: {"v": r.value, "p": r.previous_value, "s": r.status}
                                     for k, r in u.results.items()}}
                         for u in units if u.unit_type != "street"]
        data["history"] = {k: [[p, v] for p, v in points] for k, points in history.items()}
    elif kind == "weekly":
        rows = [u for u in units if u.unit_type != "street"]
        data["units"] = [{"name": f"{_(u.unit_type_label)} {org_words(u.unit_name)}",
                          "open": u.results["open_items"].value, "overdue": u.results["overdue_items"].value}
                         for u in rows if "open_items" in u.results]
    else:
        hotspots = sorted((r for r in report.results if r.unit_type == "hotspot"),
                          key=lambda r: (-(r.value or 0), r.unit_name))[:TOP]
        data["hotspots"] = [{"name": org_words(r.unit_name), "v": r.value, "p": r.previous_value or 0} for r in hotspots]
    return data
