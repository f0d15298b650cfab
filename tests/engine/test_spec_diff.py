"""The semantic diff names added, removed and changed elements, conditions, timers, lanes and form fields."""
from __future__ import annotations

import pytest

from engine.errors import SpecError
from engine.specs.diff import ADDED, CHANGED, REMOVED, Detail, diff_xml
from tests.fixtures.process_versions import (
    civic_loop,
    replace_once,
    with_accept_timer,
    with_completion_field,
    with_label,
    without,
)


def test_a_diagram_has_no_difference_with_itself_even_reformatted() -> None:
    assert not diff_xml(civic_loop(), civic_loop().replace("\n    ", "\n  "))


def test_moving_shapes_is_not_a_change() -> None:
    moved = civic_loop().replace('<dc:Bounds x="', '<dc:Bounds x="1', 3)
    assert moved != civic_loop() and not diff_xml(civic_loop(), moved)


def test_the_known_pair_civic_loop_v1_to_v2() -> None:
    """The pair from the issue: accept timer workdays(2), a renamed label, an added field, a removed element."""
    v2 = with_completion_field(with_label(with_accept_timer(civic_loop(), "workdays(2)"), "现场情况", "现场核实情况"))
    v2 = without(v2, "timer_rating", "default_rating")
    diff = diff_xml(civic_loop(), v2)
    assert diff.changed == ["lane_resident", "timer_accept", "on_site", "complete"]
    assert diff.removed == ["timer_rating", "default_rating", "flow_timer_rating_default_rating",
                            "flow_default_rating_close_resolved"]
    assert diff.added == []
    timer = diff.change_of("timer_accept")
    assert timer is not None and timer.element_type == "boundaryEvent" and timer.name == "签收超时"
    assert timer.details == (Detail("timer", "timeDate: accept_due", "timeDate: workdays(2)"),)
    assert diff.change_of("on_site").details == (Detail("field_label", "现场情况", "现场核实情况", "on_site_note"),)
    assert diff.change_of("complete").details == (Detail("field_added", None, "费用（元）（long）", "cost"),)
    removed = diff.change_of("timer_rating")
    assert (removed.change, removed.element_type, removed.name) == (REMOVED, "boundaryEvent", "7日未评价")
    lane = diff.change_of("lane_resident")
    assert lane.details[0].what == "members" and "timer_rating" in lane.details[0].old
    assert "timer_rating" not in lane.details[0].new


def test_a_changed_gateway_condition_is_named_on_its_flow() -> None:
    new = civic_loop().replace("accept_decision == 'return'", "accept_decision in ('return', 'refuse')")
    [change] = diff_xml(civic_loop(), new).changes
    assert (change.element_id, change.element_type, change.change) == ("flow_gw_accept_unit_returned",
                                                                      "sequenceFlow", CHANGED)
    assert change.details == (Detail("condition", "accept_decision == 'return'",
                                     "accept_decision in ('return', 'refuse')"),)


def test_a_task_moved_to_another_lane_changes_the_task_and_both_lanes() -> None:
    new = replace_once(civic_loop(), "        <bpmn:flowNodeRef>report_part</bpmn:flowNodeRef>\n", "")
    new = replace_once(new, "        <bpmn:flowNodeRef>triage_overdue</bpmn:flowNodeRef>\n",
                       "        <bpmn:flowNodeRef>triage_overdue</bpmn:flowNodeRef>\n"
                       "        <bpmn:flowNodeRef>report_part</bpmn:flowNodeRef>\n")
    diff = diff_xml(civic_loop(), new)
    assert diff.change_of("report_part").details == (Detail("lane", "职能部门", "街道督办"),)
    assert set(diff.changed) == {"report_part", "lane_department", "lane_supervisor"}


def test_a_renamed_lane_is_a_changed_name() -> None:
    new = replace_once(civic_loop(), 'name="社区治理委员会">', 'name="居民议事会">')
    diff = diff_xml(civic_loop(), new)
    assert diff.change_of("lane_council").details == (Detail("name", "社区治理委员会", "居民议事会"),)
    assert diff.change_of("deliberate").details == (Detail("lane", "社区治理委员会", "居民议事会"),)


def test_form_field_type_validation_and_options_changes_are_each_named() -> None:
    new = replace_once(civic_loop(), '<camunda:value id="defer" name="暂缓"/>', "")
    new = replace_once(new, '<camunda:constraint name="maxlength" config="2000"/>\n            </camunda:validation>\n'
                       '          </camunda:formField>\n          <camunda:formField id="reason"',
                       '<camunda:constraint name="maxlength" config="500"/>\n            </camunda:validation>\n'
                       '          </camunda:formField>\n          <camunda:formField id="reason"')
    new = replace_once(new, 'id="deadline" label="完成时限" type="date"', 'id="deadline" label="完成时限" type="string"')
    details = diff_xml(civic_loop(), new).change_of("deliberate").details
    assert Detail("field_options", "adopt=通过, reject=不通过, defer=暂缓, household_vote=提交户主表决",
                  "adopt=通过, reject=不通过, household_vote=提交户主表决", "decision") in details
    assert Detail("field_type", "date", "string", "deadline") in details
    assert Detail("field_validation", "maxlength=2000", "maxlength=500", "resolution_text") in details


def test_an_added_element_is_reported_with_its_type_and_name() -> None:
    new = replace_once(civic_loop(), '<bpmn:endEvent id="end_resolved" name="办结">',
                       '<bpmn:endEvent id="end_archived" name="归档"/>\n    <bpmn:endEvent id="end_resolved" name="办结">')
    [change] = diff_xml(civic_loop(), new).changes
    assert (change.element_id, change.element_type, change.name, change.change) == (
        "end_archived", "endEvent", "归档", ADDED)


def test_a_diagram_that_is_not_xml_cannot_be_compared() -> None:
    with pytest.raises(SpecError):
        diff_xml(civic_loop(), "<bpmn:definitions>")


def test_attributes_left_at_their_bpmn_default_are_no_change() -> None:
    """bpmn-js drops cancelActivity="true" when it saves a diagram: that alone must not show as a change."""
    assert not diff_xml(civic_loop(), civic_loop().replace(' cancelActivity="true"', ""))
