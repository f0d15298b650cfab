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
import io
import re
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

import simpleeval
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from engine.bpmn.context import StepContext, current
from engine.bpmn.limits import (
    ALLOWED_ATTR_NAMES,
    MAX_BRACKET_DEPTH,
    MAX_INT_BITS,
    MAX_NESTING,
    MAX_ROUND_DIGITS,
    MAX_VALUE_WEIGHT,
    BoundedEval,
    bounded_round,
    bounded_str,
    bracket_depth,
    nesting,
)
from engine.bpmn.timers import MAX_TIMER_DAYS
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


def _days(n: Any) -> int:
    """A count of days a deadline may be away: within the timers' horizon (the calendar walks it day by day)."""
    days = int(n)
    if abs(days) > MAX_TIMER_DAYS:
        raise ExpressionError(f"天数 {days} 超出范围（最多 {MAX_TIMER_DAYS} 天）")
    return days


def workdays(n: int) -> str:
    """End of the n-th Chinese working day from now, as an ISO-8601 UTC string."""
    ctx = _ctx()
    return _iso(ctx.calendar.add_workdays(ctx.now, _days(n)))


def calendar_days(n: int) -> str:
    """Now plus n calendar days, as an ISO-8601 UTC string."""
    return _iso(_ctx().now + timedelta(days=_days(n)))


def end_of_day(day: str) -> str:
    """End of the given local date ('YYYY-MM-DD', China time), as an ISO-8601 UTC string."""
    return _iso(_ctx().calendar.end_of_day(date.fromisoformat(str(day)[:10])))


def later(a: str, b: str) -> str:
    """The later of two ISO-8601 datetimes."""
    return a if datetime.fromisoformat(a) >= datetime.fromisoformat(b) else b


#: A time limit as a routing table writes it: minutes, hours, calendar days or working days ("10m", "3wd").
_LIMIT = re.compile(r"^\s*(\d{1,4})\s*(m|h|d|wd)\s*$")


def due_in(limit: str) -> str:
    """Now plus a limit ("10m", "2h", "24h", "3d", "1wd"), as an ISO-8601 UTC string.

    Urgent matters count clock minutes and hours; ordinary ones working days (the official calendar).
    """
    match = _LIMIT.match(str(limit))
    if match is None:
        raise ExpressionError(f"时限 {limit!r} 无法识别（应为 10m、2h、3d 或 1wd 这样的写法）")
    amount, unit = int(match.group(1)), match.group(2)
    if unit == "wd":
        return workdays(amount)
    ctx = _ctx()
    step = {"m": timedelta(minutes=amount), "h": timedelta(hours=amount), "d": timedelta(days=amount)}[unit]
    return _iso(ctx.now + step)


def count(items: Any, value: Any) -> int:
    """How many of ``items`` equal ``value`` (a household vote's ballots, say); nothing counts nothing."""
    return sum(1 for item in items or () if item == value)


#: Functions a diagram may call. Nothing else is callable from a diagram.
HELPERS: dict[str, Callable[..., Any]] = {
    "workdays": workdays,
    "calendar_days": calendar_days,
    "end_of_day": end_of_day,
    "later": later,
    "due_in": due_in,
    "count": count,
    "len": len,
    "min": min,
    "max": max,
    "abs": abs,
    "round": bounded_round,
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


#: Python's parser complaints (English) in the supervisor's words, by the start of its message.
_SYNTAX_WORDS = (("unterminated string", "字符串缺少结束的引号"), ("unterminated triple", "字符串缺少结束的引号"),
                 ("was never closed", "括号没有闭合"), ("unmatched", "括号不配对"), ("does not match", "括号不配对"),
                 ("unexpected EOF", "表达式不完整"), ("invalid character", "含有无法识别的字符（如全角符号）"),
                 ("invalid decimal literal", "数字后面紧跟了字母或其他字符"), ("unexpected indent", "开头有多余的空格"),
                 ("cannot assign", "条件里不能赋值：比较请用 =="), ("invalid syntax. Maybe you meant '=='",
                                                                    "比较请用 ==（单个 = 是赋值）"))


def syntax_words(exc: SyntaxError) -> str:
    """What is wrong with an expression Python cannot parse, in Chinese, with the column when it is known."""
    text = exc.msg or ""
    words = next((chinese for english, chinese in _SYNTAX_WORDS if text.startswith(english) or english in text),
                 "写法无法识别")
    return f"{words}（第 {exc.offset} 个字符处）" if exc.offset else words


def expression_problems(expression: str) -> list[str]:
    """Why ``expression`` may not appear in a diagram (empty list: it may)."""
    if "${" in expression or "#{" in expression:
        return ["JUEL 表达式（${...}）不受支持，请写 Python 表达式，例如 decision == 'adopt'"]
    if len(expression) > MAX_EXPRESSION_LENGTH:
        return [f"表达式超过 {MAX_EXPRESSION_LENGTH} 个字符"]
    if bracket_depth(expression) > MAX_BRACKET_DEPTH:  # before the parser spends anything on it
        return [f"表达式括号嵌套超过 {MAX_BRACKET_DEPTH} 层"]
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError as exc:
        return [f"表达式语法错误：{syntax_words(exc)}"]
    except (RecursionError, MemoryError):  # the parser's own limits on deep nesting
        return [f"表达式嵌套超过 {MAX_NESTING} 层"]
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
            elif isinstance(node.func, ast.Name) and node.func.id == "round" and len(node.args) > 1 \
                    and isinstance(digits := _literal(node.args[1]), int) and abs(digits) > MAX_ROUND_DIGITS:
                problems.append(f"round() 的位数必须在 -{MAX_ROUND_DIGITS} 到 {MAX_ROUND_DIGITS} 之间")
        elif isinstance(node, ast.Constant) and isinstance(node.value, int) and node.value.bit_length() > MAX_INT_BITS:
            problems.append(f"整数常量超过 {MAX_INT_BITS} 位")
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult) and _repeats_too_much(node):
            problems.append(f"重复得到的值过大（一个表达式的值最多 {MAX_VALUE_WEIGHT} 个字符或元素）")
    return problems


