"""One sentence per event of a case's timeline, e.g. "李网格员 完成了 分拨研判：提交协商"."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from flask_babel import format_datetime
from flask_babel import gettext as _

from engine.cases.read_models import TimelineEntry
from engine.labels import event_label
from web.cases.labels import RATING, label
from web.wording import in_english, joined, org_words, value_words, words


def who(entry: TimelineEntry) -> str:
    if entry.actor_kind == "system":
        return _("系统")
    if entry.actor_kind == "reporter":
        return _("反映人（凭专用链接核实）")
    if entry.actor_kind == "resident":
        return _("反映人")
    if entry.actor_kind == "code_holder":
        return _("持查询码者（未核实是否为反映人）")
    return entry.actor_name or entry.actor


def _reassigned(entry: TimelineEntry, actor: str) -> str:
    target = joined(t for t in (entry.department_name, entry.assignee_name) if t)
    if entry.task_name:
        text = _("%(who)s 将 %(task)s 改派给 %(target)s", who=actor, task=entry.task_name, target=target)
    else:
        text = _("%(who)s 将案件改派给 %(target)s", who=actor, target=target)
    return text + (_("（理由：%(reason)s）", reason=entry.reason) if entry.reason else "")


def _escalated(entry: TimelineEntry, actor: str) -> str:
    task = entry.task_name or _("任务")
    if entry.actor_kind == "system":
        return _("%(task)s 超过时限未办，已上报街道督办", task=task)
    return _("%(who)s 就 %(task)s 上报街道督办：%(reason)s", who=actor, task=task, reason=entry.reason or "")


def _household_vote(entry: TimelineEntry, actor: str) -> str:
    vote = entry.vote or {}
    match entry.type:
        case "household_vote_opened":
            return _("%(who)s 发起户主表决：%(buildings)s 共 %(n)s 户，一户一票", who=actor,
                     buildings=joined(vote.get("buildings") or []), n=vote.get("households", "?"))
        case "household_vote_cast" if entry.repeats > 1:
            return _("%(n)s 户投票（在线或由网格员代投；各户选择不在此显示）", n=entry.repeats)
        case "household_vote_cast":
            return _("1 户投票（各户选择不在此显示）")
        case _:
            counts = _("同意 %(yes)s 户，反对 %(no)s 户，弃权 %(abstain)s 户，未投票 %(none)s 户", yes=vote.get("yes", 0),
                       no=vote.get("no", 0), abstain=vote.get("abstain", 0), none=vote.get("not_voted", 0))
            outcome = _("通过") if vote.get("passed") else _("未通过")
            return _("户主表决计票：%(counts)s，%(outcome)s", counts=counts, outcome=outcome)


def _day(value: str | None) -> str:
    """An ISO time from an event as the day people read (Beijing time): 2026-03-20."""
    if not value:
        return ""
    try:
        return format_datetime(datetime.fromisoformat(value), "yyyy-MM-dd HH:mm")
    except ValueError:
        return value


def _on_time(entry: TimelineEntry) -> str:
    if entry.on_time is None:
        return ""
    return _("（按时）") if entry.on_time else _("（超过时限）")


def _dispatch(entry: TimelineEntry, actor: str) -> str | None:
    """Sentences for the dispatch events (派单, 吹哨, 报到, 退单, 延期, 催办); None for other events.

    The system writes some of them beside a person's step (a department's report-in beside its
    签收): those name the department, not the system."""
    by = "" if entry.actor_kind == "system" else f"{actor} "
    department = entry.department_name or _("部门")
    reason = _("（理由：%(reason)s）", reason=entry.reason) if entry.reason else ""
    match entry.type:
        case "dispatched" if entry.mode == "whistle":
            return by + _("吹哨：%(lead)s 牵头，%(co)s 协办", lead=department,
                          co=joined(entry.co_department_names) or "—") + reason
        case "dispatched":
            return by + _("派单给 %(department)s", department=department) + reason
        case "reported_in":
            return _("%(department)s 已报到（签收）", department=department) + _on_time(entry)
        case "arrived_on_site":
            return _("%(department)s 已到场", department=department) + _on_time(entry)
        case "part_reported":
            return _("%(department)s（协办）反馈了办理情况", department=department) + _on_time(entry)
        case "dispatch_completed":
            return _("%(department)s 办结", department=department) + _on_time(entry)
        case "dispatch_returned":
            return _("%(department)s 退单", department=department) + reason
        case "triage_refused":
            return by + _("不予受理（理由向反映人公示）") + reason
        case "extension_requested":
            return _("%(department)s 申请延期至 %(due)s", department=department, due=_day(entry.due)) + reason
        case "extension_decided" if entry.approved:
            return by + _("同意 %(department)s 延期至 %(due)s", department=department, due=_day(entry.due))
        case "extension_decided":
            return by + _("不同意 %(department)s 延期", department=department) + reason
        case "deadline_moved":
            return _("%(task)s 的时限改为 %(due)s", task=entry.task_name or _("任务"), due=_day(entry.due))
        case "message_received":
            return by + _("吹哨：正在办理的部门重新召集")
        case "urged":
            return by + _("催办 %(department)s：%(message)s", department=department, message=entry.reason or "")
    return None


def _in_words(entry: TimelineEntry) -> TimelineEntry:
    """The entry's names from diagrams and the organisation in the page's language."""
    if not in_english():
        return entry
    return replace(entry, task_name=words(entry.task_name) if entry.task_name else entry.task_name,
                   summary=str(value_words(entry.summary)) if entry.summary else entry.summary,
                   department_name=org_words(entry.department_name) or None,
                   co_department_names=tuple(org_words(n) for n in entry.co_department_names))


def describe(entry: TimelineEntry) -> str:
    """What happened, in words, for the case page's timeline."""
    entry = _in_words(entry)
    actor = who(entry)
    if (sentence := _dispatch(entry, actor)) is not None:
        return sentence
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
        case "information_added":
            return _("%(who)s 补充了情况：%(text)s", who=actor, text=entry.text or "")
        case "personal_data_erased":
            return _("个人信息已按规定删除（%(reason)s）；案件记录仍可完整核验", reason=entry.reason or "")
        case "reporter_key_replaced":
            return _("%(who)s 为反映人补发了专用链接（旧链接作废）", who=actor)
        case "council_scheduled":
            return _("%(who)s 将本议题列入议事会议程", who=actor)
        case "timers_fired":
            return _("时限已到，系统自动处理")
        case "rows_recorded":
            return _("系统将本次办理结果记入事件链")
        case "task_data_set":
            return _("%(who)s 更新了流程数据", who=actor)
        case "spec_migrated":
            return _("%(who)s 将案件迁移到新版流程", who=actor)
        case "evidence_attached":
            return _("%(who)s 上传了证据文件（见“照片与文件”）", who=actor)
        case "evidence_linked":
            return _("%(who)s 提供了照片链接（存于对方系统，本系统未保存副本）", who=actor)
    # An event this page has no sentence for yet: its words from engine/labels.py, never its code.
    return _("%(who)s：%(event)s", who=actor, event=_(event_label(entry.type)))
