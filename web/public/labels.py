"""Plain words for the codes of the public read model (:mod:`engine.public.read_models`)."""
from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext, pgettext

from engine.public import PublicCase, Step

RATINGS = {"satisfied": _l("满意"), "basically": _l("基本满意"), "dissatisfied": _l("不满意")}

OUTCOMES = {
    "resolved": _l("已办结"), "rejected": _l("不予采纳"), "merged": _l("已与相同问题合并办理"),
    "closed_by_supervisor": _l("经街道复核后结案"), "refused": _l("不予受理"),
}

#: The five stages of the progress bar, by the case's phase.
STAGES = [("collect", _l("受理")), ("negotiate", _l("协商")), ("assign", lazy_pgettext("stage", "办理")),
          ("evaluate", _l("评价")), ("closed", _l("结案"))]


def rating_text(value: str | None, default: bool = False) -> str:
    if default:
        return _("逾期未评价，默认基本满意")
    return str(RATINGS.get(value or "", value or ""))


def outcome_text(kind: str | None) -> str:
    return str(OUTCOMES.get(kind or "", _l("已结案")))


def _household_vote_counted(step: Step, department: str) -> str:
    counts = step.counts or {}
    tally = _("同意 %(yes)s 户、反对 %(no)s 户、弃权 %(abstain)s 户、未投票 %(none)s 户", yes=counts.get("yes", 0),
              no=counts.get("no", 0), abstain=counts.get("abstain", 0), none=counts.get("not_voted", 0))
    if step.value == "passed":
        return _("户主表决通过（%(tally)s），交由%(department)s办理", tally=tally, department=department)
    return _("户主表决未通过（%(tally)s）", tally=tally)


def step_text(step: Step) -> str:
    """One timeline line in plain words."""
    department = step.department or pgettext("unnamed", "职能部门")
    if step.kind == "household_vote_counted":
        return _household_vote_counted(step, department)
    texts = {
        "received": _("已收到您反映的问题"),
        "on_spot": _("网格员已现场处理"),
        "dispatched": _("已派单至%(department)s办理", department=department),
        "whistled": _("街道/社区吹哨：%(lead)s牵头，%(co)s协办，各部门到场报到",
                      lead=department, co="、".join(step.co_departments) or _("相关部门")),
        "refused": _("不予受理（理由见下）"),
        "negotiating": _("已提交居民议事会协商（协商中）"),
        "merged": _("与其他居民反映的相同问题合并办理"),
        "adopted": _("议事会议定通过，交由%(department)s办理", department=department),
        "rejected": _("议事会议定：不予采纳"),
        "deferred": _("议事会议定：暂缓，继续协商"),
        "accepted": _("%(department)s已签收", department=department),
        "returned": _("%(department)s认为不属于本部门职责，已退回重新派单", department=department),
        "reassigned": _("改由%(department)s办理", department=department),
        "on_site": _("%(department)s已到现场核实", department=department),
        "part_reported": _("%(department)s（协办）已反馈办理情况", department=department),
        "completed": _("%(department)s已办理完成", department=department),
        "escalated": _("已提请街道督办"),
        "extended": _("街道督办：已协调，延长办理时间"),
        "extension_granted": _("街道督办同意%(department)s延期办理", department=department),
        "rated": _("评价：%(rating)s", rating=rating_text(step.value, step.default)),
        "closed_by_supervisor": _("经街道复核后结案"),
        "closed": _("结案：%(outcome)s", outcome=outcome_text(step.value)),
        "household_vote": _("议事会决定提交户主表决（涉及 %(n)s 户，一户一票）",
                            n=(step.counts or {}).get("eligible", 0)),
    }
    return texts.get(step.kind, _("办理中"))


def stage_text(case: PublicCase) -> str:
    """What the case waits for now."""
    department = case.stage_department or pgettext("unnamed", "职能部门")
    texts = {
        "triage": _("网格员正在核实处理"),
        "negotiating": _("居民议事会正在协商"),
        "accept": _("已交办%(department)s，等待签收", department=department),
        "on_site": _("%(department)s已签收，将到现场核实", department=department),
        "working": _("%(department)s正在办理", department=department),
        "supervising": _("街道正在督办协调"),
        "rating": _("已办理完成，请您评价"),
        "mediating": _("调解员正在调解"),
        "closed": outcome_text(case.outcome.kind if case.outcome else None),
    }
    return texts.get(case.stage, _("正在办理"))


#: Timeline steps that show a stage was passed through (a case resolved on the spot skips two).
_REACHED_BY = {
    "negotiate": {"negotiating", "adopted", "rejected", "deferred"},
    "assign": {"dispatched", "whistled", "accepted", "returned", "reassigned", "on_site", "part_reported",
               "completed", "escalated", "extended", "extension_granted"},
    "evaluate": {"rated"},
}


def stage_states(case: PublicCase) -> list[tuple[str, str]]:
    """Each stage of the progress bar with ``done``, ``current``, ``todo`` or ``skipped``."""
    phases = [code for code, _label in STAGES]
    current = len(phases) - 1 if case.closed else phases.index(case.phase) if case.phase in phases else 2
    kinds = {step.kind for step in case.steps}
    states = []
    for index, (code, label) in enumerate(STAGES):
        if index == current:
            state = "current"
        elif index > current:
            state = "todo"
        else:
            state = "done" if code not in _REACHED_BY or kinds & _REACHED_BY[code] else "skipped"
        states.append((str(label), state))
    return states


def when(moment: datetime | None) -> str:
    """A local (Beijing) time as people write it: 2026-03-02 09:00."""
    return moment.strftime("%Y-%m-%d %H:%M") if moment else ""


def helpers() -> dict[str, object]:
    """Template globals of the public pages."""
    return {"step_text": step_text, "stage_text": stage_text, "stage_states": stage_states,
            "rating_text": rating_text, "outcome_text": outcome_text, "when": when}
