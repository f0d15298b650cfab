"""Parse a BPMN document safely and check that casegrid can run it.

XML is read with DTDs and entities forbidden (no billion laughs, no external
entities, no network) and a size limit, then handed to SpiffWorkflow's Camunda
parser so that user-task forms come from ``camunda:formData``. Problems are
reported as ``<element id>: <message>`` strings.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import defusedxml.ElementTree as defused_et
from defusedxml import DefusedXmlException
from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.camunda.parser.CamundaParser import CamundaParser
from SpiffWorkflow.camunda.specs.user_task import UserTask
from SpiffWorkflow.exceptions import SpiffWorkflowException

from engine.bpmn.expressions import expression_problems, script_problems
from engine.bpmn.forms import FIELD_TYPES, FormSpec, form_from_spec
from engine.errors import SpecError
from engine.people.roles import Role, role_for_lane

#: Largest diagram accepted, in bytes.
MAX_BPMN_BYTES = 2 * 1024 * 1024

_NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL"}


@dataclass(frozen=True)
class HumanTask:
    """What the engine needs to know about a user task without touching SpiffWorkflow."""

    bpmn_id: str
    name: str
    lane: str | None
    role: Role
    form: FormSpec


@dataclass
class ParsedProcess:
    key: str
    name: str
    spec: Any
    subprocess_specs: dict[str, Any]
    human_tasks: dict[str, HumanTask] = field(default_factory=dict)


def read_xml(data: bytes | str) -> etree._Element:
    """Parse XML with DTDs, entities and network access refused."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > MAX_BPMN_BYTES:
        raise SpecError(f"文件过大（{len(raw)} 字节，上限 {MAX_BPMN_BYTES} 字节）")
    try:
        defused_et.fromstring(raw, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise SpecError(f"XML 含有 DTD 或实体声明，已拒绝（{type(exc).__name__}）") from None
    except defused_et.ParseError as exc:
        raise SpecError(f"XML 格式错误：{exc}") from None
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=False, remove_comments=True)
    try:
        return etree.fromstring(raw, parser)
    except etree.XMLSyntaxError as exc:
        raise SpecError(f"XML 格式错误：{exc}") from None


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
        if process.find("bpmn:startEvent", _NS) is None:
            problems.append(f"{process.get('id')}: 流程没有开始事件")
    return problems


def _spec_problems(spec: Any) -> tuple[list[str], dict[str, HumanTask]]:
    problems: list[str] = []
    human: dict[str, HumanTask] = {}
    for ts in spec.task_specs.values():
        bpmn_id = getattr(ts, "bpmn_id", None)
        if bpmn_id is None:
            continue
        for condition, _target in getattr(ts, "cond_task_specs", []) or []:
            if condition is not None:
                problems += [f"{bpmn_id}: {p}" for p in expression_problems(str(condition.args[0]))]
        if script := getattr(ts, "script", None):
            problems += [f"{bpmn_id}: {p}" for p in script_problems(script)]
        definition = getattr(ts, "event_definition", None)
        if isinstance(definition, TimerEventDefinition):
            problems += [f"{bpmn_id}: 定时器 {p}" for p in expression_problems(definition.expression)]
        if isinstance(ts, UserTask):
            role = role_for_lane(ts.lane)
            if ts.lane is None:
                problems.append(f"{bpmn_id}: 用户任务不在任何泳道中，无法确定由哪个角色办理")
            elif role is None:
                problems.append(f"{bpmn_id}: 泳道“{ts.lane}”不是已知角色")
            form = form_from_spec(ts)
            for f in form.fields:
                if f.type not in FIELD_TYPES:
                    problems.append(f"{bpmn_id}: 表单字段 {f.id} 的类型 {f.type} 不受支持（可用：{', '.join(FIELD_TYPES)}）")
            if role is not None:
                human[bpmn_id] = HumanTask(bpmn_id, ts.bpmn_name or bpmn_id, ts.lane, role, form)
    return problems, human


def parse_process(data: bytes | str, key: str | None = None) -> ParsedProcess:
    """Parse and check one BPMN document; raise :class:`SpecError` listing every problem."""
    root = read_xml(data)
    problems = _xml_problems(root)
    if problems:
        raise SpecError("流程图无法发布", problems)
    parser = CamundaParser()
    try:
        parser.add_bpmn_xml(root, filename=f"{key or 'diagram'}.bpmn")
        ids = parser.get_process_ids()
        if not ids:
            raise SpecError("流程图中没有可执行的流程（isExecutable）")
        key = key or ids[0]
        if key not in ids:
            raise SpecError(f"流程图中没有流程 {key}（有：{', '.join(ids)}）")
        spec = parser.get_spec(key)
        subprocess_specs = parser.get_subprocess_specs(key)
    except ValidationException as exc:
        where = getattr(exc, "id", None) or "diagram"
        line = getattr(exc, "line_number", None) or getattr(exc, "sourceline", None)
        suffix = f"（第 {line} 行）" if line else ""
        raise SpecError("流程图无法解析", [f"{where}: {exc}{suffix}"]) from None
    except SpiffWorkflowException as exc:
        raise SpecError("流程图无法解析", [str(exc)]) from None
    problems, human = _spec_problems(spec)
    for sub in subprocess_specs.values():
        sub_problems, sub_human = _spec_problems(sub)
        problems += sub_problems
        human.update(sub_human)
    if problems:
        raise SpecError("流程图无法发布", problems)
    return ParsedProcess(key=key, name=spec.description or key, spec=spec,
                         subprocess_specs=subprocess_specs, human_tasks=human)
