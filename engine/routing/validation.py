"""Is a routing table publishable? Every problem names the row (rule number, id, cells) it is about.

Checked, for the table as SpiffWorkflow will run it (:mod:`engine.routing.cells`):

- **malformed** cells (syntax, what the restricted evaluator refuses, a FEEL list
  ``"a","b"`` that the engine would compare as a tuple), outputs that are not constants;
- **gaps**: a combination of input values — every active category, and within
  each column's declared values — that no row is sure to cover (a keyword cell
  may not match, so it covers nothing for sure);
- **overlaps** under hit policy UNIQUE: two rows that can match the same case;
  under FIRST, rows that earlier rows shadow completely (**unreachable**);
- **unknown / disabled departments**, **unknown categories**, **unknown SLA classes**.

:func:`routing_problems` never raises; an empty list means the table can be published.
"""
from __future__ import annotations

import ast
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow.camunda.parser.CamundaParser import CamundaParser

from engine.bpmn.expressions import expression_problems
from engine.bpmn.parser import read_xml
from engine.errors import SpecError
from engine.routing.cells import Cell, column_domain, parse_cell, show
from engine.routing.table import HIT_POLICIES, Rule, RoutingTable, read_table, routing_decision

#: The input column every routing table must have, and whose domain is the active categories.
CATEGORY = "category"
DEPARTMENT = "department"
CO_DEPARTMENTS = "co_departments"
SLA_CLASS = "sla_class"
#: Most gaps (and most overlaps) reported one by one; the rest are counted.
MAX_REPORTED = 20
#: Most combinations the gap search may look at before it gives up (and says so).
MAX_SEARCH_NODES = 200_000


