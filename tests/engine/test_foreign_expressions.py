"""Conditions and timers written for other engines: FEEL conditions and unquoted ISO 8601 dates and cycles.

JUEL (``${…}``) and the unquoted duration are covered by the dibao import and test_spec_validation; these are
the other translation paths a Camunda 8, Trisotech or Signavio export takes.
"""
from __future__ import annotations

import pytest

from engine.bpmn.foreign_expressions import translate
from engine.bpmn.importing import apply_import, review
from engine.bpmn.parser import parse_process
from engine.bpmn.timers import bare_iso_literal, timer_definitions
from engine.specs.validation import problems_of
from tests.fixtures.process_versions import DIAGRAMS

MINIMAL = (DIAGRAMS / "valid_minimal.bpmn").read_text(encoding="utf-8")
_DURATION = '<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">"PT72H"</bpmn:timeDuration>'
_DONE = "<bpmn:conditionExpression xsi:type=\"bpmn:tFormalExpression\">result == 'done'</bpmn:conditionExpression>"
_OPEN = "<bpmn:conditionExpression xsi:type=\"bpmn:tFormalExpression\">result != 'done'</bpmn:conditionExpression>"


# -- FEEL conditions ------------------------------------------------------------------------------

@pytest.mark.parametrize(("feel", "language", "expected"), [
    ('decision = "adopt"', None, 'decision == "adopt"'),                      # a lone "=" says FEEL
    ('= decision = "adopt"', None, 'decision == "adopt"'),                    # Camunda 8's "=" prefix
    ('=amount > 100 and not(rejected)', None, "amount > 100 and not (rejected)"),
    ("approved = true", "feel", "approved == True"),                          # language="feel"
    ("approved", "http://www.omg.org/spec/FEEL/20140401", "approved"),
    ("score >= 60 or vip = true", "FEEL", "score >= 60 or vip == True"),
    ("note = null", "https://www.omg.org/spec/DMN/20191111/FEEL/", "note == None"),
])
def test_a_simple_feel_condition_becomes_the_casegrid_expression_it_means(
        feel: str, language: str | None, expected: str) -> None:
    result = translate(feel, language)
    assert (result.dialect, result.expression, result.problem) == ("feel", expected, None)
    assert result.changed == (expected != feel.strip())


@pytest.mark.parametrize(("feel", "says"), [
    ('= date(due) < today()', "无法转换"),           # FEEL functions have no casegrid counterpart
    ("= amount in [1..5]", "无法转换"),              # a FEEL range is not a Python list
    ("=", "FEEL 条件是空的"),
    ('= count(items) > 2', "无法转换"),
])
def test_a_feel_condition_casegrid_cannot_run_is_refused_in_chinese(feel: str, says: str) -> None:
    result = translate(feel)
    assert result.expression is None and result.dialect == "feel"
    assert result.problem is not None and says in result.problem


def _with_conditions(done: str, not_done: str, language: str = "") -> str:
    lang = f' language="{language}"' if language else ""
    return (MINIMAL
            .replace(_DONE, f'<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression"{lang}>{done}</bpmn:conditionExpression>')
            .replace(_OPEN, f'<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression"{lang}>{not_done}</bpmn:conditionExpression>'))


@pytest.mark.parametrize(("done", "not_done", "language"), [
    ('= result = "done"', '= not(result = "done")', ""),                       # Camunda 8 / Zeebe
    ('result = "done"', 'result != "done"', "http://www.omg.org/spec/FEEL/20140401"),  # Trisotech / Signavio
])
def test_a_diagram_with_feel_conditions_is_refused_with_the_translation_then_imports_and_runs_them(
        done: str, not_done: str, language: str) -> None:
    xml = _with_conditions(done, not_done, language)
    refused = problems_of(xml)  # as drawn: each condition refused, naming its flow, with the translation as the fix
    assert [p.element_id for p in refused] == ["gw", "gw"]
    assert "f_done" in refused[0].message and "FEEL" in refused[0].message and 'result == "done"' in refused[0].message
    assert "f_open" in refused[1].message

    expected = {"f_done": 'result == "done"', "f_open": 'not (result == "done")' if "not(" in not_done else 'result != "done"'}
    asked = review(xml)  # the import dialog shows each translation for confirmation
    assert {q.flow_id: q.translation.expression for q in asked.conditions} == expected
    imported = apply_import(xml, key="minimal", name="最小流程")
    assert problems_of(imported) == []
    # What is written into the diagram, and what the gateway then evaluates, is the translation.
    gateway = parse_process(imported, "minimal").spec.task_specs["gw"]
    assert {target: condition.args[0] for condition, target in gateway.cond_task_specs} == {
        "end_ok": expected["f_done"], "end_late": expected["f_open"]}


# -- unquoted ISO 8601 dates and cycles -----------------------------------------------------------

@pytest.mark.parametrize(("timer", "means"), [
    ("<bpmn:timeDate>2026-05-01T09:00:00+08:00</bpmn:timeDate>", "'2026-05-01T09:00:00+08:00'"),
    ("<bpmn:timeDate> 2026-05-01T01:00:00Z </bpmn:timeDate>", "'2026-05-01T01:00:00Z'"),
    ("<bpmn:timeDate>2026-05-01</bpmn:timeDate>", "'2026-05-01'"),
    ("<bpmn:timeCycle>R3/PT1H</bpmn:timeCycle>", "'R3/PT1H'"),
    ("<bpmn:timeCycle>R2/2026-05-01T09:00:00+08:00/P1D</bpmn:timeCycle>", None),  # start/duration: see below
    ("<bpmn:timeDuration>P5D</bpmn:timeDuration>", "'P5D'"),
])
def test_an_unquoted_iso_date_or_cycle_is_accepted_as_the_literal_it_means(timer: str, means: str | None) -> None:
    xml = MINIMAL.replace(_DURATION, timer)
    found = problems_of(xml)
    if means is None:  # three parts: either accepted as written, or refused in Chinese, never a crash
        assert all("ISO 8601" in p.message or "周期" in p.message for p in found)
        return
    assert found == []
    [definition] = timer_definitions(parse_process(xml, "minimal").spec.task_specs["timer_check"])
    assert definition.expression == means


@pytest.mark.parametrize("timer", [
    "<bpmn:timeDate>2026-02-30T09:00:00+08:00</bpmn:timeDate>",   # no 30 February
    "<bpmn:timeCycle>R3/PT</bpmn:timeCycle>",
    "<bpmn:timeCycle>R/P1D</bpmn:timeCycle>",                     # unbounded: casegrid wants a count
    "<bpmn:timeDate>next friday</bpmn:timeDate>",
])
def test_an_unquoted_value_that_is_not_valid_iso_8601_is_refused_in_chinese(timer: str) -> None:
    found = problems_of(MINIMAL.replace(_DURATION, timer))
    assert len(found) == 1 and found[0].element_id == "timer_check"
    assert "ISO 8601" in found[0].message or "重复次数" in found[0].message


@pytest.mark.parametrize(("text", "quoted"), [
    ("P7D", "'P7D'"), ("PT72H", "'PT72H'"), ("R3/P1D", "'R3/P1D'"),
    ("2026-03-02T17:00:00+08:00", "'2026-03-02T17:00:00+08:00'"), ("2026-03-02T17:00:00+0800", "'2026-03-02T17:00:00+0800'"),
    ('"P7D"', None), ("workdays(3)", None), ("due_at", None), ("", None), (None, None), ("P7D; import os", None),
])
def test_only_a_bare_iso_value_is_quoted(text: str | None, quoted: str | None) -> None:
    assert bare_iso_literal(text) == quoted
