"""Bounds on what one diagram can make the server do: the server never hangs on a diagram.

Loops are legitimate BPMN, and validation cannot tell a loop that ends from
one that does not, so the run time is what contains them:

- **one engine event** runs at most :data:`MAX_ENGINE_TASKS` engine tasks
  (scripts, gateways, events, call activities) and at most
  :data:`MAX_STEP_SECONDS` of CPU time; beyond either the step fails with
  :class:`EngineLimitExceeded` and, as every failed step, writes nothing. The time is
  looked at before each engine task here and, inside one long task, by
  :mod:`engine.bpmn.watchdog`;
- **what would run inside C**, where nothing can interrupt it (big integers,
  repetition, ``round``'s digits), and what SpiffWorkflow would loop over (timer
  durations, instance counts) is bounded before it starts: here, in
  :mod:`engine.bpmn.timers` and :mod:`engine.bpmn.multi_instance`;
- **one expression** may not build a value bigger than :data:`MAX_VALUE_WEIGHT`
  (characters plus container elements, counted the way JSON would write them),
  an integer longer than :data:`MAX_INT_BITS`, or use a method outside
  :data:`ALLOWED_ATTRS` (none of which grows or mutates a value). simpleeval's
  own limits (``MAX_POWER``, ``MAX_STRING_LENGTH``, ``MAX_COMPREHENSION_LENGTH``)
  stay in force underneath; they bound a single operation, not what a chain
  of them builds, hence the checks here.

The time bound counts the CPU time of the stepping thread, so a loaded machine does
not fail a legitimate step; it still depends on the machine's speed, so replaying a
case could in principle fail where the live step passed. The task count is
deterministic and, at about 1 ms per engine task, is normally reached first.
"""
from __future__ import annotations

import ast
import os
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import simpleeval

from engine.bpmn import watchdog

from engine.errors import CaseStepError

#: Engine tasks one event may run (a real step runs a handful; the civic loop's longest about 20).
MAX_ENGINE_TASKS = 1000
#: Wall time one event may spend running engine tasks, in seconds (a real step takes milliseconds).
MAX_STEP_SECONDS = 2.0
#: Size of one expression's value: characters of strings plus elements of containers.
MAX_VALUE_WEIGHT = 100_000
#: Longest integer an expression may build (about 1 200 decimal digits: far beyond any count or amount).
MAX_INT_BITS = 4096

#: Deepest nesting of one expression (simpleeval recurses once per level; real conditions nest a few).
MAX_NESTING = 100
#: Deepest bracket nesting of one expression, counted on its text before it is parsed at all.
MAX_BRACKET_DEPTH = 30
#: All the expressions and scripts of one diagram together, in characters (the civic loop has ~2 000):
#: checking them costs time in proportion, so a 2 MB diagram of scripts is refused before it is parsed.
MAX_DIAGRAM_EXPRESSION_CHARS = 100_000
#: ``round(x, n)``: farthest ``n`` from 0 (``round(1, -10**9)`` builds 10**(10**9) inside C, where no
#: thread can interrupt it: the whole server would freeze).
MAX_ROUND_DIGITS = 100
#: Most instances of one multi-instance task (the largest real household vote is a few thousand
#: households); ``CASEGRID_MAX_INSTANCES`` changes it.
MAX_INSTANCES = int(os.environ.get("CASEGRID_MAX_INSTANCES") or 5000)

#: Methods a diagram may call or read, per type of value: read-only and never larger than their input.
ALLOWED_ATTRS: dict[type | None, set[str]] = {
    str: {"strip", "lstrip", "rstrip", "lower", "upper", "startswith", "endswith", "split", "isdigit",
          "isalpha", "isalnum", "isspace", "count", "find", "index"},
    dict: {"get", "keys", "values", "items"},
    list: {"count", "index"},
    tuple: {"count", "index"},
    int: {"bit_length"},
    float: {"is_integer"},
    bool: set(),
    None: set(),
}
#: Every name in :data:`ALLOWED_ATTRS`: what a publish-time check can allow without knowing the types.
ALLOWED_ATTR_NAMES = frozenset(name for names in ALLOWED_ATTRS.values() for name in names)

