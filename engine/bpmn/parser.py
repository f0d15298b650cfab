"""Parse a BPMN document safely and check that casegrid can run it.

XML is read with DTDs and entities forbidden (no billion laughs, no external
entities, no network) and a size limit, then handed to SpiffWorkflow's Camunda
parser so that user-task forms come from ``camunda:formData``. Problems are
reported as ``<element id>: <message>`` strings.
"""
from __future__ import annotations

import ast
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from collections.abc import Mapping
from functools import cache
from typing import Any

import defusedxml.ElementTree as defused_et
from defusedxml import DefusedXmlException
from lxml import etree
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask
from SpiffWorkflow.camunda.parser.CamundaParser import CamundaParser
from SpiffWorkflow.camunda.specs.user_task import UserTask

from bpmn import seed_decision_files
from engine.bpmn.decision_task import pin_decisions
from engine.bpmn.dmn_split import split_decisions
from engine.bpmn.event_subprocesses import wire_triggered_subprocesses
from engine.bpmn.expressions import HELPERS, expression_problems, script_problems
from engine.bpmn.foreign import condition_hint, foreign_problems
from engine.bpmn.forms import FIELD_TYPES, FormSpec, file_field_problems, form_from_spec
from engine.bpmn.lanes import Lane, accepted_lane_names, node_lanes
from engine.bpmn.limits import MAX_DIAGRAM_EXPRESSION_CHARS, MAX_INSTANCES
from engine.bpmn.multi_instance import make_linear, settle_run_time_wiring
from engine.bpmn.text import diagram_text
from engine.bpmn.spiff_messages import spiff_problem
from engine.bpmn.start_form import start_event_of, start_form_of
from engine.bpmn.timers import make_bounded, timer_definitions, timer_value_problem
from engine.errors import SpecError
from engine.people.roles import Role, role_for_lane

#: Largest diagram accepted, in bytes.
MAX_BPMN_BYTES = 2 * 1024 * 1024
#: Deepest nesting of sub-processes (parsing one costs in proportion to the depth above it).
MAX_SUBPROCESS_DEPTH = 10
#: Deepest nesting of XML elements (lxml's own limit without its "huge" option, said in our words).
MAX_XML_DEPTH = 256

_NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL"}
_CAMUNDA = "http://camunda.org/schema/1.0/bpmn"

#: Elements that may stand directly in a process (or sub-process) and that casegrid can run or safely ignore.
_RUNNABLE = frozenset(k.split("}")[1] for k in CamundaParser.PARSER_CLASSES) | {"businessRuleTask"}
_HARMLESS = frozenset({
    "laneSet", "sequenceFlow", "documentation", "extensionElements", "textAnnotation", "association",
    "dataObject", "dataObjectReference", "dataStoreReference", "ioSpecification", "property", "group",
    "incoming", "outgoing",
    # A sub-process's own loop (one instance per department, say): read by the parser, not a flow element.
    "multiInstanceLoopCharacteristics",
})
#: Elements SpiffWorkflow parses but casegrid cannot execute, with the reason shown to the modeller.
_NOT_EXECUTABLE = {
    "task": "未指定类型的任务（bpmn:task）没有人能办理，请改为用户任务（放在角色泳道中）或脚本任务",
    "manualTask": "手工任务（manualTask）没有人能办理，请改为用户任务（放在角色泳道中）",
    "serviceTask": "服务任务（serviceTask）不能在 casegrid 中执行（不调用外部系统），请改为用户任务或脚本任务",
    "sendTask": "发送任务（sendTask）不能在 casegrid 中执行，请改为用户任务或脚本任务",
    "receiveTask": "接收任务（receiveTask）不能在 casegrid 中执行，请改为用户任务",
    "complexGateway": "复杂网关（complexGateway）不受支持，请改用排他网关或包容网关",
    "transaction": "事务子流程（transaction）不受支持",
    "adHocSubProcess": "自由子流程（adHocSubProcess）不受支持",
}
_TASKS = frozenset({"task", "userTask", "manualTask", "scriptTask", "serviceTask", "sendTask", "receiveTask",
                    "businessRuleTask", "callActivity"})
