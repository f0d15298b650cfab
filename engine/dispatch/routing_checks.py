"""The routing table's publish checks: helper "routing"'s row-level rules for the ``route`` decision, and
coverage of the ``sla`` decision (every SLA class the routing rows name, at every priority)."""
from __future__ import annotations

from lxml import etree
from sqlalchemy.orm import Session
from SpiffWorkflow.dmn.specs.model import DecisionTable

from engine.bpmn.decisions import DecisionDocument, split_decisions
from engine.bpmn.parser import read_xml
from engine.cases.intake import PRIORITIES
from engine.routing.validation import routing_problems
from engine.routing.vocabulary import vocabulary_from

#: The decisions of the routing document (``bpmn/routing.dmn``).
ROUTING, SLA = "route", "sla"
#: What the ``sla`` decision must give for each SLA class and priority.
SLA_OUTPUTS = ("triage_limit", "accept_limit", "onsite_limit", "complete_limit")


def _literal(text: str | None) -> str | None:
    text = (text or "").strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return None


def sla_classes(table: DecisionTable) -> set[str]:
    """The SLA classes the ``sla`` decision names in its first input column (``sla_class``)."""
    return {value for rule in table.rules for entry in rule.inputEntries[:1] for text in entry.lhs
            if (value := _literal(text)) is not None}


def _sla_problems(table: DecisionTable, wanted: set[str]) -> list[str]:
    """Each (SLA class, priority) must have a row: otherwise a case of that class would have no deadlines."""
    names = [o.name for o in table.outputs]
    problems = [f"{table.id}: 缺少输出列 {name}" for name in SLA_OUTPUTS if name not in names]
    inputs = [i.expression.strip() if i.expression else "" for i in table.inputs]
    if inputs[:2] != ["sla_class", "priority"]:
        return problems + [f"{table.id}: 时限表的输入列应依次为 sla_class、priority（现为 {'、'.join(inputs)}）"]
    for sla_class in sorted(wanted):
        for priority, label in PRIORITIES.items():
            if not any(_covers(rule.inputEntries[0].lhs[0], sla_class) and _covers(rule.inputEntries[1].lhs[0], priority)
                       for rule in table.rules):
                problems.append(f"{table.id}: 没有一行给出时限类别“{sla_class}”、紧急程度“{label}”（{priority}）的时限")
    return problems


def _covers(cell: str | None, value: str) -> bool:
    """Whether a cell certainly matches ``value`` (``-``, the literal, ``!= other``, ``in (...)``)."""
    text = (cell or "").strip()
    if not text or text == "-":
        return True
    if (literal := _literal(text)) is not None:
        return literal == value
    if text.startswith("!="):
        return _literal(text[2:]) not in (None, value)
    if text.startswith("in ") or text.startswith("in("):
        return f'"{value}"' in text or f"'{value}'" in text
    return False


def routing_table_problems(session: Session, xml: str, document: DecisionDocument) -> list[str]:
    """Checks for the routing document (other decision documents pass through)."""
    if ROUTING not in document.tables:
        return []
    sla = document.tables.get(SLA)
    if sla is None:
        return [f"{document.key}: 缺少时限决策 {SLA}（按时限类别和紧急程度给出各环节时限）"]
    classes = sla_classes(sla)
    single = etree.tostring(split_decisions(read_xml(xml))[ROUTING], encoding="unicode")
    vocabulary = vocabulary_from(session, classes, {"priority": tuple(PRIORITIES)})
    problems = [str(p) for p in routing_problems(single, vocabulary)]
    named = {value for rule in document.tables[ROUTING].rules for out in rule.outputEntries
             if out.output.name == "sla_class" and (value := _literal(getattr(out, "text", ""))) is not None}
    return problems + _sla_problems(sla, named | classes)
