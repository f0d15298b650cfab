"""Bad diagrams are refused with a message that names the element (DESIGN.md §5)."""
from __future__ import annotations

import pytest

from engine.bpmn.parser import MAX_BPMN_BYTES, parse_process
from engine.errors import SpecError
from tests.fixtures.diagrams import BILLION_LAUGHS, EXTERNAL_ENTITY, gateway_process


def test_the_civic_loop_seed_parses_with_a_role_for_every_user_task() -> None:
    from bpmn import SEED_DIR
    process = parse_process((SEED_DIR / "civic_loop.bpmn").read_bytes())
    assert process.key == "civic_loop"
    assert {t.role.value for t in process.human_tasks.values()} == {
        "grid_worker", "council", "department", "supervisor", "resident"}
    assert all(t.form.fields for t in process.human_tasks.values())


@pytest.mark.parametrize("xml", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["billion_laughs", "external_entity"])
def test_dtds_and_entities_are_refused_before_parsing(xml: str) -> None:
    with pytest.raises(SpecError, match="DTD"):
        parse_process(xml)


def test_an_oversized_file_is_refused() -> None:
    with pytest.raises(SpecError, match="过大"):
        parse_process(gateway_process() + " " * MAX_BPMN_BYTES)


def test_xml_that_is_not_well_formed_is_refused() -> None:
    with pytest.raises(SpecError, match="XML"):
        parse_process("<bpmn:definitions>")


def test_a_user_task_in_a_lane_that_names_no_role_is_refused() -> None:
    with pytest.raises(SpecError) as refused:
        parse_process(gateway_process(lane="财务科"))
    assert any(p.startswith("ask:") and "财务科" in p for p in refused.value.problems)


def test_a_form_field_of_unknown_type_is_refused() -> None:
    with pytest.raises(SpecError) as refused:
        parse_process(gateway_process(field_type="color"))
    assert any(p.startswith("ask:") and "color" in p for p in refused.value.problems)


def test_a_flow_to_a_missing_element_is_refused_naming_the_flow() -> None:
    with pytest.raises(SpecError) as refused:
        parse_process(gateway_process().replace('targetRef="end_b"', 'targetRef="nowhere"'))
    assert any(p.startswith("f5:") for p in refused.value.problems)


def test_an_element_id_reused_by_a_form_option_is_refused() -> None:
    xml = gateway_process(field_type="enum").replace(
        'type="enum"/>', 'type="enum"><camunda:value id="calc" name="计算"/></camunda:formField>')
    with pytest.raises(SpecError) as refused:
        parse_process(xml)
    assert any(p.startswith("calc:") for p in refused.value.problems)