_ISO_LOOKING = re.compile(r"^(R\d*/)?(P[0-9TYMWDHS.,]*|\d{4}-\d{2}-\d{2}[0-9T:+\-.Z]*)(/.*)?$")
#: Helpers that give a point in time: right for a timeDate, wrong for a timeDuration.
_DEADLINE_HELPERS = frozenset({"workdays", "calendar_days", "end_of_day", "later", "due_in"})


@dataclass(frozen=True)
class HumanTask:
    """What the engine needs to know about a user task without touching SpiffWorkflow."""

    bpmn_id: str
    name: str
    lane: str | None
    role: Role
    form: FormSpec
    #: An instance of a multi-instance task (one per household, say): many ready at once.
    multi_instance: bool = False
    #: The name staff read when the interface is English: the task's ``name_en`` extension property.
    name_en: str | None = None

    @property
    def in_inbox(self) -> bool:
        """Whether a ready task becomes a work item. A residents' multi-instance task (one ballot per
        household) is persisted by the domain that owns it, one row per instance, not in anyone's inbox."""
        return not (self.multi_instance and self.role is Role.RESIDENT)


@dataclass
class ParsedProcess:
    key: str
    name: str
    spec: Any
    subprocess_specs: dict[str, Any]
    human_tasks: dict[str, HumanTask] = field(default_factory=dict)
    #: Decisions (DMN decision ids) its business rule tasks evaluate; a case pins a version of their table.
    decision_refs: frozenset[str] = frozenset()
    #: What whoever starts a case fills in: the form fields of the start event (empty if it has none).
    start_form: FormSpec = field(default_factory=lambda: FormSpec(key=None))
    #: The role of the lane the start event is drawn in (None: any staff role may start a case).
    start_role: Role | None = None
    #: Names of the messages the process waits for somewhere (catch events): what may be delivered to a case.
    message_names: frozenset[str] = frozenset()


def read_xml(data: bytes | str) -> etree._Element:
    """Parse XML with DTDs, entities and network access refused.

    Bytes in any encoding and text are read the same way: as the text :func:`diagram_text` gives, which
    is also what publishing stores, so a diagram that validates is the diagram that is published.
    """
    if not isinstance(data, str) and len(data) > MAX_BPMN_BYTES:
        raise SpecError(f"文件过大（{len(data)} 字节，上限 {MAX_BPMN_BYTES} 字节）")
    raw = diagram_text(data).encode("utf-8")
    if len(raw) > MAX_BPMN_BYTES:
        raise SpecError(f"文件过大（{len(raw)} 字节，上限 {MAX_BPMN_BYTES} 字节）")
    try:
        defused_et.fromstring(raw, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise SpecError(f"XML 含有 DTD 或实体声明，已拒绝（{type(exc).__name__}）") from None
    except defused_et.ParseError as exc:
        raise SpecError(f"XML 格式错误：{_expat_words(str(exc))}") from None
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=False, remove_comments=True)
    try:
        return etree.fromstring(raw, parser)
    except etree.XMLSyntaxError as exc:
        if "Excessive depth" in str(exc):  # lxml's message names an option of its own, not the rule
            raise SpecError(f"XML 嵌套超过 {MAX_XML_DEPTH} 层（第 {exc.lineno} 行）") from None
        raise SpecError(f"XML 格式错误：{exc.msg}") from None


#: The XML parser's complaints (expat's English) in the supervisor's words.
_EXPAT = (("no element found", "文件是空的或在结尾处被截断"), ("mismatched tag", "开始标签和结束标签不配对"),
          ("syntax error", "这不是 XML 文件"), ("not well-formed (invalid token)", "含有 XML 不允许的字符"),
          ("unclosed token", "有未闭合的标签"), ("junk after document element", "根元素之后还有多余的内容"),
          ("unbound prefix", "使用了未声明的命名空间前缀"), ("duplicate attribute", "同一元素上有重复的属性"),
          ("undefined entity", "使用了未定义的实体"), ("encoding", "文件编码无法识别"))


def _expat_words(text: str) -> str:
    """``mismatched tag: line 42, column 4`` → ``开始标签和结束标签不配对（第 42 行第 4 列）``."""
    where = re.search(r"line (\d+), column (\d+)", text)
    place = f"（第 {where.group(1)} 行第 {where.group(2)} 列）" if where else ""
    for english, chinese in _EXPAT:
        if english in text:
            return chinese + place
    return f"无法读取{place}（{text}）"


