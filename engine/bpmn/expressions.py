"""Restricted evaluation of diagram expressions (conditions, timers, scripts).

SpiffWorkflow's default script engine hands every condition to Python's
``eval`` and every script to ``exec``: a diagram could run
``__import__('os').system(...)`` as the server user. Here expressions go
through simpleeval (no imports, no dunder attributes, no builtins beyond the
helpers below) and a script is only a list of ``name = expression`` lines.
Diagrams are also checked statically before they are published
(:func:`expression_problems`, :func:`script_problems`).
"""
from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

import simpleeval
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from engine.bpmn.context import StepContext, current
from engine.bpmn.limits import ALLOWED_ATTR_NAMES, MAX_NESTING, BoundedEval, bounded_str, nesting
from engine.clock import as_utc

#: Longest expression or script accepted, in characters.
MAX_EXPRESSION_LENGTH = 2000


class ExpressionError(Exception):
    """An expression was refused or failed; the message says which and why."""


def _ctx() -> StepContext:
    ctx = current()
    if ctx is None:
        raise ExpressionError("diagram helpers can only run inside a case step")
    return ctx


def _iso(value: datetime) -> str:
    return as_utc(value).isoformat()


def workdays(n: int) -> str:
    """End of the n-th Chinese working day from now, as an ISO-8601 UTC string."""
    ctx = _ctx()
    return _iso(ctx.calendar.add_workdays(ctx.now, int(n)))


def calendar_days(n: int) -> str:
    """Now plus n calendar days, as an ISO-8601 UTC string."""
    return _iso(_ctx().now + timedelta(days=int(n)))


def end_of_day(day: str) -> str:
    """End of the given local date ('YYYY-MM-DD', China time), as an ISO-8601 UTC string."""
    return _iso(_ctx().calendar.end_of_day(date.fromisoformat(str(day)[:10])))


def later(a: str, b: str) -> str:
    """The later of two ISO-8601 datetimes."""
    return a if datetime.fromisoformat(a) >= datetime.fromisoformat(b) else b


def count(items: Any, value: Any) -> int:
    """How many of ``items`` equal ``value`` (a household vote's ballots, say); nothing counts nothing."""
    return sum(1 for item in items or () if item == value)


#: Functions a diagram may call. Nothing else is callable from a diagram.
HELPERS: dict[str, Callable[..., Any]] = {
    "workdays": workdays,
    "calendar_days": calendar_days,
    "end_of_day": end_of_day,
    "later": later,
    "count": count,
    "len": len,
    "min": min,
    "max": max,
    "abs": abs,
    "round": round,
    "int": int,
    "str": bounded_str,
    "bool": bool,
}

# Node types simpleeval can evaluate; anything else is refused before publishing.
_ALLOWED_NODES: tuple[type[ast.AST], ...] = (
    ast.Expression, ast.Expr, ast.BoolOp, ast.BinOp, ast.UnaryOp, ast.Compare, ast.IfExp,
    ast.Call, ast.keyword, ast.Name, ast.Load, ast.Constant, ast.Attribute, ast.Subscript,
    ast.Slice, ast.Tuple, ast.List, ast.Dict, ast.Set, ast.JoinedStr, ast.FormattedValue,
    ast.And, ast.Or, ast.Not, ast.USub, ast.UAdd, ast.Add, ast.Sub, ast.Mult, ast.Div,
    ast.FloorDiv, ast.Mod, ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In,
    ast.NotIn, ast.Is, ast.IsNot,
)


def expression_problems(expression: str) -> list[str]:
    """Why ``expression`` may not appear in a diagram (empty list: it may)."""
    if "${" in expression or "#{" in expression:
        return ["JUEL 表达式（${...}）不受支持，请写 Python 表达式，例如 decision == 'adopt'"]
    if len(expression) > MAX_EXPRESSION_LENGTH:
        return [f"表达式超过 {MAX_EXPRESSION_LENGTH} 个字符"]
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError as exc:
        return [f"表达式语法错误：{exc.msg}"]
    if nesting(tree) > MAX_NESTING:
        return [f"表达式嵌套超过 {MAX_NESTING} 层"]
    return _tree_problems(tree)


