"""Bringing a diagram from another modeller into casegrid: what needs the supervisor's decision, then the rewrite.

:func:`review` reads a file and lists what the import dialog asks about: lanes named after jobs
rather than roles (with a guess), and conditions written in JUEL or FEEL (with their translation).
:func:`apply_import` writes the answers into the diagram itself — the process gets its casegrid key
and name, each lane its role (:mod:`engine.bpmn.lanes`), each confirmed condition its translation —
so what is published is exactly what the supervisor saw. Nothing here decides whether the result
can run; publishing checks that (:func:`engine.bpmn.parser.parse_process`).
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from lxml import etree

from engine.bpmn.foreign_expressions import Translation, translate
from engine.bpmn.lanes import BPMN_NS, lanes_of, set_lane_role
from engine.bpmn.parser import read_xml
from engine.errors import SpecError, ValidationError
from engine.people.roles import ROLE_LABELS, Role

_NS = {"bpmn": BPMN_NS, "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI"}
#: A process key: what URLs, the API and the CLI name a process by (an XML id, so the diagram can use it).
KEY_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_\-]{1,59}$")
#: Words in a lane's name that suggest a role (a guess the supervisor confirms or changes).
_ROLE_WORDS: tuple[tuple[Role, tuple[str, ...]], ...] = (
    (Role.MEDIATOR, ("调解", "mediat")),
    (Role.COUNCIL, ("议事", "委员会", "协商", "council", "committee", "board")),
    (Role.SUPERVISOR, ("督办", "书记", "主任", "领导", "审批", "supervis", "manager", "director", "approv")),
    (Role.RESIDENT, ("居民", "申请人", "群众", "市民", "村民", "住户", "applicant", "citizen", "resident", "customer")),
    (Role.GRID_WORKER, ("网格", "社区", "窗口", "受理", "工作人员", "grid", "clerk", "front", "intake", "reception")),
    (Role.DEPARTMENT, ("部门", "科", "局", "所", "站", "中心", "department", "office", "review", "agency", "unit")),
    (Role.SUPERVISOR, ("街道", "办事处", "street")),
)


@dataclass(frozen=True)
class LaneQuestion:
    id: str
    name: str
    #: The role the lane maps to now (by its name or an earlier mapping), else a guess, else None.
    suggested: Role | None
    #: Whether the lane already names a role (nothing to ask, but it may still be changed).
    settled: bool


@dataclass(frozen=True)
class ConditionQuestion:
    flow_id: str
    #: The flow's name or the name of the gateway it leaves, for people.
    label: str
    translation: Translation


@dataclass
class ImportReview:
    process_id: str
    process_name: str
    lanes: list[LaneQuestion] = field(default_factory=list)
    conditions: list[ConditionQuestion] = field(default_factory=list)
    #: Executable processes besides the one imported (refused when published; said in the dialog).
    other_processes: list[str] = field(default_factory=list)
    #: The diagram has user tasks but no lanes: the dialog asks which role does them all.
    needs_lane: bool = False

    @property
    def questions(self) -> bool:
        return any(not q.settled for q in self.lanes) or any(c.translation.changed or c.translation.problem
                                                             for c in self.conditions)


def guess_role(name: str) -> Role | None:
    lowered = name.lower()
    for role, words in _ROLE_WORDS:
        if any(word in lowered for word in words):
            return role
    return None


def _main_process(root: etree._Element) -> etree._Element:
    processes = root.findall("bpmn:process", _NS)
    if not processes:
        raise SpecError("流程图无法导入", [f"{root.get('id') or 'definitions'}: 文档中没有流程（bpmn:process），"
                                      "可能只有协作图或选择了错误的文件"])
    called = {c.get("calledElement") for c in root.iterfind(".//bpmn:callActivity", _NS)}
    executable = [p for p in processes if p.get("isExecutable", "true") == "true" and p.get("id") not in called]
    lanes = [p for p in processes if p.find(".//bpmn:lane", _NS) is not None and p.get("id") not in called]
    return (executable or lanes or processes)[0]


def review(xml: str) -> ImportReview:
    """What the import dialog asks about ``xml`` (raises :class:`SpecError` if it cannot be read at all)."""
    root = read_xml(xml)
    if etree.QName(root).localname != "definitions" or etree.QName(root).namespace != BPMN_NS:
        raise SpecError("流程图无法导入", [f"document: 不是 BPMN 2.0 流程图（根元素是 {etree.QName(root).localname}）"])
    process = _main_process(root)
    result = ImportReview(process.get("id") or "", (process.get("name") or "").strip())
    for lane in lanes_of(process):
        if not lane.nodes:
            continue  # a lane that only holds other lanes: its children are asked about
        result.lanes.append(LaneQuestion(lane.id, lane.name, lane.role or guess_role(lane.name), lane.role is not None))
    names = {el.get("id"): (el.get("name") or "").strip() for el in process.iter() if isinstance(el.tag, str)}
    for flow in process.iterfind(".//bpmn:sequenceFlow", _NS):
        condition = flow.find("bpmn:conditionExpression", _NS)
        if condition is None:
            continue
        text = "".join(condition.itertext())
        label = names.get(flow.get("id")) or names.get(flow.get("sourceRef")) or flow.get("id") or ""
        result.conditions.append(ConditionQuestion(flow.get("id") or "", label, translate(text, condition.get("language"))))
    result.needs_lane = process.find(".//bpmn:lane", _NS) is None and process.find(".//bpmn:userTask", _NS) is not None
    result.other_processes = [p.get("id") or "" for p in root.findall("bpmn:process", _NS)
                              if p is not process and p.get("isExecutable", "true") == "true"
                              and p.find("bpmn:startEvent", _NS) is not None]
    return result


def check_key(key: str) -> str:
    key = (key or "").strip()
    if not KEY_PATTERN.match(key):
        raise ValidationError("流程信息有误", {"key": "流程标识须以英文字母开头，只含英文字母、数字、_ 和 -，2 到 60 个字符"
                                                  "（例如 dibao_review）"})
    return key


def check_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise ValidationError("流程信息有误", {"name": "请填写流程名称（最多 200 字）"})
    return name


def apply_import(xml: str, *, key: str, name: str, lane_roles: Mapping[str, Role] | None = None,
                 translate_conditions: bool = True, lane_for_all: Role | None = None) -> str:
    """``xml`` with its main process renamed to ``key``/``name``, lanes mapped and conditions translated.

    ``lane_for_all``: for a diagram drawn without lanes, one lane of that role holding every element (many
    modellers' examples have none; casegrid needs to know who does the work)."""
    root = read_xml(xml)
    process = _main_process(root)
    old = process.get("id") or ""
    key, name = check_key(key), check_name(name)
    clash = next((el for el in root.iter() if isinstance(el.tag, str) and el.get("id") == key
                  and el is not process), None)
    if clash is not None:
        raise ValidationError("流程信息有误", {"key": f"图中已有元素使用 {key} 作为 id，请换一个流程标识"})
    process.set("id", key)
    process.set("name", name)
    process.set("isExecutable", "true")
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        for attr in ("processRef", "bpmnElement", "calledElement"):
            if el.get(attr) == old:
                el.set(attr, key)
    if lane_for_all is not None and process.find(".//bpmn:lane", _NS) is None:
        _add_single_lane(process, lane_for_all)
    lanes = {lane.get("id"): lane for lane in process.iterfind(".//bpmn:lane", _NS)}
    for lane_id, role in (lane_roles or {}).items():
        if lane_id not in lanes:
            raise ValidationError("泳道映射有误", {f"lane_{lane_id}": f"图中没有泳道 {lane_id}"})
        set_lane_role(lanes[lane_id], role)
    if translate_conditions:
        for condition in process.iterfind(".//bpmn:conditionExpression", _NS):
            result = translate("".join(condition.itertext()), condition.get("language"))
            # A FEEL condition that already reads as ours (``result != "done"``) still loses its language,
            # or publishing would refuse it as FEEL and ask for the very same text.
            if result.expression is not None and (result.changed or result.dialect != "casegrid"):
                for child in list(condition):
                    condition.remove(child)
                condition.text = result.expression
                condition.attrib.pop("language", None)
    return etree.tostring(root, encoding="unicode")


def _add_single_lane(process: etree._Element, role: Role) -> None:
    """One lane named after ``role`` (and mapped to it) holding every flow node of the process's top level."""

    lane_set = etree.Element(f"{{{BPMN_NS}}}laneSet", id=f"{process.get('id')}_lanes")
    lane = etree.SubElement(lane_set, f"{{{BPMN_NS}}}lane", id=f"{process.get('id')}_lane_{role.value}",
                            name=ROLE_LABELS[role])
    set_lane_role(lane, role)
    skip = {"laneSet", "sequenceFlow", "documentation", "extensionElements", "textAnnotation", "association",
            "dataObject", "dataObjectReference", "dataStoreReference", "ioSpecification", "property", "group"}
    for node in process:
        if isinstance(node.tag, str) and etree.QName(node).localname not in skip and node.get("id"):
            etree.SubElement(lane, f"{{{BPMN_NS}}}flowNodeRef").text = node.get("id")
    documentation = process.find("bpmn:documentation", _NS)
    extensions = process.find("bpmn:extensionElements", _NS)
    anchor = extensions if extensions is not None else documentation
    process.insert(process.index(anchor) + 1 if anchor is not None else 0, lane_set)
