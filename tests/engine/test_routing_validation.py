"""Routing-table validation: every problem names the row (number, id, cells) or the uncovered combination."""
from __future__ import annotations

from engine.routing.validation import routing_problems
from tests.fixtures.routing import COMPLETE_ROWS, VOCABULARY, routing_dmn


def problems(dmn: str, kind: str | None = None) -> list:
    found = routing_problems(dmn, VOCABULARY)
    return [p for p in found if kind is None or p.kind == kind]


def test_a_complete_table_has_no_problems() -> None:
    assert problems(routing_dmn(COMPLETE_ROWS)) == []


def test_a_category_without_a_row_is_a_gap_naming_the_category() -> None:
    found = problems(routing_dmn(COMPLETE_ROWS[:2]))
    assert [p.kind for p in found] == ["gap"]
    assert '"噪音扰民"' in found[0].message and found[0].row is None


def test_a_deactivated_category_needs_no_row_but_may_keep_one() -> None:
    rows = [*COMPLETE_ROWS, ['"旧类别"', '"minzheng"', "", '"ordinary"']]
    assert problems(routing_dmn(rows)) == []


def test_two_rows_for_one_category_overlap_under_unique_naming_both_rows() -> None:
    rows = [*COMPLETE_ROWS, ['in ("公共设施", "环境卫生")', '"minzheng"', "", '"ordinary"']]
    found = problems(routing_dmn(rows))
    assert [p.kind for p in found] == ["overlap", "overlap"]
    first = found[0]
    assert first.row == 4 and first.rule_id == "rule_4"
    assert first.cells == ('in ("公共设施", "环境卫生")', '"minzheng"', "-", '"ordinary"')
    assert "第 4 行（rule_4" in first.message and "第 1 行（rule_1" in first.message
    assert "会同时命中" in first.message


def test_under_first_overlaps_are_allowed_but_a_shadowed_row_is_unreachable() -> None:
    rows = [['"公共设施"', '"zhujian"', "", '"ordinary"'],
            ["-", '"chengguan"', "", '"ordinary"'],
            ['"环境卫生"', '"minzheng"', "", '"ordinary"']]
    found = problems(routing_dmn(rows, hit_policy="FIRST"))
    assert [(p.kind, p.row) for p in found] == [("unreachable", 3)]
    assert "第 2 行" in found[0].message


def test_unknown_and_disabled_departments_and_unknown_sla_and_category_name_the_row() -> None:
    rows = [['"公共设施"', '"nobody"', '["old_dept"]', '"ordinary"'],
            ['"环境卫生"', '"chengguan"', "[]", '"slow"'],
            ['"噪音扰民"', '"chengguan"', "", '"urgent"'],
            ['"不存在的类别"', '"chengguan"', "", '"urgent"']]
    found = {(p.kind, p.row) for p in problems(routing_dmn(rows))}
    assert found == {("unknown_department", 1), ("disabled_department", 1), ("unknown_sla_class", 2),
                     ("unknown_category", 4)}
    message = next(p.message for p in problems(routing_dmn(rows), "unknown_department"))
    assert message.startswith("第 1 行（rule_1：类别 = \"公共设施\"") and "nobody" in message


def test_a_feel_list_cell_is_malformed_because_the_engine_would_compare_a_tuple() -> None:
    rows = [*COMPLETE_ROWS[1:], ['"公共设施","噪音扰民"', '"zhujian"', "", '"ordinary"']]
    found = problems(routing_dmn(rows), "malformed")
    assert len(found) == 1 and found[0].row == 3 and 'in ("公共设施","噪音扰民")' in found[0].message


def test_malformed_cells_name_row_and_column() -> None:
    rows = [['"公共设施"', "zhujian(", "", '"ordinary"'],
            ['__import__("os")', '"chengguan"', "", '"ordinary"'],
            ['"噪音扰民"', "", "", '"urgent"'],
            ['"环境卫生"', '"chengguan"', '"zhujian" +', '"urgent"']]
    found = problems(routing_dmn(rows))
    assert {p.kind for p in found} == {"malformed"}
    assert {p.row for p in found} == {1, 2, 3, 4}
    assert all(p.message.startswith(f"第 {p.row} 行（rule_{p.row}") for p in found)


def test_a_coverage_combination_within_declared_input_values_is_a_gap() -> None:
    rows = [['"公共设施"', '"一般"', '"zhujian"', "", '"ordinary"'],
            ['"公共设施"', 'in ("紧急", "特急")', '"chengguan"', "", '"urgent"'],
            ['"环境卫生"', '"一般"', '"chengguan"', "", '"ordinary"'],
            ['"噪音扰民"', "-", '"chengguan"', "", '"ordinary"']]
    found = problems(routing_dmn(rows, inputs=("category", "priority")))
    assert [p.kind for p in found] == ["gap"]
    assert '类别 = "环境卫生"' in found[0].message and '"紧急"' in found[0].message and '"特急"' in found[0].message
    assert "第 3 行" in found[0].message  # the row that nearly covers it


def test_a_keyword_row_covers_nothing_for_sure_and_overlaps_its_fallback() -> None:
    rows = [['"公共设施"', '"路灯" in ?', '"chengguan"', "", '"ordinary"'],
            ['"环境卫生"', "-", '"chengguan"', "", '"ordinary"'],
            ['"噪音扰民"', "-", '"chengguan"', "", '"ordinary"']]
    found = problems(routing_dmn(rows, inputs=("category", "description")))
    assert [p.kind for p in found] == ["gap"] and '"公共设施"' in found[0].message
    fallback = [*rows, ['"公共设施"', "-", '"zhujian"', "", '"ordinary"']]
    found = problems(routing_dmn(fallback, inputs=("category", "description")))
    assert [(p.kind, p.row) for p in found] == [("overlap", 4)] and "可能同时命中" in found[0].message
    assert problems(routing_dmn(fallback, inputs=("category", "description"), hit_policy="FIRST")) == []