#: Where the clock of the step budget comes from (a test replaces it to run out of time without waiting).
#: CPU time of the running thread, not wall time: a loop burns CPU, while a busy machine only stretches the
#: wall clock — under load (four server threads on two loaded cores) a legitimate step once overran 2 s of
#: wall time and was refused.
clock: Callable[[], float] = time.thread_time


class EngineLimitExceeded(CaseStepError):
    """One engine event ran too many engine tasks or for too long; nothing of it was kept."""

    code = "engine_limit"


@dataclass
class StepBudget:
    """The engine tasks and time left to one engine event."""

    max_tasks: int = MAX_ENGINE_TASKS
    max_seconds: float = MAX_STEP_SECONDS
    tasks: int = 0
    #: The engine task running now: what a failure of the step is named after.
    task: Any = None
    #: When the first engine task of the event ran: what came before (completing a batch of a
    #: 3 000-household vote's ballots, say) is the caller's work, linear and not a loop.
    started: float | None = None

    def charge(self, task: Any = None) -> None:
        """Called before each engine task runs (SpiffWorkflow's ``will_complete_task``)."""
        self.tasks += 1
        self.task = task
        if self.started is None:
            self.started = clock() - watchdog.collected_seconds()
        if self.tasks > self.max_tasks:
            raise EngineLimitExceeded(f"流程运行超出限制：一步内执行了超过 {self.max_tasks} 个引擎任务，"
                                      f"可能存在不会结束的循环或递归调用{_stopped_at(task)}；案件保持原状",
                                      element=element_of(task))
        if clock() - watchdog.collected_seconds() - self.started > self.max_seconds:  # garbage collection is not the step's
            raise EngineLimitExceeded(f"流程运行超出限制：一步内运行超过 {self.max_seconds:g} 秒，"
                                      f"可能存在不会结束的循环或递归调用{_stopped_at(task)}；案件保持原状",
                                      element=element_of(task))


def element_of(task: Any) -> str | None:
    """The BPMN id of the element ``task`` runs, if any."""
    return getattr(getattr(task, "task_spec", None), "bpmn_id", None)


def _stopped_at(task: Any) -> str:
    where = element_of(task)
    return f"（停在 {where}）" if where else ""


def out_of_time(budget: StepBudget) -> EngineLimitExceeded:
    """The refusal of a step the watchdog interrupted inside one operation."""
    return EngineLimitExceeded(f"流程运行超出限制：一步内运行超过 {budget.max_seconds:g} 秒，"
                               f"可能存在不会结束的循环或过大的计算{_stopped_at(budget.task)}；案件保持原状",
                               element=element_of(budget.task))


_budget: ContextVar[StepBudget | None] = ContextVar("casegrid_step_budget", default=None)


@contextmanager
def bounded_step() -> Iterator[StepBudget]:
    """Give the engine event run inside a fresh :class:`StepBudget`."""
    token = _budget.set(StepBudget(MAX_ENGINE_TASKS, MAX_STEP_SECONDS))  # read now: settings may change
    try:
        yield _budget.get()  # type: ignore[misc]
    finally:
        _budget.reset(token)


def charge(task: Any = None) -> None:
    """Charge one engine task to the running event's budget (no budget, no limit: e.g. a bare test run)."""
    budget = _budget.get()
    if budget is not None:
        budget.charge(task)


# -- expressions ----------------------------------------------------------------------------------

def check_weight(value: Any, limit: int = MAX_VALUE_WEIGHT) -> int:
    """The weight of ``value`` (refused beyond ``limit``); shared and cyclic parts count each time seen.

    Counting stops at the limit, so a list holding itself 100 000 times costs 100 000 steps, not forever.
    """
    total, stack = 0, [value]
    while stack:
        item = stack.pop()
        total += 1
        if isinstance(item, (str, bytes)):
            total += len(item)
        elif isinstance(item, int) and item.bit_length() > MAX_INT_BITS:
            raise simpleeval.NumberTooHigh(f"整数超过 {MAX_INT_BITS} 位")
        elif isinstance(item, Mapping):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple, set, frozenset)):
            stack.extend(item)
        if total > limit:
            raise simpleeval.IterableTooLong(f"值过大（一个表达式的值最多 {MAX_VALUE_WEIGHT} 个字符或元素）")
    return total


