"""The forms of the dispatch actions. Each checks what a person can get wrong before the engine is asked;
the engine checks the same again (whatever interface the request came from) and its field errors are
placed next to the same fields."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, Field, RadioField, SelectChoice, SelectField, SelectMultipleField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class EngineErrors:
    """Put the engine's field errors next to this form's fields; return the ones that name no field."""

    def add_engine_errors(self, errors: Mapping[str, str]) -> list[str]:
        unplaced = []
        for name, message in errors.items():
            field: Field | None = getattr(self, name, None) if name in self._fields else None  # type: ignore[attr-defined]
            if field is None:
                unplaced.append(message)
            else:
                field.errors = [*field.errors, message]
        return unplaced


class WhistleForm(EngineErrors, FlaskForm):
    """吹哨: summon a lead department (牵头) and one or more co-departments (协办)."""

    lead = SelectField(_l("牵头部门"), validate_choice=False,
                                  validators=[InputRequired(_l("请选择牵头部门"))])
    co_departments = SelectMultipleField(_l("协办部门"), validate_choice=False,
                                         description=_l("可多选（按住 Ctrl 键点选）"))
    reason = TextAreaField(_l("吹哨事由"), filters=[_strip],
                           validators=[DataRequired(_l("请说明吹哨事由")),
                                       Length(max=1000, message=_l("最多 %(max)d 个字"))])

    def __init__(self, *args: Any, departments: Mapping[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.departments = departments
        self.lead.choices = [SelectChoice("", _l("请选择"))] + \
            [SelectChoice(code, name) for code, name in departments.items()]
        self.co_departments.choices = [SelectChoice(code, name) for code, name in departments.items()]

    def validate_lead(self, field: SelectField) -> None:
        if field.data not in self.departments:
            raise ValidationError(_l("该部门不存在或已停用，请重新选择"))

    def validate_co_departments(self, field: SelectMultipleField) -> None:
        codes = field.data or []
        if not codes:
            raise ValidationError(_l("请至少选择一个协办部门"))
        if any(code not in self.departments for code in codes):
            raise ValidationError(_l("所选部门中有不存在或已停用的部门，请重新选择"))
        if self.lead.data in codes:
            raise ValidationError(_l("牵头部门不能同时列为协办部门"))


class ExtensionRequestForm(EngineErrors, FlaskForm):
    """申请延期: a reason and the new completion date."""

    new_due = DateField(_l("申请延至"), format="%Y-%m-%d", description=_l("格式：年-月-日，例如 2026-03-20"),
                        validators=[InputRequired(_l("请填写申请延至的日期"))])
    reason = TextAreaField(_l("延期理由"), filters=[_strip],
                           validators=[DataRequired(_l("请说明延期理由")),
                                       Length(max=1000, message=_l("最多 %(max)d 个字"))])

    def __init__(self, *args: Any, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    def validate_new_due(self, field: DateField) -> None:
        if field.data is not None and field.data <= self.today:
            raise ValidationError(_l("延期日期必须晚于今天"))


DECISIONS = [SelectChoice("approve", _l("同意延期")), SelectChoice("refuse", _l("不同意"))]


class ExtensionDecisionForm(EngineErrors, FlaskForm):
    """The supervisor's answer to an extension request."""

    decision = RadioField(_l("审批意见"), choices=DECISIONS, validators=[InputRequired(_l("请选择一项"))])
    note = TextAreaField(_l("说明"), filters=[_strip],
                         validators=[Optional(), Length(max=1000, message=_l("最多 %(max)d 个字"))])

    def validate_note(self, field: TextAreaField) -> None:
        if self.decision.data == "refuse" and not field.data:
            raise ValidationError(_l("不同意延期时请说明理由"))


class UrgeForm(EngineErrors, FlaskForm):
    """催办: the supervisor urges an open assignment; the department is notified."""

    message = TextAreaField(_l("催办意见"), filters=[_strip],
                         validators=[DataRequired(_l("请填写催办意见")),
                                     Length(max=500, message=_l("最多 %(max)d 个字"))])