#: Elements whose text is an expression or a script.
_EXPRESSION_TAGS = tuple(f"{{{_NS['bpmn']}}}{tag}" for tag in (
    "script", "conditionExpression", "timeDate", "timeDuration", "timeCycle", "loopCardinality",
    "completionCondition"))


def _size_problems(root: etree._Element) -> list[str]:
    """What would make checking the diagram itself expensive, counted before anything is parsed."""
    problems = []
    chars = sum(len(el.text or "") for el in root.iter(*_EXPRESSION_TAGS))
    if chars > MAX_DIAGRAM_EXPRESSION_CHARS:
        problems.append(f"{root.get('id') or 'definitions'}: 表达式和脚本共 {chars} 个字符，"
                        f"超过 {MAX_DIAGRAM_EXPRESSION_CHARS} 个字符")
    for sub in root.iter(f"{{{_NS['bpmn']}}}subProcess"):
        depth = sum(1 for ancestor in sub.iterancestors(f"{{{_NS['bpmn']}}}subProcess")) + 1
        if depth > MAX_SUBPROCESS_DEPTH:
            problems.append(f"{sub.get('id')}: 子流程嵌套超过 {MAX_SUBPROCESS_DEPTH} 层（第 {sub.sourceline} 行）")
            break
    return problems


def _xml_problems(root: etree._Element) -> list[str]:
    """Structural mistakes SpiffWorkflow silently tolerates."""
    problems: list[str] = []
    ids: set[str] = set()
    for el in root.iter():
        if (element_id := el.get("id")) is None or etree.QName(el).namespace != _NS["bpmn"]:
            continue
        if element_id in ids:
            problems.append(f"{element_id}: id 重复（第 {el.sourceline} 行）")
        ids.add(element_id)
    for el in root.iter():
        # SpiffWorkflow indexes every id attribute, form options included: a clash hides the element.
        if etree.QName(el).namespace != _NS["bpmn"] and el.get("id") in ids:
            problems.append(f"{el.get('id')}: 与第 {el.sourceline} 行的 {etree.QName(el).localname} 的 id 相同，"
                            "请改名其中一个（流程元素 id 不能与表单选项或字段 id 相同）")
    for flow in root.iterfind(".//bpmn:sequenceFlow", _NS):
        for end in ("sourceRef", "targetRef"):
            if flow.get(end) not in ids:
                problems.append(f"{flow.get('id')}: 连线指向不存在的元素 {flow.get(end)}（第 {flow.sourceline} 行）")
    for event in root.iterfind(".//bpmn:boundaryEvent", _NS):
        if event.get("attachedToRef") not in ids:
            problems.append(f"{event.get('id')}: 边界事件附着的任务 {event.get('attachedToRef')} 不存在（第 {event.sourceline} 行）")
    for process in root.iterfind(".//bpmn:process", _NS):
        if _executable(process) and process.find("bpmn:startEvent", _NS) is None:
            problems.append(f"{process.get('id')}: 流程没有开始事件（第 {process.sourceline} 行）")
    return problems + _element_problems(root, ids)


def _executable(process: etree._Element) -> bool:
    # SpiffWorkflow's own reading: a process without the attribute is executable.
    return process.get("isExecutable", "true") == "true"


def _document_problems(root: etree._Element) -> list[str]:
    """Is this a BPMN 2.0 document with something casegrid could run at all?"""
    qname = etree.QName(root)
    if qname.namespace != _NS["bpmn"] or qname.localname != "definitions":
        return [f"{root.get('id') or qname.localname}: 不是 BPMN 2.0 流程图（根元素是 {qname.localname}，"
                f"命名空间 {qname.namespace or '无'}）"]
    processes = root.findall("bpmn:process", _NS)
    if not processes:
        where = root.get("id") or "definitions"
        return [f"{where}: 文档中没有流程（bpmn:process），可能只有协作图或选择了错误的文件"]
    if not any(_executable(p) for p in processes):
        return [f"{p.get('id')}: 流程未标记为可执行（isExecutable=\"false\"，第 {p.sourceline} 行）："
                "在建模器中勾选“可执行”（Executable）后再发布" for p in processes]
    return []


