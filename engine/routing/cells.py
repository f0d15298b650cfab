"""What a routing-table cell means, so that gaps and overlaps can be found without running the table.

SpiffWorkflow evaluates an input cell in Python against the column's expression
(``DMNEngine.evaluate``): a plain value is compared with ``==``, a cell that
starts with an operator (``in ("a", "b")``, ``!= "a"``, ``< 3``) is appended to
the expression, and ``?`` stands for the input value (``"路灯" in ?``). Cells of
the first two kinds are understood exactly here; a ``?`` cell or any other
expression is *opaque*: it may or may not match, and the validator reasons with
that ("may overlap", "not sure to cover").
"""
from __future__ import annotations

import ast
import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from engine.bpmn.expressions import expression_problems

#: Three-valued answer of "does this cell match this value": True, False, or None (cannot tell).
Match = bool | None

_QUESTION_MARK = re.compile(r"""\?(?=(?:[^'"]|['"][^'"]*['"])*$)""")  # as DMNEngine: a ? outside quotes
_COMPARE: dict[type, Callable[[Any, Any], bool]] = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Gt: operator.gt, ast.GtE: operator.ge,
}


class Other:
    """Any value the table does not name: what a column holds when it is none of the values written in it."""

    def __repr__(self) -> str:
        return "其他任何值"


OTHER = Other()


@dataclass(frozen=True)
class Cell:
    """One input cell: ``kind`` is ``any``, ``in`` (one of ``values``), ``not_in``, ``compare`` or ``opaque``."""

    text: str | None
    kind: str
    values: tuple[Any, ...] = ()
    op: Callable[[Any, Any], bool] | None = None

    def matches(self, value: Any) -> Match:
        if self.kind == "any":
            return True
        if self.kind == "opaque":
            return None
        if value is OTHER:  # differs from every value written anywhere in the column
            return self.kind == "not_in"
        if self.kind == "in":
            return value in self.values
        if self.kind == "not_in":
            return value not in self.values
        assert self.op is not None
        try:
            return bool(self.op(value, self.values[0]))
        except TypeError:  # "abc" < 3: the engine would fail on this value; it is not covered
            return False

    def named_values(self) -> tuple[Any, ...]:
        """The values this cell writes (the column's domain is built from them)."""
        return self.values


def parse_cell(text: str | None, expression: str) -> tuple[Cell, list[str]]:
    """The meaning of input cell ``text`` in a column testing ``expression``, and why it is malformed (if so)."""
    if text is None:
        return Cell(None, "any"), []
    if _QUESTION_MARK.search(text):
        combined = _QUESTION_MARK.sub("dmninputexpr", text)
        return Cell(text, "opaque"), expression_problems(combined)
    try:
        tree = ast.parse(text, mode="eval").body
    except SyntaxError:
        return _operator_cell(text, expression)
    if isinstance(tree, ast.Tuple):
        return Cell(text, "in", ()), [f"写法 {text} 在引擎中不会匹配任何值（会与整个元组比较），"
                                      f"多个取值请写成 in ({text})"]
    value = _literal(tree)
    if value is _NOT_LITERAL:
        return Cell(text, "opaque"), expression_problems(f"({expression}) == ({text})")
    return Cell(text, "in", (value,)), []


def _operator_cell(text: str, expression: str) -> tuple[Cell, list[str]]:
    """A cell that starts with an operator: SpiffWorkflow appends it to the column's expression."""
    try:
        tree = ast.parse(f"v {text}", mode="eval").body
    except SyntaxError as exc:
        return Cell(text, "opaque"), [f"单元格语法错误（{exc.msg}）；应写成 \"值\"、in (\"甲\", \"乙\")、!= \"值\" 或 < 3 之类"]
    problems = expression_problems(f"{expression} {text}")
    if problems:
        return Cell(text, "opaque"), problems
    if isinstance(tree, ast.Compare) and len(tree.ops) == 1 and isinstance(tree.left, ast.Name):
        op, right = tree.ops[0], tree.comparators[0]
        if isinstance(op, (ast.In, ast.NotIn)) and isinstance(right, (ast.Tuple, ast.List, ast.Set)):
            values = tuple(_literal(e) for e in right.elts)
            if _NOT_LITERAL not in values:
                return Cell(text, "in" if isinstance(op, ast.In) else "not_in", values), []
        elif type(op) in _COMPARE and (value := _literal(right)) is not _NOT_LITERAL:
            if isinstance(op, ast.Eq):
                return Cell(text, "in", (value,)), []
            if isinstance(op, ast.NotEq):
                return Cell(text, "not_in", (value,)), []
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return Cell(text, "compare", (value,), _COMPARE[type(op)]), []
    return Cell(text, "opaque"), []


_NOT_LITERAL = object()


def _literal(node: ast.AST) -> Any:
    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError):
        return _NOT_LITERAL
    return value if isinstance(value, (str, int, float, bool)) or value is None else _NOT_LITERAL


def column_domain(cells: Sequence[Cell], declared: Sequence[Any]) -> tuple[Any, ...]:
    """One representative value per class of values the cells cannot tell apart.

    With declared values (the column's input values, or the known categories),
    those are the domain. Otherwise: every value a cell names, the numbers
    between and beyond the thresholds of comparisons, and :data:`OTHER`
    standing for everything else.
    """
    if declared:
        return tuple(dict.fromkeys(declared))
    named = list(dict.fromkeys(v for c in cells if c.kind in ("in", "not_in") for v in c.values))
    thresholds = sorted({c.values[0] for c in cells if c.kind == "compare"})
    domain: list[Any] = [v for v in named if v not in thresholds]
    if thresholds:
        points: list[Any] = [thresholds[0] - 1]
        for low, high in zip(thresholds, thresholds[1:]):
            points += [low, (low + high) / 2]
        points += [thresholds[-1], thresholds[-1] + 1]
        domain += points
    else:
        domain.append(OTHER)
    return tuple(domain)


def show(value: Any) -> str:
    """A domain value the way a cell would write it."""
    return repr(value) if value is OTHER else (f"\"{value}\"" if isinstance(value, str) else str(value))
