"""DMN decision tables (the routing table, 权责清单): read safely, split per decision, checked cell by cell.

SpiffWorkflow's DMN parser reads one decision per document; a casegrid DMN document (``bpmn/routing.dmn``)
may hold several (``routing`` and ``sla``), so each decision is handed to it in a copy of the document of
its own. Every input entry, input expression and output entry is an expression of the restricted
evaluator (:mod:`engine.bpmn.expressions`) once SpiffWorkflow has built it (``?`` is the input value,
a bare value means ``input == value``), and is checked the same way before a table is published.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree
from SpiffWorkflow.dmn.parser.DMNParser import DMNParser
from SpiffWorkflow.dmn.specs.model import DecisionTable

from engine.bpmn.dmn_split import split_decisions
from engine.bpmn.expressions import expression_problems
from engine.bpmn.parser import read_xml
from engine.errors import SpecError

DMN_NAMESPACES = frozenset({
    "https://www.omg.org/spec/DMN/20191111/MODEL/",
    "http://www.omg.org/spec/DMN/20180521/MODEL/",
    "http://www.omg.org/spec/DMN/20151101/dmn.xsd",
})
#: Hit policies SpiffWorkflow evaluates: UNIQUE and FIRST give the first matching row, COLLECT lists every match.
HIT_POLICIES = frozenset({"UNIQUE", "FIRST", "COLLECT"})
#: Most rules one decision table may hold (a street's 权责清单 has tens to a few hundred).
MAX_RULES = 2000
_INPUT_MARK = re.compile(r"(\?)(?=(?:[^'\"]|['\"][^'\"]*['\"])*$)")


@dataclass
class DecisionDocument:
    """A parsed DMN document: its key (the ``definitions`` id), name and decision tables by decision id."""

    key: str
    name: str
    tables: dict[str, DecisionTable] = field(default_factory=dict)


class _Owner:
    """What SpiffWorkflow's DMN parser expects of its owning BPMN parser (nothing, when used alone)."""


def _dmn_ns(root: etree._Element) -> str:
    return etree.QName(root).namespace or ""


def _cell_problems(table: DecisionTable) -> list[str]:
    """Each cell as the evaluator will see it, checked with the diagram rules."""
    problems: list[str] = []
    for put in table.inputs:
        if not (put.expression or "").strip():
            problems.append(f"{put.id}: 输入列“{put.label or put.id}”没有输入表达式")
            continue
        problems += [f"{put.id}: 输入表达式 {put.expression!r}：{p}" for p in expression_problems(put.expression)]
    for rule in table.rules:
        for entry in rule.inputEntries:
            for text in entry.lhs:
                if text is None or not text.strip():
                    continue
                problems += [f"{rule.id}: 第 {rule.row_number} 行“{entry.input.label or entry.input.id}”列 {text!r}：{p}"
                             for p in _entry_problems(text)]
        for out in rule.outputEntries:
            text = (getattr(out, "text", "") or "").strip()
            if text:
                problems += [f"{rule.id}: 第 {rule.row_number} 行输出“{out.output.label or out.output.name}” "
                             f"{text!r}：{p}" for p in expression_problems(text)]
    return problems


def _entry_problems(text: str) -> list[str]:
    """An input entry is a value (compared with ==), an operator with its operand, or uses ``?``."""
    marked = _INPUT_MARK.sub("dmninputexpr", text)
    if "dmninputexpr" in marked:
        return expression_problems(marked)
    if not expression_problems(text):
        return []
    return expression_problems(f"dmninputexpr {text}")


def parse_decisions(xml: bytes | str) -> DecisionDocument:
    """Parse and check a DMN document; raise :class:`SpecError` listing every problem (``<id>: message``)."""
    root = read_xml(xml)
    qname = etree.QName(root)
    if qname.localname != "definitions" or qname.namespace not in DMN_NAMESPACES:
        raise SpecError("决策表无法发布", [f"{root.get('id') or qname.localname}: 不是 DMN 决策表文件"
                                          f"（根元素 {qname.localname}，命名空间 {qname.namespace or '无'}）"])
    key = root.get("id") or ""
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_\-]{0,99}", key):
        raise SpecError("决策表无法发布", [f"definitions: 文档 id {key!r} 须以字母开头，只含字母、数字、_ 或 -"])
    document = DecisionDocument(key=key, name=root.get("name") or key)
    problems: list[str] = []
    singles = split_decisions(root)
    if not singles:
        raise SpecError("决策表无法发布", [f"{key}: 文档中没有决策（decision）"])
    for decision_id, single in singles.items():
        nsmap = {"dmn": _dmn_ns(single)}
        try:
            parser = DMNParser(_Owner(), single, nsmap, filename=f"{key}.dmn")
            parser.parse()
            tables = parser.decision.decisionTables
        except Exception as exc:  # SpiffWorkflow's parser raises whatever it trips over: report, never crash
            problems.append(f"{decision_id}: 决策无法解析（{type(exc).__name__}: {exc}）")
            continue
        if len(tables) != 1:
            problems.append(f"{decision_id}: 每个决策须有且只有一张决策表（现有 {len(tables)} 张）")
            continue
        table = tables[0]
        if table.hit_policy not in HIT_POLICIES:
            problems.append(f"{table.id}: 命中策略 {table.hit_policy} 不受支持（可用：{', '.join(sorted(HIT_POLICIES))}）")
        if len(table.rules) > MAX_RULES:
            problems.append(f"{table.id}: 规则超过 {MAX_RULES} 行")
        for rule in table.rules:
            if len(rule.inputEntries) != len(table.inputs) or len(rule.outputEntries) != len(table.outputs):
                problems.append(f"{rule.id}: 第 {rule.row_number} 行的单元格数与列数不符")
        missing = [o.id for o in table.outputs if not (o.name or "").strip()]
        problems += [f"{o}: 输出列没有名称（name），结果无法写入流程数据" for o in missing]
        problems += _cell_problems(table)
        document.tables[decision_id] = table
    if problems:
        raise SpecError("决策表无法发布", problems)
    return document