def _element_problems(root: etree._Element, ids: set[str]) -> list[str]:
    """Elements casegrid cannot run, and references SpiffWorkflow would crash on or silently ignore."""
    problems: list[str] = []
    containers = [*root.iterfind(".//bpmn:process", _NS), *root.iterfind(".//bpmn:subProcess", _NS)]
    for container in containers:
        # Counted once per container: a scan per task is quadratic, minutes for a large hostile diagram.
        outgoing = Counter(f.get("sourceRef") for f in container.iterfind("bpmn:sequenceFlow", _NS))
        for el in container:
            if not isinstance(el.tag, str):
                continue
            qname = etree.QName(el)
            where = el.get("id") or container.get("id")
            line = f"（第 {el.sourceline} 行）"
            if qname.namespace != _NS["bpmn"]:
                problems.append(f"{where}: 未知元素 {qname.localname}（命名空间 {qname.namespace}）{line}："
                                "扩展内容只能放在 extensionElements 中")
            elif qname.localname in _NOT_EXECUTABLE:
                problems.append(f"{where}: {_NOT_EXECUTABLE[qname.localname]}{line}")
            elif qname.localname not in _RUNNABLE | _HARMLESS:
                problems.append(f"{where}: 未知或不支持的 BPMN 元素 bpmn:{qname.localname}{line}")
            elif qname.localname in _TASKS:
                if outgoing[el.get("id")] > 1:
                    problems.append(f"{where}: 任务有 {outgoing[el.get('id')]} 条出线{line}：请在任务后加一个网关，"
                                    "由网关按条件分支")
            if qname.localname == "callActivity" and not (el.get("calledElement") or "").strip():
                problems.append(f"{where}: 调用活动没有指定要调用的流程（calledElement）{line}：在属性面板中填写本图中"
                                "另一个流程的 id，或把它改为子流程（把步骤画在里面）")
            elif qname.localname == "callActivity" and el.get("calledElement") not in ids:
                problems.append(f"{where}: 调用活动引用的流程 {el.get('calledElement')} 不在本图中{line}：casegrid 只能"
                                "调用同一个文件里的流程，请把被调用的流程画进本图（另一个池）或改为子流程")
    problems += _flow_and_task_problems(root)
    problems += _call_cycle_problems(root)
    problems += foreign_problems(root)
    messages = {m.get("id") for m in root.iterfind(".//bpmn:message", _NS)}
    for definition in root.iterfind(".//bpmn:messageEventDefinition", _NS):
        ref = definition.get("messageRef")
        if ref is not None and ref not in messages:
            owner = definition.getparent()
            problems.append(f"{owner.get('id')}: 消息事件引用的消息 {ref} 不存在（第 {definition.sourceline} 行）")
    return problems


def _call_cycle_problems(root: etree._Element) -> list[str]:
    """A process that calls itself, directly or through others, would recurse forever: refuse the cycle."""
    calls = {p.get("id"): [(c.get("id"), c.get("calledElement")) for c in p.iterfind(".//bpmn:callActivity", _NS)]
             for p in root.iterfind("bpmn:process", _NS)}
    problems: list[str] = []
    for start in calls:
        # Depth-first over the call graph from ``start``; a path back to ``start`` is a cycle through it.
        stack = [(start, [start], None)]
        seen: set[str] = set()
        while stack:
            process, path, first = stack.pop()
            for activity, called in calls.get(process, []):
                via = first or activity
                if called == start:
                    problems.append(f"{via}: 调用活动形成循环调用（{' → '.join([*path, start])}），"
                                    "流程会无限递归：请改用循环连线或去掉其中一个调用")
                elif called in calls and called not in seen:
                    seen.add(called)
                    stack.append((called, [*path, called], via))
    return list(dict.fromkeys(problems))


