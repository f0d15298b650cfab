"""The task form honours the diagram's field properties: a multi-select for ``multiple``, the workflow's
suggestion as the starting value (``prefill``), and the data attributes static/js/shown_when.js reads."""
from __future__ import annotations

import re

import pytest
from flask import Flask, render_template_string

from engine.bpmn.forms import FormField, FormSpec, Option
from web.inbox.task_form import TaskForm

SPEC = FormSpec("pick", (
    FormField("decision", "结果", "enum", required=True, options=(Option("dispatch", "派单"), Option("whistle", "吹哨"))),
    FormField("department", "部门", "string", options_source="departments", prefill="suggested_department",
              shown_when=("decision", ("dispatch", "whistle"))),
    FormField("co", "协办部门", "string", options_source="departments", multiple=True),
))
OPTIONS = {"departments": {"chengguan": "城管执法中队", "zhujian": "住建办", "gongan": "派出所"}}

pytestmark = pytest.mark.parametrize("db", ["sqlite"], indirect=True)


def rendered(app: Flask, prefill: dict[str, object], formdata: dict[str, object] | None = None) -> tuple[TaskForm, str]:
    with app.test_request_context("/", method="POST" if formdata else "GET", data=formdata):
        form = TaskForm.for_task(SPEC, options=OPTIONS, prefill=prefill, data={"case_version": 1},
                                 meta={"csrf": False})
        html = render_template_string('{% from "_form.html" import field %}'
                                      '{% for f in form.task_fields() %}{{ field(f) }}{% endfor %}', form=form)
        return form, html


def test_the_suggested_department_is_preselected(app: Flask) -> None:
    _form, html = rendered(app, {"department": "zhujian", "co": ["gongan", "chengguan"]})
    assert '<option selected value="zhujian">住建办</option>' in html
    assert '<option selected value="gongan">派出所</option>' in html
    assert '<option selected value="chengguan">城管执法中队</option>' in html


def test_a_multiple_field_is_a_multi_select_and_its_answer_a_list(app: Flask) -> None:
    form, html = rendered(app, {}, {"case_version": "1", "decision": "whistle", "department": "chengguan",
                                    "co": ["zhujian", "gongan"]})
    assert re.search(r'<select[^>]* multiple[^>]* name="co"', html)
    assert form.validate()
    assert form.engine_data() == {"decision": "whistle", "department": "chengguan", "co": ["zhujian", "gongan"]}


def test_a_field_shown_only_for_some_answers_names_them_for_the_script(app: Flask) -> None:
    _form, html = rendered(app, {})
    assert 'data-shown-when="decision"' in html and 'data-shown-values="dispatch,whistle"' in html


def test_a_suggestion_of_the_wrong_shape_is_not_used(app: Flask) -> None:
    form, _html = rendered(app, {"department": ["zhujian"], "co": "gongan"})
    assert form["department"].data in (None, "") and form["co"].data in (None, [])
