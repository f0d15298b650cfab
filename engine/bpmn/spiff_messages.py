"""SpiffWorkflow's parser errors in the supervisor's words.

SpiffWorkflow explains in English and names its own classes; a supervisor reads Chinese and draws
elements. The errors it raises on diagrams it does not expect are matched here and said again with
what to change; one not known yet is still said in Chinese, with the original kept for support.
"""
from __future__ import annotations

import re

#: (pattern of SpiffWorkflow's message, Chinese message with {0}… for the groups).
_KNOWN: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p, re.IGNORECASE | re.DOTALL), m) for p, m in (
    (r'No DMN Diagram available with id "?([^",]*)"?',
     "决策 {0} 没有已发布的决策表：请先在「决策表」中发布含有这个决策的决策表，或改用已发布的决策"),
    (r"No start event found", "流程没有开始事件：请画一个开始事件并连到第一个步骤"),
    (r"Multiple outgoing flows are not supported for tasks of type (\w+)",
     "任务有多条出线：请在任务后加一个网关，由网关按条件分支"),
    (r"The process '?([\w\-.]+)'? was not found|No such process ([\w\-.]+)|Could not find process ([\w\-.]+)",
     "找不到被调用的流程 {0}：请把它画进本图或改为子流程"),
    (r"Missing '?calledElement'?|no calledElement",
     "调用活动没有指定要调用的流程（calledElement）：请填写本图中另一个流程的 id，或改为子流程"),
    (r"Unknown message|messageRef",
     "消息事件引用的消息不存在：请在属性面板中为它选择或新建一个消息"),
    (r"Intermediate Catch Event has no event definition|has no event definition",
     "中间事件没有类型：请在属性面板中把它设为定时器或消息事件，或删除它"),
    (r"Invalid (ISO|timer)|iso8601",
     "定时器的值不是有效的 ISO 8601 值：例如 P3D（3 天）、PT4H（4 小时）或 2026-03-02T17:00:00+08:00"),
    (r"Cycle detected|infinite", "流程中有无法结束的循环：请检查连线"),
    (r"Gateway ([\w\-.]+) has no outgoing|no outgoing", "网关没有出线：请把它连到下一个步骤"),
    (r"duplicate", "元素 id 重复：请把其中一个改名"),
    (r"The XML.*not valid|schema", "流程图不符合 BPMN 2.0 规范：请在建模器中重新保存后再导入"),
    (r"Unsupported|not supported", "流程图中有 casegrid 不支持的元素：请把它改为用户任务、脚本任务、网关或定时器"),
))


def spiff_problem(exc: BaseException) -> str:
    """``<element id>: <Chinese message>`` for an error SpiffWorkflow raised while parsing."""
    where = getattr(exc, "id", None) or getattr(getattr(exc, "task_spec", None), "bpmn_id", None) or "diagram"
    text = str(getattr(exc, "msg", None) or exc)
    for pattern, message in _KNOWN:
        match = pattern.search(text)
        if match:
            groups = [g for g in match.groups() if g] or [""]
            return f"{where}: {message.format(*groups)}"
    return (f"{where}: 流程图的这一部分 casegrid 无法读取（SpiffWorkflow 报告 {type(exc).__name__}）："
            f"请检查这个元素的类型和连线，或把它删除后重画；原文：{text[:300]}")