def _flow_and_task_problems(root: etree._Element) -> list[str]:
    """Conditions on the flows that carry them; scripts that are missing; Camunda assignment habits."""
    problems: list[str] = []
    for flow in root.iterfind(".//bpmn:sequenceFlow", _NS):
        condition = flow.find("bpmn:conditionExpression", _NS)
        if condition is not None:
            text = "".join(condition.itertext()).strip()
            # Named after the gateway that decides (where a modeller looks), the flow said in the message.
            where = flow.get("sourceRef") or flow.get("id")
            problems += [f"{where}: 连线 {flow.get('id')} 的条件：{p}（第 {condition.sourceline} 行）"
                         for p in _condition_problems(text, condition.get("language"))]
    for task in root.iterfind(".//bpmn:scriptTask", _NS):
        if not "".join(task.findtext("bpmn:script", default="", namespaces=_NS)).strip():
            problems.append(f"{task.get('id')}: 脚本任务没有脚本（bpmn:script）；Camunda 8 的 zeebe:script 不受支持"
                            f"（第 {task.sourceline} 行）")
    in_lanes = {(ref.text or "").strip() for ref in root.iterfind(".//bpmn:lane/bpmn:flowNodeRef", _NS)}
    for task in root.iterfind(".//bpmn:userTask", _NS):
        habits = [a for a in ("assignee", "candidateGroups", "candidateUsers") if task.get(f"{{{_CAMUNDA}}}{a}")]
        if habits and task.get("id") not in in_lanes:
            problems.append(f"{task.get('id')}: camunda:{'/'.join(habits)} 不被 casegrid 使用：办理人由任务所在的"
                            f"泳道决定，请把任务放进以角色命名的泳道（第 {task.sourceline} 行）")
    return problems


def _condition_problems(condition: str, language: str | None = None) -> list[str]:
    if not condition.strip():
        return ["条件是空的：一条空条件的连线永远不会被选中。请填写条件（例如 decision == 'adopt'），"
                "或删除条件并在网关上把它设为默认连线"]
    hint = condition_hint(condition, language)
    if hint is not None:
        return [hint]
    return expression_problems(condition)


def _timer_problems(definition: TimerEventDefinition) -> list[str]:
    """A timer must be an ISO 8601 value in quotes, a helper call, or a process variable."""
    expression = (definition.expression or "").strip()
    kind = ("时长（timeDuration）" if isinstance(definition, DurationTimerEventDefinition)
            else "周期（timeCycle）" if isinstance(definition, CycleTimerEventDefinition) else "日期（timeDate）")
    if not expression:
        return [f"定时器没有设置{kind}"]
    if _ISO_LOOKING.match(expression):
        return [f"定时器{kind} {expression} 要写成带引号的字符串，例如 \"{expression}\"（定时器的值是 Python 表达式）"]
    problems = expression_problems(expression)
    if problems and "语法错误" in problems[0]:  # plain words ("3 days", "next friday"): say what a timer takes
        return [f"定时器{kind} {expression} 既不是 ISO 8601 值也不是表达式（{problems[0]}）：请写成 \"PT72H\"、"
                "\"P3D\"、\"2026-03-02T17:00:00+08:00\" 这样的 ISO 8601 值，或 workdays(3) 之类的函数"]
    if problems:
        return [f"定时器 {p}" for p in problems]
    node = ast.parse(expression, mode="eval").body
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return _timer_literal_problems(definition, node.value.strip(), kind)
    if isinstance(node, ast.Constant):
        return [f"定时器{kind} {expression} 不是 ISO 8601 值：请写成字符串（如 \"PT72H\"）或调用 workdays(n) 等函数"]
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in HELPERS:
        if node.func.id in _DEADLINE_HELPERS and not isinstance(definition, (DurationTimerEventDefinition,
                                                                              CycleTimerEventDefinition)):
            return []
        if node.func.id in _DEADLINE_HELPERS:
            return [f"定时器{kind}：{node.func.id}() 给出的是截止时间而不是时长，请把定时器类型改为日期（timeDate）"]
        return [f"定时器{kind}：{node.func.id}() 不能给出定时器的时间"]
    return []


def _timer_literal_problems(definition: TimerEventDefinition, value: str, kind: str) -> list[str]:
    if not isinstance(definition, (DurationTimerEventDefinition, CycleTimerEventDefinition)) \
            and value.upper().startswith("P"):
        return [f"定时器{kind} \"{value}\" 是时长，不是日期：请把定时器类型改为时长（timeDuration）"]
    problem = timer_value_problem(definition, value)
    return [f"定时器{kind} {problem}"] if problem else []