@dataclass(frozen=True)
class RoutingVocabulary:
    """What a routing table may name: the organisation as the admin keeps it."""

    #: Department code → active.
    departments: Mapping[str, bool]
    #: Category name → active. Rows for a deactivated category are allowed (old cases may be re-routed).
    categories: Mapping[str, bool]
    #: SLA class names the ``sla_class`` column may use.
    sla_classes: Collection[str]
    #: Input expression → the values a gap check runs over (community, grid, priority …).
    domains: Mapping[str, Collection[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class RoutingProblem:
    #: ``document``, ``malformed``, ``gap``, ``overlap``, ``unreachable``, ``unknown_department``,
    #: ``disabled_department``, ``unknown_category`` or ``unknown_sla_class``.
    kind: str
    #: 1-based rule number, ``None`` for the table as a whole (a gap is in no row).
    row: int | None
    rule_id: str | None
    #: The row's cells as written, inputs then outputs (``-`` for empty).
    cells: tuple[str, ...]
    #: In Chinese, naming the row: ``第 3 行（rule_3：…）：…``.
    message: str

    def __str__(self) -> str:
        return self.message


def routing_problems(dmn: bytes | str, vocabulary: RoutingVocabulary) -> list[RoutingProblem]:
    """Every reason ``dmn`` cannot be published as the routing table; empty when it can."""
    try:
        table = read_table(dmn)
    except SpecError as exc:
        return [_document(p) for p in exc.problems] or [_document(exc.message)]
    except Exception as exc:  # a checker reports, never crashes: the type says where to look
        return [_document(f"无法检查此文件（{type(exc).__name__}: {' '.join(str(exc).split())}）")]
    try:
        found = _Checker(table, vocabulary).problems()
    except Exception as exc:
        return [_document(f"无法检查此决策表（{type(exc).__name__}: {' '.join(str(exc).split())}）")]
    if any(p.kind in ("document", "malformed") for p in found):
        return found  # the engine's own parser would only repeat these, without naming the row
    engine_problem = _engine_problem(dmn, table)
    return [engine_problem, *found] if engine_problem is not None else found


def _engine_problem(dmn: bytes | str, table: RoutingTable) -> RoutingProblem | None:
    """SpiffWorkflow must read what validation passes: its DMN parser has expectations of its own."""
    try:
        root = read_xml(dmn)
        keep = routing_decision(root)
        for other in [d for d in root.findall(keep.tag) if d is not keep]:
            root.remove(other)  # SpiffWorkflow reads one decision per document; the others are not ours to check
        parser = CamundaParser()
        parser.add_dmn_xml(root)
        parser.get_engine(table.decision_id, None)
    except Exception as exc:
        return _document(f"流程引擎无法读取此决策表（{type(exc).__name__}: {' '.join(str(exc).split())}）")
    return None


def _document(message: str) -> RoutingProblem:
    return RoutingProblem("document", None, None, (), " ".join(message.split()))


class _Checker:
    def __init__(self, table: RoutingTable, vocabulary: RoutingVocabulary) -> None:
        self.table = table
        self.vocabulary = vocabulary
        self.found: list[RoutingProblem] = []
        self.cells: list[list[Cell]] = []  # per rule, per input column

    def problems(self) -> list[RoutingProblem]:
        table = self.table
        if table.hit_policy not in HIT_POLICIES:
            allowed = "、".join(f"{k}（{v}）" for k, v in HIT_POLICIES.items())
            self.found.append(_document(f"命中策略 {table.hit_policy} 不适用于权责清单，请用 {allowed}"))
        if table.input_index(CATEGORY) is None:
            self.found.append(_document(f"缺少输入列 {CATEGORY}（问题类别）"))
        if table.output_index(DEPARTMENT) is None:
            self.found.append(_document(f"缺少输出列 {DEPARTMENT}（主办部门）"))
        for column in table.inputs:
            for message in expression_problems(column.expression):
                self.found.append(_document(f"输入列「{column.label}」的表达式 {column.expression}：{message}"))
        if self.found:
            return self.found
        for rule in table.rules:
            if not rule.fits(table):
                self._add("malformed", rule, f"有 {len(rule.inputs)} 个输入格、{len(rule.outputs)} 个输出格，"
                                             f"表头有 {len(table.inputs)} 个输入列、{len(table.outputs)} 个输出列")
                continue
            self.cells.append([self._input_cell(rule, i) for i in range(len(table.inputs))])
            self._outputs(rule)
        if any(p.kind == "malformed" for p in self.found):
            return self.found  # coverage of cells that do not parse would only add noise
        domains = [self._domain(i) for i in range(len(table.inputs))]
        self._gaps(domains)
        if table.hit_policy == "UNIQUE":
            self._overlaps(domains)
        else:
            self._unreachable(domains)
        return self.found

    # -- rows ---------------------------------------------------------------------------------------------------

    def _row(self, rule: Rule) -> str:
        inputs = "，".join(f"{c.label} {_cell_text(t)}" for c, t in zip(self.table.inputs, rule.inputs))
        outputs = "，".join(f"{c.label} = {t if t is not None else '（空）'}"
                           for c, t in zip(self.table.outputs, rule.outputs))
        return f"第 {rule.row} 行（{rule.id}：{inputs} → {outputs}）"

    def _add(self, kind: str, rule: Rule, message: str) -> None:
        self.found.append(RoutingProblem(kind, rule.row, rule.id, rule.cells(), f"{self._row(rule)}：{message}"))

    def _input_cell(self, rule: Rule, index: int) -> Cell:
        column = self.table.inputs[index]
        cell, problems = parse_cell(rule.inputs[index], column.expression)
        for message in problems:
            self._add("malformed", rule, f"「{column.label}」格 {rule.inputs[index]}：{message}")
        if column.expression == CATEGORY and cell.kind in ("in", "not_in"):
            for value in cell.values:
                if value not in self.vocabulary.categories:
                    self._add("unknown_category", rule, f"未知的问题类别 {show(value)}（管理员未设置此类别）")
        return cell

    def _outputs(self, rule: Rule) -> None:
        values: dict[str, Any] = {}
        for column, text in zip(self.table.outputs, rule.outputs):
            if text is None:
                values[column.name] = None
                continue
            try:
                values[column.name] = ast.literal_eval(text)
            except (ValueError, SyntaxError, TypeError):
                self._add("malformed", rule, f"「{column.label}」格 {text} 不是常量，应写成 \"chengguan\" 之类的值")
                values[column.name] = _UNREADABLE
        lead = values.get(DEPARTMENT)
        if lead is None:
            self._add("malformed", rule, "未填写主办部门（department）")
        elif lead is not _UNREADABLE:
            if not isinstance(lead, str):
                self._add("malformed", rule, f"主办部门应为部门代码字符串，现为 {lead!r}")
            else:
                self._department(rule, lead, "主办部门")
        self._co_departments(rule, values.get(CO_DEPARTMENTS), lead)
        sla = values.get(SLA_CLASS)
        if self.table.output_index(SLA_CLASS) is not None and sla is not _UNREADABLE:
            if not isinstance(sla, str) or sla not in self.vocabulary.sla_classes:
                known = "、".join(sorted(self.vocabulary.sla_classes)) or "（未设置）"
                self._add("unknown_sla_class", rule, f"未知的时限等级 {sla!r}（可用：{known}）")

    def _co_departments(self, rule: Rule, co: Any, lead: Any) -> None:
        if co is None or co is _UNREADABLE:
            return
        codes = [co] if isinstance(co, str) else co
        if not isinstance(codes, (list, tuple)) or not all(isinstance(c, str) for c in codes):
            self._add("malformed", rule, f"协办部门应写成 [\"甲\", \"乙\"] 这样的部门代码列表，现为 {co!r}")
            return
        for code in codes:
            if code == lead:
                self._add("malformed", rule, f"协办部门 {code} 与主办部门相同")
            self._department(rule, code, "协办部门")
        if len(set(codes)) != len(codes):
            self._add("malformed", rule, "协办部门有重复")

    def _department(self, rule: Rule, code: str, role: str) -> None:
        active = self.vocabulary.departments.get(code)
        if active is None:
            self._add("unknown_department", rule, f"{role} {code} 不存在")
        elif not active:
            self._add("disabled_department", rule, f"{role} {code} 已停用")

    # -- coverage -----------------------------------------------------------------------------------------------

    def _domain(self, index: int) -> tuple[Any, ...]:
        column = self.table.inputs[index]
        if column.values:
            declared: Sequence[Any] = column.values
        elif column.expression == CATEGORY:
            declared = [name for name, active in self.vocabulary.categories.items() if active]
        else:
            declared = list(self.vocabulary.domains.get(column.expression, ()))
        return column_domain([cells[index] for cells in self.cells], declared)

    def _gaps(self, domains: list[tuple[Any, ...]]) -> None:
        search = _Search(self.cells, domains)
        gaps = list(search.uncovered(list(range(len(self.cells)))))
        for combination, near in gaps[:MAX_REPORTED]:
            where = "，".join(f"{c.label} {_values(v)}" for c, v in zip(self.table.inputs, combination))
            hint = ""
            if near:
                rows = "、".join(self._row(self.table.rules[i]) for i in near[:3])
                hint = f"；最接近的是 {rows}，但其余条件不一定满足"
            self.found.append(RoutingProblem("gap", None, None, (), f"没有规则必定匹配：{where}{hint}"))
        if len(gaps) > MAX_REPORTED:
            self.found.append(RoutingProblem("gap", None, None, (), f"另有 {len(gaps) - MAX_REPORTED} 处未覆盖的组合"))
        if search.exhausted:
            self.found.append(_document("决策表组合过多，未能检查完是否有遗漏；请减少输入列或取值"))

    def _overlaps(self, domains: list[tuple[Any, ...]]) -> None:
        reported = 0
        for j, later in enumerate(self.cells):
            for i in range(j):
                shared = _shared(self.cells[i], later, domains)
                if shared is None:
                    continue
                reported += 1
                if reported > MAX_REPORTED:
                    continue
                sure = all(self.cells[i][k].kind != "opaque" and later[k].kind != "opaque" for k in range(len(later)))
                where = "，".join(f"{c.label} {_values(v)}" for c, v in zip(self.table.inputs, shared))
                verb = "会" if sure else "可能"
                self._add("overlap", self.table.rules[j],
                          f"与{self._row(self.table.rules[i])}{verb}同时命中（例如 {where}）；"
                          f"命中策略为 UNIQUE 时任何情况只能命中一行")
        if reported > MAX_REPORTED:
            self.found.append(RoutingProblem("overlap", None, None, (), f"另有 {reported - MAX_REPORTED} 对重叠的规则"))

    def _unreachable(self, domains: list[tuple[Any, ...]]) -> None:
        for j, cells in enumerate(self.cells):
            region = [tuple(v for v in domain if cells[k].matches(v) is not False) for k, domain in enumerate(domains)]
            if any(not values for values in region):
                continue  # matches nothing in the domain at all: a gap elsewhere, or a dead category
            earlier = list(range(j))
            search = _Search(self.cells, region)
            if not earlier or next(search.uncovered(earlier), None) is not None or search.exhausted:
                continue
            shadows = [i for i in earlier if _shared(self.cells[i], cells, domains) is not None]
            rows = "、".join(f"第 {self.table.rules[i].row} 行" for i in shadows[:5])
            self._add("unreachable", self.table.rules[j], f"永远不会命中：{rows}已覆盖它的全部情况（命中策略 FIRST 按行序取第一条）")


_UNREADABLE = object()


def _cell_text(text: str | None) -> str:
    if text is None:
        return "任意"
    return text if text[:1] in "<>!=" or text.startswith(("in ", "not ")) or "?" in text else f"= {text}"


def _values(values: Sequence[Any] | None) -> str:
    if values is None:
        return "任意"
    if len(values) == 1:
        return f"= {show(values[0])}"
    shown = "、".join(show(v) for v in values[:6])
    return f"∈ {{{shown}{' …' if len(values) > 6 else ''}}}"


def _shared(a: list[Cell], b: list[Cell], domains: list[tuple[Any, ...]]) -> list[tuple[Any, ...]] | None:
    """Per column, one value both rows may match; ``None`` when some column keeps them apart."""
    example: list[tuple[Any, ...]] = []
    for k, domain in enumerate(domains):
        both = [v for v in domain if a[k].matches(v) is not False and b[k].matches(v) is not False]
        if not both:
            return None
        example.append((both[0],))
    return example


class _Search:
    """Finds the combinations of column values that no candidate row is sure to match.

    Columns are taken one at a time; values that leave the same rows in play are
    grouped and followed once, so the work follows the table's structure, not the
    product of the domains.
    """

    def __init__(self, cells: list[list[Cell]], domains: Sequence[Sequence[Any]]) -> None:
        self.cells = cells
        self.domains = domains
        self.nodes = 0
        self.exhausted = False

    def uncovered(self, rules: list[int]) -> Iterator[tuple[list[tuple[Any, ...] | None], list[int]]]:
        """Yield (per column the values of one uncovered group or ``None`` for any, the rows matching so far)."""
        yield from self._walk(0, rules, [])

    def _walk(self, column: int, rules: list[int], prefix: list[tuple[Any, ...] | None]
              ) -> Iterator[tuple[list[tuple[Any, ...] | None], list[int]]]:
        if column == len(self.domains):
            return
        groups: dict[tuple[int, ...], list[Any]] = {}
        for value in self.domains[column]:
            self.nodes += 1
            if self.nodes > MAX_SEARCH_NODES:
                self.exhausted = True
                return
            left = tuple(r for r in rules if self.cells[r][column].matches(value) is True)
            groups.setdefault(left, []).append(value)
        for left, values in groups.items():
            here: list[tuple[Any, ...] | None] = [*prefix, tuple(values)]
            if not left:  # the columns after this one do not matter: nothing is left to match them
                yield [*here, *[None] * (len(self.domains) - column - 1)], rules if column > 0 else []
                continue
            yield from self._walk(column + 1, list(left), here)