def _tree_problems(tree: ast.AST) -> list[str]:
    problems: list[str] = []
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED_NODES):
            problems.append(f"不允许的语法：{type(node).__name__}")
        elif isinstance(node, ast.Name) and node.id.startswith("_"):
            problems.append(f"不允许以下划线开头的名称：{node.id}")
        elif isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            problems.append(f"不允许访问内部属性：{node.attr}")
        elif isinstance(node, ast.Attribute) and node.attr not in ALLOWED_ATTR_NAMES:
            problems.append(f"不允许的属性或方法：{node.attr}（可用：{', '.join(sorted(ALLOWED_ATTR_NAMES))}）")
        elif isinstance(node, ast.FormattedValue) and node.format_spec is not None:
            problems.append("f 字符串中不支持格式说明（:…）")
        elif isinstance(node, ast.Call):
            if not isinstance(node.func, (ast.Name, ast.Attribute)):
                problems.append("不允许的函数调用")
            elif isinstance(node.func, ast.Name) and node.func.id not in HELPERS:
                problems.append(f"未知函数：{node.func.id}（可用：{', '.join(sorted(HELPERS))}）")
    return problems


def parse_script(script: str) -> list[tuple[str, str]]:
    """Split a script into ``(name, expression)`` assignments, refusing anything else."""
    try:
        module = ast.parse(script)
    except SyntaxError as exc:
        raise ExpressionError(f"脚本第 {exc.lineno} 行语法错误：{exc.msg}") from None
    assignments: list[tuple[str, str]] = []
    for stmt in module.body:
        if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], ast.Name)):
            raise ExpressionError(f"脚本第 {stmt.lineno} 行：只允许“变量 = 表达式”形式的赋值")
        name = stmt.targets[0].id
        if name.startswith("_"):
            raise ExpressionError(f"脚本第 {stmt.lineno} 行：不允许以下划线开头的名称 {name}")
        source = ast.get_source_segment(script, stmt.value) or ""
        assignments.append((name, source))
    return assignments


def script_problems(script: str) -> list[str]:
    """Why ``script`` may not appear in a diagram (empty list: it may)."""
    if len(script) > MAX_EXPRESSION_LENGTH * 10:
        return ["脚本过长"]
    try:
        assignments = parse_script(script)
    except ExpressionError as exc:
        return [str(exc)]
    return [f"{name}: {problem}" for name, expr in assignments for problem in expression_problems(expr)]


@lru_cache(maxsize=1024)
def _refused(expression: str) -> tuple[str, ...]:
    """:func:`expression_problems`, remembered: a diagram evaluates the same few expressions again and again."""
    return tuple(expression_problems(expression))


@lru_cache(maxsize=1024)
def _parsed(expression: str) -> Any:
    """simpleeval's parse tree of ``expression``, remembered: evaluation never changes the tree."""
    return simpleeval.SimpleEval.parse(expression)


@lru_cache(maxsize=256)
def _script_assignments(script: str) -> tuple[tuple[str, str], ...]:
    """:func:`parse_script`, remembered: re-parsing a script cost ~0.9 ms per script task at every step."""
    return tuple(parse_script(script))


def evaluate(expression: str, names: Mapping[str, Any]) -> Any:
    """Evaluate one expression over ``names`` with only :data:`HELPERS` callable."""
    # The publish-time rules again: a diagram that skipped them (or predates one) still cannot use more.
    if problems := _refused(expression):
        raise ExpressionError(f"表达式被拒绝：{'；'.join(problems)}（表达式 {expression!r}）")
    evaluator = BoundedEval(names=dict(names), functions=dict(HELPERS))
    try:
        return evaluator.eval(expression.strip(), _parsed(expression.strip()))
    except simpleeval.NameNotDefined as exc:
        raise ExpressionError(f"变量未定义：{exc.name}（表达式 {expression!r}）") from None
    except simpleeval.InvalidExpression as exc:
        raise ExpressionError(f"表达式被拒绝：{exc}（表达式 {expression!r}）") from None
    except ExpressionError:
        raise
    except Exception as exc:  # the expression's own error, e.g. a comparison of str and int
        raise ExpressionError(f"表达式出错：{type(exc).__name__}: {exc}（表达式 {expression!r}）") from None


class RestrictedEnvironment(BasePythonScriptEngineEnvironment):
    """The environment SpiffWorkflow's script engine delegates to."""

    def evaluate(self, expression: str, context: dict[str, Any],
                 external_context: Mapping[str, Any] | None = None) -> Any:
        return evaluate(expression, {**(external_context or {}), **context})

    def execute(self, script: str, context: dict[str, Any],
                external_context: Mapping[str, Any] | None = None) -> bool:
        for name, expression in _script_assignments(script):
            context[name] = evaluate(expression, {**(external_context or {}), **context})
        return True

    def call_service(self, context: dict[str, Any], **kwargs: Any) -> Any:
        raise ExpressionError("服务任务不受支持")


def restricted_script_engine() -> PythonScriptEngine:
    return PythonScriptEngine(environment=RestrictedEnvironment())