def _multi_instance_problems(task_spec: MultiInstanceTask) -> list[str]:
    """The loop's expressions, under the rules of every expression; a literal count within the maximum."""
    problems = []
    for what, expression in (("实例数（loopCardinality）", task_spec.cardinality),
                             ("完成条件（completionCondition）", task_spec.condition)):
        if expression:
            problems += [f"{what}：{p}" for p in expression_problems(str(expression))]
    literal = str(task_spec.cardinality or "").strip()
    if literal.isdigit() and int(literal) > MAX_INSTANCES:
        problems.append(f"实例数（loopCardinality）{literal} 超过上限 {MAX_INSTANCES}")
    return problems


def _english_names(root: etree._Element) -> dict[str, str]:
    """Element id → its ``name_en`` extension property (``camunda:properties``, edited in the properties panel)."""
    found = {}
    for prop in root.iterfind(f".//bpmn:extensionElements/{{{_CAMUNDA}}}properties/{{{_CAMUNDA}}}property", _NS):
        element = prop.getparent().getparent().getparent()
        if prop.get("name") == "name_en" and (value := (prop.get("value") or "").strip()) and element.get("id"):
            found[element.get("id")] = value
    return found


def _spec_problems(spec: Any, lanes: dict[str, Lane], by_name: dict[str, Role | None]
                   ) -> tuple[list[str], dict[str, HumanTask]]:
    """``lanes`` is the lane each element is drawn in (``flowNodeRef``): SpiffWorkflow gives every task of a
    sub-process the sub-process's lane, while a per-department sub-process holds the supervisor's task too."""
    problems: list[str] = []
    human: dict[str, HumanTask] = {}
    instance_specs = make_linear(spec)
    settle_run_time_wiring(spec)  # after make_linear: the connection is to the method of the final class
    make_bounded(spec)
    for ts in spec.task_specs.values():
        bpmn_id = getattr(ts, "bpmn_id", None)
        if bpmn_id is None:
            continue
        # Conditions are checked on the flows that carry them (_element_problems), with their own ids.
        if script := getattr(ts, "script", None):
            problems += [f"{bpmn_id}: {p}" for p in script_problems(script)]
        for definition in timer_definitions(ts):  # an event-based gateway holds its catch events' timers
            problems += [f"{bpmn_id}: {p}" for p in _timer_problems(definition)]
        if isinstance(ts, MultiInstanceTask):
            problems += [f"{bpmn_id}: {p}" for p in _multi_instance_problems(ts)]
        if isinstance(ts, UserTask):
            placed = lanes.get(bpmn_id)
            lane = placed.name if placed is not None else ts.lane
            role = placed.role if placed is not None else by_name.get(ts.lane or "", role_for_lane(ts.lane))
            if lane is None:
                problems.append(f"{bpmn_id}: 用户任务不在任何泳道中，无法确定由哪个角色办理：请把它放进以角色命名的"
                                f"泳道（可用：{accepted_lane_names()}）")
            elif role is None:
                problems.append(f"{bpmn_id}: 泳道“{lane}”不是 casegrid 的角色：请把泳道改名为其中之一（{accepted_lane_names()}），"
                                "或在导入对话框、属性面板的“泳道角色”中为它选择角色")
            form = form_from_spec(ts)
            for f in form.fields:
                if f.type not in FIELD_TYPES:
                    problems.append(f"{bpmn_id}: 表单字段 {f.id} 的类型 {f.type} 不受支持（可用：{', '.join(FIELD_TYPES)}）")
                elif f.is_file:
                    problems += [f"{bpmn_id}: {p}" for p in file_field_problems(f)]
            if role is not None:
                human[bpmn_id] = HumanTask(bpmn_id, ts.bpmn_name or bpmn_id, lane, role, form,
                                           multi_instance=ts.name in instance_specs)
    return problems, human