def nesting(tree: ast.AST) -> int:
    """How deeply ``tree`` nests, counted without recursion (a hostile expression may nest thousands deep)."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


def _mult(a: Any, b: Any) -> Any:
    if isinstance(a, int) and isinstance(b, int):
        if a.bit_length() + b.bit_length() > MAX_INT_BITS:
            raise simpleeval.NumberTooHigh(f"整数超过 {MAX_INT_BITS} 位")
    elif isinstance(b, int) and not isinstance(a, (int, float)):
        check_weight(a, MAX_VALUE_WEIGHT // max(b, 1))  # a sequence repeated b times
    elif isinstance(a, int) and not isinstance(b, (int, float)):
        check_weight(b, MAX_VALUE_WEIGHT // max(a, 1))
    return simpleeval.safe_mult(a, b)


def _add(a: Any, b: Any) -> Any:
    if not isinstance(a, (int, float)) and not isinstance(b, (int, float)):
        check_weight(a, MAX_VALUE_WEIGHT - check_weight(b))
    return simpleeval.safe_add(a, b)


def _mod(a: Any, b: Any) -> Any:
    if isinstance(a, (str, bytes)):  # printf-style formatting: '%999999999d' % 1 is a gigabyte
        raise simpleeval.FeatureNotAvailable("不支持用 % 格式化字符串")
    return a % b


def _power(a: Any, b: Any) -> Any:
    # Refused at publishing (no ** in diagrams); here only for a diagram that skipped the check.
    if isinstance(a, int) and isinstance(b, int) and abs(a) > 1 and b > 0 and a.bit_length() * b > MAX_INT_BITS:
        raise simpleeval.NumberTooHigh(f"整数超过 {MAX_INT_BITS} 位")
    return simpleeval.safe_power(a, b)


OPERATORS: dict[type[ast.AST], Callable[..., Any]] = {
    **simpleeval.DEFAULT_OPERATORS, ast.Mult: _mult, ast.Add: _add, ast.Mod: _mod, ast.Pow: _power,
}


def bounded_round(number: Any, ndigits: Any = None) -> Any:
    """``round()`` for diagrams: ``ndigits`` within :data:`MAX_ROUND_DIGITS` of 0."""
    if ndigits is not None and (not isinstance(ndigits, int) or abs(ndigits) > MAX_ROUND_DIGITS):
        raise simpleeval.NumberTooHigh(f"round() 的位数必须在 -{MAX_ROUND_DIGITS} 到 {MAX_ROUND_DIGITS} 之间")
    return round(number, ndigits)


def bracket_depth(text: str) -> int:
    """How deeply brackets nest in ``text``, read as characters (quotes ignored: an over-estimate is refused)."""
    depth = deepest = 0
    for char in text:
        if char in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")]}":
            depth -= 1
    return deepest


def bounded_str(value: Any = "") -> str:
    """``str()`` for diagrams: the text of a value too big to keep is never built."""
    check_weight(value)
    return str(value)


class BoundedEval(simpleeval.EvalWithCompoundTypes):  # type: ignore[misc]  # simpleeval has no type hints
    """simpleeval with the operators, methods and formatting above, and the size of its result checked."""

    def __init__(self, names: dict[str, Any], functions: dict[str, Callable[..., Any]]) -> None:
        super().__init__(operators=OPERATORS, functions=functions, names=names, allowed_attrs=ALLOWED_ATTRS)

    def eval(self, expr: str, previously_parsed: Any = None) -> Any:
        result = super().eval(expr, previously_parsed)
        check_weight(result)
        return result

    def _eval_formattedvalue(self, node: ast.FormattedValue) -> Any:
        if node.format_spec:  # f'{x:>999999999}' pads to a gigabyte
            raise simpleeval.FeatureNotAvailable("f 字符串中不支持格式说明（:…）")
        value = self._eval(node.value)
        check_weight(value)
        return value
