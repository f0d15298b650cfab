"""One sentence per event of a case's timeline, e.g. "李网格员 完成了 分拨研判：提交协商"."""
from __future__ import annotations

from flask_babel import gettext as _

from engine.cases.views import TimelineEntry
from web.cases.labels import RATING, label


def who(entry: TimelineEntry) -> str:
    if entry.actor_kind == "system":
        return _("系统")
    if entry.actor_kind == "resident":
        return _("反映人")
    return entry.actor_name or entry.actor


def _reassigned(entry: TimelineEntry, actor: str) -> str:
    target = "、".join(t for t in (entry.department_name, entry.assignee_name) if t)
    if entry.task_name:
        text = _("%(who)s 将 %(task)s 改派给 %(target)s", who=actor, task=entry.task_name, target=target)
    else:
        text = _("%(who)s 将案件改派给 %(target)s", who=actor, target=target)
    return text + (_("（理由：%(reason)s）", reason=entry.reason) if entry.reason else "")


def _escalated(entry: TimelineEntry, actor: str) -> str:
    task = entry.task_name or _("任务")
    if entry.actor_kind == "system":
        return _("%(task)s 超过时限未办，已吹哨上报街道督办", task=task)
    return _("%(who)s 就 %(task)s 吹哨上报：%(reason)s", who=actor, task=task, reason=entry.reason or "")


def _household_vote(entry: TimelineEntry, actor: str) -> str:
    vote = entry.vote or {}
    match entry.type:
        case "household_vote_opened":
            return _("%(who)s 发起户主表决：%(buildings)s 共 %(n)s 户，一户一票", who=actor,
                     buildings="、".join(vote.get("buildings") or []), n=vote.get("households", "?"))
        case "household_vote_cast" if entry.repeats > 1:
            return _("%(n)s 户投票（在线或由网格员代投；各户选择不在此显示）", n=entry.repeats)
        case "household_vote_cast":
            return _("1 户投票（各户选择不在此显示）")
        case _:
            counts = _("同意 %(yes)s 户，反对 %(no)s 户，弃权 %(abstain)s 户，未投票 %(none)s 户", yes=vote.get("yes", 0),
                       no=vote.get("no", 0), abstain=vote.get("abstain", 0), none=vote.get("not_voted", 0))
            outcome = _("通过") if vote.get("passed") else _("未通过")
            return _("户主表决计票：%(counts)s，%(outcome)s", counts=counts, outcome=outcome)


def describe(entry: TimelineEntry) -> str:
    """What happened, in words, for the case page's timeline."""
    actor = who(entry)
    match entry.type:
        case "case_opened":
            return _("%(who)s 登记了案件", who=actor)
        case "task_completed" if entry.summary:
            return _("%(who)s 完成了 %(task)s：%(decision)s", who=actor, task=entry.task_name or "",
                     decision=entry.summary)
        case "task_completed":
            return _("%(who)s 完成了 %(task)s", who=actor, task=entry.task_name or "")
        case "claimed":
            return _("%(who)s 认领了 %(task)s", who=actor, task=entry.task_name or "")
        case "released":
            return _("%(who)s 放弃认领 %(task)s，任务回到待认领", who=actor, task=entry.task_name or "")
        case "reassigned":
            return _reassigned(entry, actor)
        case "escalated":
            return _escalated(entry, actor)
        case "rating" if entry.default_rating:
            return _("7 日内未评价，按“%(rating)s”计", rating=label(RATING, entry.rating))
        case "rating":
            # Written by the system beside the reporter's own task_completed event.
            return _("记录评价结果：%(rating)s", rating=label(RATING, entry.rating))
        case "household_vote_opened" | "household_vote_cast" | "household_vote_closed":
            return _household_vote(entry, actor)
        case "tasks_completed":
            return _("%(task)s：全部选票一并记入流程", task=entry.task_name or _("户主表决"))
        case "council_scheduled":
            return _("%(who)s 将本议题列入议事会议程", who=actor)
        case "timers_fired":
            return _("时限已到，系统自动处理")
        case "task_data_set":
            return _("%(who)s 更新了流程数据", who=actor)
        case "spec_migrated":
            return _("%(who)s 将案件迁移到新版流程", who=actor)
    return _("%(who)s：%(event)s", who=actor, event=entry.type)
