"""Read a routing table (a DMN decision table) into plain rows, safely.

The XML is read the way diagrams are (:func:`engine.bpmn.parser.read_xml`: DTDs,
entities and network refused, size bounded), then the one decision table is
taken apart into columns and rows of cell texts. Nothing here judges the cells;
that is :mod:`engine.routing.validation`. The readable table view and the
validator both start from :class:`RoutingTable`.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass

from lxml import etree

from engine.bpmn.parser import read_xml
from engine.errors import SpecError

#: The DMN versions SpiffWorkflow reads (1.1, 1.2, 1.3; dmn-js 17 writes 1.3).
DMN_NAMESPACES = frozenset({
    "http://www.omg.org/spec/DMN/20151101/dmn.xsd",
    "http://www.omg.org/spec/DMN/20180521/MODEL/",
    "https://www.omg.org/spec/DMN/20191111/MODEL/",
})
#: Id of the routing decision when a document holds several decisions.
ROUTING_DECISION = "routing"
#: Most rules a routing table may have: validation compares rows pairwise.
MAX_RULES = 2000
#: Hit policies a routing table may use, with what they mean to the people editing it.
HIT_POLICIES = {
    "UNIQUE": "唯一（任何情况只能命中一行）",
    "FIRST": "首条命中（按行序取第一条匹配的行）",
}


@dataclass(frozen=True)
class InputColumn:
    id: str
    label: str
    #: What the cell tests, e.g. ``category``.
    expression: str
    #: The values the column declares (dmn-js "input values"); empty when it declares none.
    values: tuple[str, ...]


@dataclass(frozen=True)
class OutputColumn:
    id: str
    label: str
    #: The variable the rule sets, e.g. ``department``.
    name: str


@dataclass(frozen=True)
class Rule:
    #: 1-based position in the table, the way people count rows.
    row: int
    id: str
    #: Cell texts, ``None`` where the cell is empty or ``-`` (matches anything / sets nothing).
    inputs: tuple[str | None, ...]
    outputs: tuple[str | None, ...]
    description: str

    def fits(self, table: RoutingTable) -> bool:
        """Has the row one cell per column (a hand-edited file may not)?"""
        return len(self.inputs) == len(table.inputs) and len(self.outputs) == len(table.outputs)

    def cells(self) -> tuple[str, ...]:
        return tuple(c if c is not None else "-" for c in (*self.inputs, *self.outputs))


@dataclass(frozen=True)
class RoutingTable:
    decision_id: str
    name: str
    hit_policy: str
    inputs: tuple[InputColumn, ...]
    outputs: tuple[OutputColumn, ...]
    rules: tuple[Rule, ...]

    def input_index(self, expression: str) -> int | None:
        return next((i for i, c in enumerate(self.inputs) if c.expression == expression), None)

    def output_index(self, name: str) -> int | None:
        return next((i for i, c in enumerate(self.outputs) if c.name == name), None)


def read_table(data: bytes | str) -> RoutingTable:
    """The routing table in ``data``; :class:`SpecError` (problems name the element) if it is not one."""
    root = read_xml(data)
    return _table(root, routing_decision(root))


def read_tables(data: bytes | str) -> list[RoutingTable]:
    """Every decision table of the document in order (the routing table, the SLA table …), for reading."""
    root = read_xml(data)
    namespace = etree.QName(root).namespace
    if namespace not in DMN_NAMESPACES or etree.QName(root).localname != "definitions":
        raise SpecError("不是 DMN 决策表文件（根元素应为 DMN 的 definitions）")
    return [_table(root, d) for d in root.findall("dmn:decision", {"dmn": namespace})]


def _table(root: etree._Element, decision: etree._Element) -> RoutingTable:
    ns = {"dmn": etree.QName(root).namespace}
    tables = decision.findall("dmn:decisionTable", ns)
    if len(tables) != 1:
        raise SpecError(f"{decision.get('id')}: 决策须恰好包含一张决策表（decisionTable），现有 {len(tables)} 张")
    table = tables[0]
    problems: list[str] = []
    inputs = tuple(_input(el, ns, problems) for el in table.findall("dmn:input", ns))
    outputs = tuple(_output(el, problems) for el in table.findall("dmn:output", ns))
    rule_elements = table.findall("dmn:rule", ns)
    if len(rule_elements) > MAX_RULES:
        problems.append(f"{table.get('id')}: 规则行过多（{len(rule_elements)} 行，上限 {MAX_RULES} 行）")
    rules = tuple(_rule(el, row, ns)
                  for row, el in enumerate(rule_elements[:MAX_RULES], start=1))
    if not inputs:
        problems.append(f"{table.get('id')}: 决策表没有输入列")
    if not outputs:
        problems.append(f"{table.get('id')}: 决策表没有输出列")
    if problems:
        raise SpecError("权责清单格式有误", problems)
    return RoutingTable(
        decision_id=decision.get("id") or "",
        name=decision.get("name") or "",
        hit_policy=(table.get("hitPolicy") or "UNIQUE").upper(),
        inputs=inputs, outputs=outputs, rules=rules,
    )


def routing_decision(root: etree._Element) -> etree._Element:
    """The ``<decision>`` that routes: the only one, else the one with id ``routing`` or a ``category`` input."""
    namespace = etree.QName(root).namespace
    if namespace not in DMN_NAMESPACES or etree.QName(root).localname != "definitions":
        raise SpecError("不是 DMN 决策表文件（根元素应为 DMN 的 definitions）")
    _unique_ids(root)
    ns = {"dmn": namespace}
    decisions = root.findall("dmn:decision", ns)
    if len(decisions) == 1:
        return decisions[0]
    chosen = [d for d in decisions if d.get("id") == ROUTING_DECISION] or [
        d for d in decisions
        if any((e.text or "").strip() == "category" for e in d.iterfind("dmn:decisionTable/dmn:input/"
                                                                         "dmn:inputExpression/dmn:text", ns))]
    if len(chosen) != 1:
        raise SpecError(f"找不到权责清单的决策：应有一个 id 为 {ROUTING_DECISION} 或含 category 输入列的决策"
                        f"（现有 {len(decisions)} 个决策）")
    return chosen[0]


def _unique_ids(root: etree._Element) -> None:
    """Ids are unique in a document: dmn-js drops an element whose id is taken, and saving would lose it."""
    seen: dict[str, str] = {}
    problems = []
    for element in root.iter():
        element_id = element.get("id")
        if element_id is None or not isinstance(element.tag, str):
            continue
        if element_id in seen:
            problems.append(f"{element_id}: id 重复（{seen[element_id]} 与 {etree.QName(element).localname}）："
                            "编辑器会丢弃重复 id 的元素，请改用不同的 id")
        else:
            seen[element_id] = etree.QName(element).localname
    if problems:
        raise SpecError("权责清单格式有误", problems)


def _text(element: etree._Element | None, ns: dict[str, str]) -> str | None:
    if element is None:
        return None
    text = element.findtext("dmn:text", namespaces=ns)
    text = text.strip() if text is not None else None
    return None if text in (None, "", "-") else text


def _input(element: etree._Element, ns: dict[str, str], problems: list[str]) -> InputColumn:
    column_id = element.get("id") or "?"
    expression = _text(element.find("dmn:inputExpression", ns), ns)
    if expression is None:
        problems.append(f"{column_id}: 输入列「{element.get('label') or column_id}」没有输入表达式")
    declared = _text(element.find("dmn:inputValues", ns), ns)
    values: tuple[str, ...] = ()
    if declared is not None:
        parsed = _literal_list(declared)
        if parsed is None:
            problems.append(f"{column_id}: 输入列的取值范围应写成 \"甲\",\"乙\"，现为 {declared}")
        else:
            values = parsed
    return InputColumn(column_id, element.get("label") or expression or column_id, expression or "", values)


def _literal_list(text: str) -> tuple[str, ...] | None:
    """``"a","b"`` (how dmn-js writes a column's input values) as a tuple of strings."""
    try:
        value = ast.literal_eval(f"({text},)")
    except (SyntaxError, ValueError):
        return None
    if not all(isinstance(v, str) for v in value):
        return None
    return tuple(value)


def _output(element: etree._Element, problems: list[str]) -> OutputColumn:
    column_id = element.get("id") or "?"
    name = element.get("name") or ""
    if not name:
        problems.append(f"{column_id}: 输出列「{element.get('label') or column_id}」没有变量名（name）")
    return OutputColumn(column_id, element.get("label") or name or column_id, name)


def _rule(element: etree._Element, row: int, ns: dict[str, str]) -> Rule:
    rule_id = element.get("id") or f"第{row}行"
    inputs = tuple(_text(e, ns) for e in element.findall("dmn:inputEntry", ns))
    outputs = tuple(_text(e, ns) for e in element.findall("dmn:outputEntry", ns))
    description = (element.findtext("dmn:description", namespaces=ns) or "").strip()
    return Rule(row, rule_id, inputs, outputs, description)
