"""The plain-text summary ``casegrid assess`` prints (Chinese characters count as two columns)."""
from __future__ import annotations

import unicodedata
from datetime import timedelta

from engine.assessments.formatting import KIND_LABELS, NOT_APPLICABLE, TREND_ARROWS, format_target, format_value
from engine.assessments.indicators import COMMUNITY, DEPARTMENT, INDICATORS, QUARTERLY
from engine.assessments.ranking import LIST_LABELS, SCORE
from engine.assessments.store import ResultView, RunReport, UnitRow
from engine.calendar import CHINA_TZ

#: Column headings of the quarterly table (full names are in the legend and the exports).
SHORT = {
    "volume": "受理量", "first_response": "首响", "accept_on_time": "响应", "onsite_on_time": "到场",
    "complete_on_time": "办结", "handling_median": "时长中位", "handling_p90": "时长P90", "resolution_rate": "解决",
    "satisfaction_rate": "满意", "default_rating_share": "默认评", "reopen_rate": "重办", "return_rate": "退单",
    "whistle_hours": "跨部门时长",
    "mediation_success": "调解",
    "onsite_resolution": "化解",
    "joint_attendance": "联席参会", "joint_executable": "可执行决议", "joint_effective": "联席运作",
    "visit_coverage": "走访覆盖",
    "volunteer_hours": "志愿时长", "volunteer_active": "志愿活跃",
}
BELOW_MARK, FLAG_MARK = "!", "⚑"
TOP = 10


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, size: int, right: bool = False) -> str:
    fill = " " * max(size - width(text), 0)
    return fill + text if right else text + fill


def table(headers: list[str], rows: list[list[str]]) -> list[str]:
    sizes = [max([width(h)] + [width(r[i]) for r in rows]) for i, h in enumerate(headers)]
    lines = ["  ".join(pad(h, sizes[i], i > 0) for i, h in enumerate(headers)).rstrip()]
    lines.append("  ".join("-" * s for s in sizes))
    lines += ["  ".join(pad(c, sizes[i], i > 0) for i, c in enumerate(row)).rstrip() for row in rows]
    return lines


def _cell(result: ResultView | None) -> str:
    if result is None:
        return ""
    text = format_value(result.value, result.value_kind)
    return text + (BELOW_MARK if result.status == "below" else "")


def _local(moment) -> str:
    return moment.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")


def heading(report: RunReport) -> list[str]:
    run = report.run
    last_day = (run.period_end.astimezone(CHINA_TZ) - timedelta(days=1)).date()
    title = (f"{KIND_LABELS[run.kind]} {run.period}（{run.period_start.astimezone(CHINA_TZ).date()} 至 {last_day}，"
             f"截至 {_local(run.as_of)}）· 评估 #{run.id}")
    return [title, run.note or "", ""]


def _unit_label(unit: UnitRow) -> str:
    return (f"{FLAG_MARK} " if unit.flagged else "") + unit.unit_name


def quarterly(report: RunReport) -> list[str]:
    keys = [i.key for i in QUARTERLY]
    rows = [[_unit_label(u)] + [_cell(u.results.get(k)) for k in keys] for u in report.units()]
    # An indicator added without a short heading still prints, under its full name.
    lines = table(["单位"] + [SHORT.get(i.key, i.label) for i in QUARTERLY], rows)
    targets = "，".join(f"{i.label} {format_target(float(i.target), i.kind, i.better)}"
                       for i in QUARTERLY if i.target is not None)
    flagged = [u for u in report.units() if u.flagged]
    lines += ["", f"{BELOW_MARK} 未达标   {FLAG_MARK} 连续两期未达标（红黑榜警示）   {NOT_APPLICABLE} 没有可计算的案件",
              f"目标：{targets}"]
    if flagged:
        lines.append(f"连续未达标警示 {len(flagged)} 个单位：" + "；".join(
            f"{u.unit_name}（{'、'.join(r.label for r in u.results.values() if r.flagged)}）" for u in flagged))
    return lines


def weekly(report: RunReport) -> list[str]:
    rows = []
    for u in report.units():
        r = u.results
        oldest = (r["open_items"].detail or [{}])[0] if "open_items" in r else {}
        named = f"{oldest['code']}（{oldest['task']}，{oldest['since']} 起）" if oldest else ""
        rows.append([f"{u.unit_type_label} {u.unit_name}"] + [_cell(r.get(k)) for k in
                                                              ("open_items", "overdue_items", "new_items", "done_items")]
                    + [named])
    return table(["单位", "在办", "超期", "新增", "办结", "最久未办"], rows)


def _trend(result: ResultView) -> str:
    previous = "0" if result.previous_value is None else format_value(result.previous_value, result.value_kind)
    return f"{previous} {TREND_ARROWS.get(result.trend or '', '')}".strip()


def monthly(report: RunReport) -> list[str]:
    lines: list[str] = []
    by_type: dict[str, list[ResultView]] = {}
    for r in report.results:
        by_type.setdefault(r.unit_type, []).append(r)
    total = {r.indicator: r for r in by_type.get("street", [])}
    lines.append("全街道：" + "，".join(f"{INDICATORS[k].label} {_cell(total[k])}（上月 {_trend(total[k])}）"
                                     for k in ("cases", "repeat_cases", "disputes") if k in total))
    for unit_type, title, head in (("hotspot", "热点（类别 × 网格）", "类别 · 网格"),
                                   ("dispute", "矛盾纠纷热点（网格 × 类型）", "网格 · 类型")):
        found = sorted(by_type.get(unit_type, []), key=lambda r: (-(r.value or 0), r.unit_name))[:TOP]
        lines += ["", title] + (table([head, "本月", "上月"], [[r.unit_name, _cell(r), _trend(r)] for r in found])
                                if found else ["  （无）"])
    lines += ["", "红黑榜（综合得分：响应率、解决率、满意率、按时办结率各 20 分，退单率、重办率各 10 分）"]
    lines += _red_black(by_type)
    repeats = sorted(by_type.get("repeat", []), key=lambda r: (-(r.value or 0), r.unit_name))[:TOP]
    lines += ["", "同一地址 90 天内重复反映"]
    lines += table(["地址（类别）", "件数", "案件"], [[r.unit_name, _cell(r), "、".join(d["code"] for d in r.detail or [])]
                                              for r in repeats]) if repeats else ["  （无）"]
    return lines


def _red_black(by_type: dict[str, list[ResultView]]) -> list[str]:
    """The month's units by score, each with the list it is on (the exports carry the same line per unit)."""
    rows = []
    for unit_type, label in ((DEPARTMENT, "部门"), (COMMUNITY, "社区")):
        scored = sorted((r for r in by_type.get(unit_type, []) if r.indicator == SCORE and r.detail),
                        key=lambda r: r.detail["rank"])
        rows += [[f"{label} {r.unit_name}", LIST_LABELS.get(str(r.detail.get("list")), ""),
                  f"{r.detail['rank']}/{r.detail['of']}", _cell(r)] for r in scored]
    return table(["单位", "榜单", "名次", "得分"], rows) if rows else ["  （本月没有可评分的单位）"]


def render(report: RunReport) -> str:
    body = {"quarterly": quarterly, "weekly": weekly, "monthly": monthly}[report.run.kind](report)
    return "\n".join(heading(report) + body)
