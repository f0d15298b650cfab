"""The routing table as people read it: cells in words, departments by name, each row's problems beside it."""
from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from engine import labels
from engine.routing.cells import parse_cell
from engine.routing.table import HIT_POLICIES, RoutingTable
from engine.routing.validation import CO_DEPARTMENTS, DEPARTMENT

#: How a problem names its row (see :class:`engine.routing.validation.RoutingProblem`): 第 3 行（rule_3：…）：…
_ROW = re.compile(r"^第 (\d+) 行（[^：]*：.*?）：(.*)$", re.DOTALL)


@dataclass(frozen=True)
class RowView:
    row: int
    rule_id: str
    #: Each input cell in words (``公共设施``, ``描述含“电梯”``, ``任意``), then each output cell.
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    #: The cells as written, for the title attribute and the editor.
    written: tuple[str, ...]
    description: str
    problems: tuple[str, ...]


@dataclass(frozen=True)
class TableView:
    decision_id: str
    name: str
    hit_policy: str
    hit_policy_label: str
    input_labels: tuple[str, ...]
    output_labels: tuple[str, ...]
    rows: tuple[RowView, ...]


def table_view(table: RoutingTable, departments: Mapping[str, str], problems: Iterable[str] = ()) -> TableView:
    """``table`` for reading; ``departments`` maps codes to names; ``problems`` (the publish check's texts)
    that name a row are placed on it."""
    by_row: dict[int, list[str]] = {}
    for problem in problems:
        if (match := _ROW.match(problem)) is not None:
            by_row.setdefault(int(match.group(1)), []).append(match.group(2))
    rows = []
    for rule in table.rules:
        inputs = tuple(_input_words(text, column.expression) for text, column in zip(rule.inputs, table.inputs))
        outputs = tuple(_output_words(text, column.name, departments) for text, column in zip(rule.outputs, table.outputs))
        rows.append(RowView(rule.row, rule.id, inputs, outputs, rule.cells(), rule.description,
                            tuple(by_row.get(rule.row, ()))))
    return TableView(table.decision_id, table.name or table.decision_id, table.hit_policy,
                     HIT_POLICIES.get(table.hit_policy, table.hit_policy),
                     tuple(c.label for c in table.inputs), tuple(c.label for c in table.outputs), tuple(rows))


def _shown(value: Any, variable: str = "") -> str:
    """A cell's value in words: the codes of a variable (priority, sla_class …) as engine/labels.py words them."""
    return labels.VALUE_WORDS.get(variable.strip(), {}).get(str(value), str(value))


def _input_words(text: str | None, expression: str) -> str:
    if text is None:
        return "任意"
    cell, problems = parse_cell(text, expression)
    if problems:
        return text
    if cell.kind == "in":
        return "、".join(_shown(v, expression) for v in cell.values) + ("（之一）" if len(cell.values) > 1 else "")
    if cell.kind == "not_in":
        return "除 " + "、".join(_shown(v, expression) for v in cell.values) + " 以外"
    if cell.kind == "opaque" and text.replace(" ", "").endswith("in?"):
        try:
            keyword = ast.literal_eval(text.rsplit(" in", 1)[0].strip())
        except (ValueError, SyntaxError):
            return text
        if isinstance(keyword, str):
            return f"含“{keyword}”"
    return text


def _output_words(text: str | None, name: str, departments: Mapping[str, str]) -> str:
    if text is None:
        return "—"
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text
    if name == DEPARTMENT and isinstance(value, str):
        return departments.get(value, value)
    if name == CO_DEPARTMENTS and isinstance(value, (list, tuple)):
        return "、".join(departments.get(str(v), str(v)) for v in value) or "—"
    return _shown(value, name)