def parse_process(data: bytes | str, key: str | None = None, *,
                  decisions: Mapping[str, etree._Element] | None = None,
                  published: bool = False) -> ParsedProcess:
    """Parse and check one BPMN document; raise :class:`SpecError` listing every problem.

    Each problem reads ``<element id>: <message>``, with the line where the element
    is written when it is known. Whatever the document, the only error raised is
    :class:`SpecError`: diagrams from other modellers get a message, not a crash.

    ``decisions`` are the decision tables a business rule task may name, by decision id (one-decision
    DMN documents, as :func:`engine.bpmn.dmn_split.split_decisions` gives them): the published ones,
    when a supervisor validates or publishes. The seed tables are always among them. A name that is in
    none is refused, unless the diagram is ``published`` already (read again for a case, a replay or an
    audit bundle): its tables were checked when it was published and each case evaluates the version it
    is pinned to, so a name not given here gets a placeholder that refuses to be evaluated on its own.
    """
    root = read_xml(data)
    problems = _document_problems(root) or _size_problems(root)
    if problems:
        raise SpecError("流程图无法发布", problems)
    structural = _xml_problems(root)
    try:
        process = _parse_checked(root, key, _decision_tables(root, decisions, published))
    except _Unparseable as exc:
        # Structural mistakes explain most parser failures: show them; else what the parser said.
        raise SpecError("流程图无法解析", structural or exc.problems) from None
    except SpecError as exc:
        raise SpecError("流程图无法发布", structural + exc.problems) from None
    if structural:
        raise SpecError("流程图无法发布", structural)
    return process


class _Unparseable(SpecError):
    """SpiffWorkflow could not read the document at all."""


def _parse_checked(root: etree._Element, key: str | None, tables: _Tables) -> ParsedProcess:
    """SpiffWorkflow's parse of a document that passed the document checks, then casegrid's own rules."""
    try:
        parser = spiff_parser(tables.nodes)
        parser.add_bpmn_xml(root, filename=f"{key or 'diagram'}.bpmn")
        ids = parser.get_process_ids()
        if not ids:
            where = root.get("id") or "definitions"
            raise SpecError("流程图无法发布", [f"{where}: 流程图中没有可执行的流程（isExecutable）"])
        key = key or ids[0]
        if key not in ids:
            raise SpecError("流程图无法发布", [f"{key}: 流程图中没有流程 {key}（有：{', '.join(ids)}）"])
        spec = parser.get_spec(key)
        subprocess_specs = parser.get_subprocess_specs(key)
        wire_triggered_subprocesses([spec, *subprocess_specs.values()])
        lanes = node_lanes(root)
        by_name = {lane.name: lane.role for lane in lanes.values()}
        problems, human = _spec_problems(spec, lanes, by_name)
        start_form, start_problems = start_form_of(root, key)
        problems += start_problems
        start = start_event_of(root, key)
        start_lane = lanes.get(start.get("id") or "") if start is not None else None
        refs = {el.get("id"): el.get(f"{{{_CAMUNDA}}}decisionRef", "")
                for el in root.iterfind(".//bpmn:businessRuleTask", _NS)}
        decisions = pin_decisions(spec, refs, tables.placeholders)
        for sub in subprocess_specs.values():
            decisions |= pin_decisions(sub, refs, tables.placeholders)
            sub_problems, sub_human = _spec_problems(sub, lanes, by_name)
            problems += sub_problems
            human.update(sub_human)
        english = _english_names(root)
        human = {i: replace(t, name_en=english.get(i)) if i in english else t for i, t in human.items()}
    except SpecError:
        raise
    except Exception as exc:  # SpiffWorkflow trips over documents it does not expect: say so in Chinese, never crash
        raise _Unparseable("流程图无法解析", _with_lines([spiff_problem(exc)], root)) from None
    if problems:
        raise SpecError("流程图无法发布", _with_lines(problems, root))
    messages = frozenset(str(d.get("messageRef") and _message_name(root, d.get("messageRef")) or "")
                         for d in root.iterfind(".//bpmn:messageEventDefinition", _NS)
                         if etree.QName(d.getparent()).localname in ("intermediateCatchEvent", "boundaryEvent",
                                                                      "startEvent")) - {""}
    return ParsedProcess(key=key, name=spec.description or key, spec=spec,
                         subprocess_specs=subprocess_specs, human_tasks=human, decision_refs=frozenset(decisions),
                         start_form=start_form, start_role=start_lane.role if start_lane else None,
                         message_names=messages)