def test_an_open_column_without_declared_values_needs_a_catch_all() -> None:
    rows = [['"公共设施"', '"东湖社区"', '"zhujian"', "", '"ordinary"'],
            ['"公共设施"', '!= "东湖社区"', '"chengguan"', "", '"ordinary"'],
            ['"环境卫生"', '"东湖社区"', '"chengguan"', "", '"ordinary"'],
            ['"噪音扰民"', "-", '"chengguan"', "", '"ordinary"']]
    found = problems(routing_dmn(rows, inputs=("category", "community")))
    assert [p.kind for p in found] == ["gap"] and "其他任何值" in found[0].message


def test_numeric_ranges_are_checked_for_gaps_and_overlaps() -> None:
    rows = [['"公共设施"', "< 3", '"zhujian"', "", '"ordinary"'],
            ['"公共设施"', "> 3", '"chengguan"', "", '"ordinary"'],
            ['"环境卫生"', "<= 3", '"chengguan"', "", '"ordinary"'],
            ['"环境卫生"', ">= 3", '"zhujian"', "", '"ordinary"'],
            ['"噪音扰民"', "-", '"chengguan"', "", '"ordinary"']]
    found = problems(routing_dmn(rows, inputs=("category", "floors")))
    assert sorted((p.kind, p.row) for p in found) == [("gap", None), ("overlap", 4)]
    gap = next(p for p in found if p.kind == "gap")
    assert "floors = 3" in gap.message


def test_hit_policy_and_missing_columns_are_table_problems() -> None:
    found = problems(routing_dmn(COMPLETE_ROWS, hit_policy="COLLECT"))
    assert [p.kind for p in found] == ["document"] and "COLLECT" in found[0].message
    found = problems(routing_dmn([['"东湖社区"', '"zhujian"']], inputs=("community",), outputs=("department",)))
    assert [p.kind for p in found] == ["document"] and "category" in found[0].message


def test_a_row_with_too_few_cells_names_the_row() -> None:
    dmn = routing_dmn([['"公共设施"', '"zhujian"', "[]"]])
    found = problems(dmn)
    assert [(p.kind, p.row) for p in found] == [("malformed", 1)]
    assert found[0].message.startswith("第 1 行（rule_1") and "3 个输出列" in found[0].message


def test_hostile_or_broken_documents_are_refused_not_raised() -> None:
    bomb = ('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
            '<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/">&b;</definitions>')
    external = ('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                '<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/">&x;</definitions>')
    for data in (bomb, external, "not xml", b"\xff\xfe", "<bpmn/>", "x" * (3 * 1024 * 1024), ""):
        found = routing_problems(data, VOCABULARY)
        assert found and all(p.kind == "document" for p in found), data[:40]
    assert "DTD" in routing_problems(bomb, VOCABULARY)[0].message


def test_a_table_the_engine_cannot_read_is_refused() -> None:
    # DMN allows rule-annotation clauses; SpiffWorkflow's parser stops at them, so they must not reach publish.
    dmn = routing_dmn(COMPLETE_ROWS).replace("<rule ", '<annotation name="备注"/><rule ', 1)
    found = routing_problems(dmn, VOCABULARY)
    assert [p.kind for p in found] == ["document"] and "流程引擎无法读取" in found[0].message


def test_the_seeded_organisation_is_the_vocabulary_and_a_row_per_category_passes(db) -> None:
    from engine.people.directory import organisation
    from engine.routing.vocabulary import vocabulary_from

    with db.transaction() as s:
        vocabulary = vocabulary_from(s, {"ordinary"})
        org = organisation(s)
    department = next(d.code for d in org.departments if d.active)
    rows = [[f'"{c.name}"', f'"{department}"', "[]", '"ordinary"'] for c in org.categories if c.active]
    assert rows and routing_problems(routing_dmn(rows), vocabulary) == []
    found = routing_problems(routing_dmn(rows[1:]), vocabulary)
    assert [p.kind for p in found] == ["gap"] and org.categories[0].name in found[0].message
    assert set(vocabulary.domains["grid"]) == {g.code for g in org.grids}


def test_in_a_document_with_several_decisions_the_routing_decision_is_checked() -> None:
    sla = ('<decision id="sla" name="时限"><decisionTable id="sla_table"><input id="sla_in" label="等级">'
           '<inputExpression id="sla_ie" typeRef="string"><text>sla_class</text></inputExpression></input>'
           '<output id="sla_out" name="accept_limit" typeRef="string"/><rule id="sla_1"><inputEntry id="s1i">'
           '<text>-</text></inputEntry><outputEntry id="s1o"><text>"24h"</text></outputEntry></rule>'
           "</decisionTable></decision>")
    both = routing_dmn(COMPLETE_ROWS).replace("</definitions>", f"{sla}</definitions>")
    assert routing_problems(both, VOCABULARY) == []
    found = routing_problems(routing_dmn(COMPLETE_ROWS[1:]).replace("</definitions>", f"{sla}</definitions>"),
                             VOCABULARY)
    assert [p.kind for p in found] == ["gap"]


def test_an_id_used_twice_is_refused_because_the_editor_would_drop_the_element() -> None:
    # dmn-js keeps the first element with an id and drops the next one: saving from the editor would lose it.
    dmn = routing_dmn(COMPLETE_ROWS).replace('id="routing_defs"', 'id="routing"')
    found = routing_problems(dmn, VOCABULARY)
    assert [p.kind for p in found] == ["document"] and found[0].message.startswith("routing: id 重复")
