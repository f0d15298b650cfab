"""The form a case of a process starts with: the form fields of the process's start event.

SpiffWorkflow's Camunda parser reads ``camunda:formData`` on user tasks only; a start event's fields
would be dropped. They are read here with the same reader, so a start form and a task form mean
the same thing (:mod:`engine.bpmn.forms`).
"""
from __future__ import annotations

from types import SimpleNamespace

from lxml import etree
from SpiffWorkflow.bpmn.parser.node_parser import NodeParser
from SpiffWorkflow.camunda.parser.CamundaParser import NSMAP
from SpiffWorkflow.camunda.parser.task_spec import UserTaskParser

from engine.bpmn.forms import FIELD_TYPES, FormSpec, form_from_spec

_NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL"}


def start_event_of(root: etree._Element, key: str) -> etree._Element | None:
    """The none start event of process ``key`` (the one a new case starts at), if it has one."""
    for process in root.iterfind("bpmn:process", _NS):
        if process.get("id") != key:
            continue
        for start in process.iterfind("bpmn:startEvent", _NS):
            if not any(isinstance(c.tag, str) and c.tag.endswith("EventDefinition") for c in start):
                return start
    return None


class _FormReader(UserTaskParser):
    """SpiffWorkflow's form reader applied to any element (it only needs the node and the namespaces)."""

    def __init__(self, node: etree._Element) -> None:  # noqa: D107 - no parser context is needed to read a form
        NodeParser.__init__(self, node, NSMAP)


def start_form_of(root: etree._Element, key: str) -> tuple[FormSpec, list[str]]:
    """The start event's form and what is wrong with it (field types casegrid cannot show)."""
    start = start_event_of(root, key)
    if start is None:
        return FormSpec(key=None), []
    form = form_from_spec(SimpleNamespace(form=_FormReader(start).get_form()))
    problems = [f"{start.get('id')}: 开始表单的字段 {f.id} 的类型 {f.type} 不受支持（可用：{', '.join(FIELD_TYPES)}）"
                for f in form.fields if f.type not in FIELD_TYPES]
    return form, problems
