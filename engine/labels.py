"""How the engine's internal values read for people: the one place the wording rules live.

Pages never show a username, a BPMN element id, a process variable name, an event-type code, an
actor code (``resident:web``, ``casegrid init``) or a UTC ISO time (issue 21; the crawl in
tests/web/test_crawl_people_terms.py holds every page to it). Read models and pages turn them into
words here:

- a person is their display name; the system's own actors have fixed names (:func:`person`);
- an event type is a short phrase (:func:`event_label`);
- a process variable is the label of the form field that sets it, else a label below
  (:func:`variable_label`); a new diagram's variable without either keeps its name;
- a value is an option label, a department or grid name, a person, or — for an ISO time — a
  :class:`~datetime.datetime` the interface formats in local time (:func:`readable`).

Words are Chinese; the web's catalogues translate them like its own strings.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any

from engine.bpmn.forms import FormField
from engine.people.actor import REPORTER_PREFIX

#: Actors that are not accounts: the system itself, and the names it records for its own steps.
SYSTEM_ACTORS = {"system": "系统", "casegrid init": "系统初始化", "casegrid demo": "演示数据", "sweep": "系统定时检查"}
#: The change note of the diagrams and decision tables ``casegrid init`` loads (people read it on the version pages).
SEED_NOTE = "随系统安装的初始版本"
#: The web report form files reports as this actor; a reporter verified by key is ``reporter:<code>``;
#: before reporter keys, a resident who only held the tracking code was ``resident:<code>``.
WEB_REPORTER = "resident:web"

CODE_HOLDER_PREFIX = "resident:"

ACTOR_WORDS = {
    "system": "系统",
    "reporter": "反映人（凭专用链接核实）",
    "resident": "反映人",
    "code_holder": "持查询码者（未核实是否为反映人）",
}

EVENT_TYPES = {
    "case_opened": "立案", "task_completed": "办理任务", "tasks_completed": "一并办结任务", "timer_fired": "时限到期",
    "timers_fired": "时限到期", "reassigned": "改派", "escalated": "超时督办", "rating": "居民评价",
    "spec_migrated": "迁移到新版流程", "dispatched": "派单", "reported_in": "部门报到", "arrived_on_site": "到达现场",
    "dispatch_completed": "部门办结", "dispatch_returned": "退单", "part_reported": "协办部门报告",
    "triage_refused": "不予受理", "extension_requested": "延期申请", "extension_decided": "延期决定",
    "deadline_moved": "时限调整", "urged": "催办", "council_scheduled": "列入议事会议程",
    "household_vote_opened": "发起户主表决", "household_vote_cast": "户主投票", "household_vote_closed": "户主表决计票",
    "evidence_attached": "上传证据", "information_added": "反映人补充情况", "whistle": "吹哨召集",
    "claimed": "认领任务", "released": "退回任务", "reporter_key_replaced": "补发反映人专用链接",
    "personal_data_erased": "个人信息已按规定删除",
    "task_data_set": "更新流程数据", "agreement_drafted": "起草调解协议", "agreement_signature": "记录当事人签字",
    "agreement_confirmation": "当事人确认协议", "operator_disqualified": "取消运营资格",
    "field_need_linked": "由入户走访或恳谈会发现",
}

#: Process variables no form field sets (the diagram's scripts and the engine set them).
VARIABLES = {
    "title": "标题", "description": "问题描述", "category": "类别", "channel": "来源渠道", "address": "地址",
    "community": "社区", "grid": "网格", "priority": "紧急程度", "sla_class": "时限类别", "unit": "承办单位",
    "unit_role": "承办角色", "outcome": "办理结果", "source_case": "来源案件",
    "triage_limit": "分拨时限", "accept_limit": "签收时限", "onsite_limit": "到场时限", "complete_limit": "办结时限",
    "accept_due": "签收截止时间", "onsite_due": "到场截止时间", "complete_due": "办结截止时间",
    "part_due": "协办截止时间", "vote_closes_at": "表决截止时间",
    "dispatch_mode": "派单方式", "dispatch_round": "派单轮次", "dispatched_departments": "已派部门",
    "lead_department": "牵头部门", "summoned": "吹哨召集的部门", "suggested_department": "权责清单建议部门",
    "suggested_co_departments": "权责清单建议协办部门", "escalated_phase": "超时环节", "escalation_level": "督办层级",
    "reopen_count": "重新办理次数", "return_count": "退单次数", "rating_default": "默认评价（逾期未评）",
    "council_meeting": "议事会议", "major_threshold_num": "重大事项通过比例（分子）",
    "major_threshold_den": "重大事项通过比例（分母）", "major_vote_base": "重大事项计票基数", "vote_base": "计票基数",
    "votes_total": "投票总数", "vote_passed": "表决通过", "ballots": "选票",
    "household_count": "户数", "household_yes": "同意户数", "household_no": "反对户数",
    "household_abstain": "弃权户数", "household_not_voted": "未投票户数",
    "household_threshold_num": "户主表决通过比例（分子）", "household_threshold_den": "户主表决通过比例（分母）",
    "dispute_type": "纠纷类型", "party_count": "当事人人数", "conflict_count": "回避次数",
    "party_phone": "当事人电话", "party_address": "当事人地址", "party_name": "当事人姓名",
    "proposer_kind": "申报主体类型", "proposer_name": "申报单位", "operator": "运营单位", "requested_fen": "申请金额（分）",
    "failed_streak": "连续评估不合格次数", "evaluations_done": "已完成评估次数",
}

#: Variables and form fields that hold a username (the diagram's label says 账号; people read a name).
PERSON_FIELDS = {"mediator": "调解员", "new_mediator": "新调解员", "assignee": "办理人", "cast_by": "代投人"}
#: Variables that hold department codes (one or a list) though no form field declares them.
DEPARTMENT_VARIABLES = frozenset({"department", "lead_department", "summoned", "dispatched_departments",
                                  "suggested_department", "suggested_co_departments", "unit",
                                  "responsible_department", "new_department", "co_departments"})
#: Codes of values the diagrams set in scripts, in words.
VALUE_WORDS = {
    "priority": {"normal": "一般", "urgent": "紧急", "critical": "特急"},
    "outcome": {"resolved": "已解决", "rejected": "不予采纳", "merged": "重复件已合并", "refused": "不予受理",
                "closed_by_supervisor": "督办裁定结案", "completed": "已完成", "referred": "已转介", "withdrawn": "已撤回"},
    "dispatch_mode": {"dispatch": "直接派单", "direct": "直接派单", "whistle": "吹哨报到", "council": "议事会交办"},
    "sla_class": {"standard": "一般事项", "safety": "安全隐患", "urgent": "紧急事项", "critical": "特急事项"},
    "unit_role": {"lead": "牵头", "co": "协办", "sole": "承办"},
    "channel": {"grid_visit": "网格员入户走访", "hotline": "热线电话", "web": "网上反映", "open311": "Open311 接口",
                "council": "议事会提议", "resident_app": "居民随手拍", "hotline_order": "12345 热线工单"},
    "escalated_phase": {"triage": "分拨", "accept": "签收", "onsite": "到场", "complete": "办结", "rating": "评价",
                        "mediation": "调解"},
}

_ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")


def actor_kind(actor: str) -> str:
    """system; reporter (verified by the reporter key); resident (the web form filing a report);
    code_holder (someone who presented only the public tracking code); user (an account)."""
    if actor in SYSTEM_ACTORS:
        return "system"
    if actor.startswith(REPORTER_PREFIX):
        return "reporter"
    if actor == WEB_REPORTER:
        return "resident"
    return "code_holder" if actor.startswith(CODE_HOLDER_PREFIX) else "user"


def person(actor: str | None, display_name: str | None = None) -> str:
    """Who did something, as people call them: a display name, or the system's own words.

    An account that no longer exists keeps a neutral word rather than its username.
    """
    if not actor:
        return ""
    if actor in SYSTEM_ACTORS:
        return SYSTEM_ACTORS[actor]
    kind = actor_kind(actor)
    if kind != "user":
        return ACTOR_WORDS[kind]
    return display_name or "已删除的账号"


def event_label(event_type: str) -> str:
    return EVENT_TYPES.get(event_type, "其他事件")


def variable_label(name: str, fields: Mapping[str, FormField]) -> str:
    """The words for a process variable: its form field's label, else the table above, else its name."""
    if name in PERSON_FIELDS:
        return PERSON_FIELDS[name]
    if name in fields:
        return fields[name].label
    return VARIABLES.get(name, name)