def _message_name(root: etree._Element, ref: str) -> str:
    for message in root.iterfind(".//bpmn:message", _NS):
        if message.get("id") == ref:
            return message.get("name") or ref
    return ref


def spiff_parser(decisions: Mapping[str, etree._Element] | None = None) -> CamundaParser:
    """SpiffWorkflow's Camunda parser with decision tables loaded (business rule tasks refer to them):
    ``decisions`` by decision id, the seed tables when none are given."""
    parser = CamundaParser()
    for decision_id, node in (seed_decisions() if decisions is None else decisions).items():
        parser.add_dmn_xml(node, filename=f"{decision_id}.dmn")
    return parser


@dataclass(frozen=True)
class _Tables:
    """The decision tables a diagram is parsed against, and which of them only stand in for a pinned one."""

    nodes: dict[str, etree._Element]
    placeholders: frozenset[str] = frozenset()


def _decision_tables(root: etree._Element, given: Mapping[str, etree._Element] | None,
                     published: bool) -> _Tables:
    """The tables for the business rule tasks of ``root``; :class:`SpecError` naming each task whose
    decision is not published (SpiffWorkflow would refuse it in English, or crash on a missing ref)."""
    nodes = {**seed_decisions(), **(given or {})}
    problems, placeholders = [], set()
    for task in root.iterfind(".//bpmn:businessRuleTask", _NS):
        ref = (task.get(f"{{{_CAMUNDA}}}decisionRef") or "").strip()
        available = "、".join(sorted(nodes)) or "无"
        if not ref:
            problems.append(f"{task.get('id')}: 业务规则任务没有指定要执行的决策（decisionRef）：请在属性面板中"
                            f"填写一个已发布决策表中的决策 id（可用：{available}）")
        elif ref not in nodes and published:
            nodes[ref] = _placeholder_table(ref)
            placeholders.add(ref)
        elif ref not in nodes:
            problems.append(f"{task.get('id')}: 决策 {ref} 没有已发布的决策表：请先在「决策表」中发布含有决策 "
                            f"{ref} 的决策表，或改用已发布的决策（可用：{available}）")
    if problems:
        raise SpecError("流程图无法发布", problems)
    return _Tables(nodes, frozenset(placeholders))


def _placeholder_table(decision_id: str) -> etree._Element:
    """A decision table with no rules, named ``decision_id``: SpiffWorkflow binds a business rule task to a
    table at parse time; casegrid evaluates the case's pinned version instead (engine.bpmn.decision_task)."""
    dmn = "https://www.omg.org/spec/DMN/20191111/MODEL/"
    root = etree.Element(f"{{{dmn}}}definitions", nsmap={None: dmn}, id="casegrid_pinned", name="casegrid_pinned",
                         namespace="https://casegrid/pinned")
    decision = etree.SubElement(root, f"{{{dmn}}}decision", id=decision_id, name=decision_id)
    table = etree.SubElement(decision, f"{{{dmn}}}decisionTable", id=f"{decision_id}_table")
    etree.SubElement(table, f"{{{dmn}}}output", id=f"{decision_id}_output", name="result", typeRef="string")
    return root


@cache
def seed_decisions() -> dict[str, etree._Element]:
    """The decisions of the seed DMN files (``bpmn/*.dmn``), one document each, by decision id.

    A diagram's business rule tasks are parsed against these; at run time each case evaluates the
    version of the table it is pinned to (:mod:`engine.bpmn.decision_task`).
    """
    nodes: dict[str, etree._Element] = {}
    for path in seed_decision_files():
        nodes.update(split_decisions(read_xml(path.read_bytes())))
    return nodes


def _with_lines(problems: list[str], root: etree._Element) -> list[str]:
    """Add the line of the named element to each problem that does not say it yet."""
    lines = {el.get("id"): el.sourceline for el in root.iter() if isinstance(el.tag, str) and el.get("id")}
    shown = []
    for problem in problems:
        element_id, _, _ = problem.partition(": ")
        line = lines.get(element_id)
        shown.append(problem if line is None or "行）" in problem else f"{problem}（第 {line} 行）")
    return shown