def _literal(node: ast.AST) -> Any:
    """The value of a literal number, signed or not; ``None`` for anything else."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        inner = _literal(node.operand)
        return -inner if isinstance(inner, int) and isinstance(node.op, ast.USub) else inner
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, int) else None


def _repeats_too_much(node: ast.BinOp) -> bool:
    """``'ab' * 10**9`` or ``[0] * 10**9`` written as literals (repetition of values from data is checked when it runs)."""
    for sequence, count in ((node.left, node.right), (node.right, node.left)):
        times = _literal(count)
        if not isinstance(times, int):
            continue
        if isinstance(sequence, ast.Constant) and isinstance(sequence.value, (str, bytes)):
            length = len(sequence.value)
        elif isinstance(sequence, (ast.List, ast.Tuple)):
            length = len(sequence.elts)
        elif isinstance(sequence, ast.JoinedStr):
            length = 1
        else:
            continue
        if max(length, 1) * times > MAX_VALUE_WEIGHT:
            return True
    return False


def parse_script(script: str) -> list[tuple[str, str]]:
    """Split a script into ``(name, expression)`` assignments, refusing anything else."""
    if bracket_depth(script) > MAX_BRACKET_DEPTH:  # before the parser spends anything on it
        raise ExpressionError(f"脚本括号嵌套超过 {MAX_BRACKET_DEPTH} 层")
    try:
        module = ast.parse(script)
    except (SyntaxError, RecursionError, MemoryError) as exc:  # the parser's own limits on deep nesting
        line = getattr(exc, "lineno", None)
        raise ExpressionError(f"脚本{f'第 {line} 行' if line else ''}语法错误：{getattr(exc, 'msg', '嵌套过深')}") from None
    # Split once (ast.get_source_segment splits the whole script per call), at the line ends Python's own
    # tokenizer knows: str.splitlines would also split at \u2028 or a form feed inside a string literal.
    lines = io.StringIO(script, newline="").readlines()
    assignments: list[tuple[str, str]] = []
    for stmt in module.body:
        if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], ast.Name)):
            raise ExpressionError(f"脚本第 {stmt.lineno} 行：只允许“变量 = 表达式”形式的赋值")
        name = stmt.targets[0].id
        if name.startswith("_"):
            raise ExpressionError(f"脚本第 {stmt.lineno} 行：不允许以下划线开头的名称 {name}")
        assignments.append((name, _segment(lines, stmt.value)))
    return assignments


def _segment(lines: list[str], node: ast.expr) -> str:
    """The source text of ``node`` (what ``ast.get_source_segment`` gives, without re-splitting the script)."""
    first, last = node.lineno - 1, (node.end_lineno or node.lineno) - 1
    start, end = node.col_offset, node.end_col_offset
    if first == last:
        return lines[first].encode()[start:end].decode()
    text = [lines[first].encode()[start:].decode(), *lines[first + 1:last], lines[last].encode()[:end].decode()]
    return "".join(text)


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