def moment(value: Any) -> datetime | None:
    """An ISO time kept as text in process data, as an aware datetime (the interface shows it locally)."""
    if not isinstance(value, str) or not _ISO_TIME.match(value):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def readable(name: str, value: Any, fields: Mapping[str, FormField], departments: Mapping[str, str],
             grids: Mapping[str, str], people: Callable[[str], str | None]) -> Any:
    """``value`` of variable ``name`` as a person reads it: names for codes, a datetime for an ISO time.

    Lists are read item by item and joined with 、; numbers and booleans stay as they are for the
    interface to word (是 / 否).
    """
    if isinstance(value, list):
        return "、".join(str(readable(name, v, fields, departments, grids, people)) for v in value) or "—"
    if isinstance(value, (bool, int, float)) or value is None:
        return value
    if isinstance(value, dict):
        return "、".join(f"{variable_label(str(k), fields)}：{readable(str(k), v, fields, departments, grids, people)}"
                        for k, v in value.items())
    text = str(value)
    if (when := moment(text)) is not None:
        return when
    field = fields.get(name)
    if field is not None and field.type == "enum":
        return next((o.label for o in field.options if o.id == text), text)
    if name in PERSON_FIELDS:
        return people(text) or text
    if name in DEPARTMENT_VARIABLES or (field is not None and field.options_source == "departments"):
        return departments.get(text, text)
    if name == "grid" or (field is not None and field.options_source == "grids"):
        return grids.get(text, text)
    return VALUE_WORDS.get(name, {}).get(text, text)
