"""The form of a user task, built at request time from the diagram's ``camunda:formData``.

The WTForms checks mirror the diagram's constraints so a person sees mistakes
next to the fields before anything reaches the engine; the engine checks the
same submission again, whatever interface it came from.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, ClassVar

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    Field,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.core import UnboundField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
)
from wtforms.widgets import HiddenInput

from engine.bpmn.forms import FormField, FormSpec

#: Longer texts than this get a multi-line box.
TEXTAREA_OVER = 200


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _length(f: FormField) -> Length | None:
    if f.min_length is None and f.max_length is None:
        return None
    if f.min_length is not None and f.max_length is not None:
        message = _l("应为 %(min)d 到 %(max)d 个字")
    elif f.min_length is not None:
        message = _l("至少 %(min)d 个字")
    else:
        message = _l("最多 %(max)d 个字")
    return Length(min=f.min_length if f.min_length is not None else -1,
                  max=f.max_length if f.max_length is not None else -1, message=message)


class _NumberRange(NumberRange):
    """A range check that stays quiet when the value was not a number at all (that error is already shown)."""

    def __call__(self, form: Any, field: Field) -> None:
        if field.data is not None:
            super().__call__(form, field)


def _range(f: FormField) -> NumberRange | None:
    low = int(f.minimum) if f.minimum is not None else None
    high = int(f.maximum) if f.maximum is not None else None
    if low is None and high is None:
        return None
    if low is not None and high is not None:
        message = _l("应在 %(min)s 到 %(max)s 之间")
    elif low is not None:
        message = _l("不能小于 %(min)s")
    else:
        message = _l("不能大于 %(max)s")
    return _NumberRange(min=low, max=high, message=message)


def _hint(f: FormField) -> Any:
    if f.type == "date":
        return _l("格式：年-月-日，例如 2026-03-20")
    if f.type == "long":
        if f.minimum is not None and f.maximum is not None:
            return _l("填写 %(min)d 到 %(max)d 之间的整数", min=int(f.minimum), max=int(f.maximum))
        if f.minimum is not None:
            return _l("填写不小于 %(min)d 的整数", min=int(f.minimum))
        return _l("填写整数")
    if f.type == "string" and f.max_length is not None and not f.options_source:
        return _l("最多 %(max)d 字", max=f.max_length)
    return ""


def _default(f: FormField) -> Any:
    if f.default is None:
        return None
    if f.type == "boolean":
        return f.default.strip().lower() in ("true", "1", "yes")
    if f.type == "long":
        return int(f.default) if f.default.strip().lstrip("-").isdigit() else None
    if f.type == "date":
        try:
            return date.fromisoformat(f.default)
        except ValueError:
            return None
    return f.default


def unbound_field(f: FormField, options: Mapping[str, Mapping[str, str]]) -> UnboundField:
    """The WTForms field for one diagram field; ``options`` gives the choices of ``options_source`` fields."""
    validators: list[Any] = []
    if f.required:
        validators.append(DataRequired(_l("请填写此项")) if f.type == "string" and not f.options_source
                          else InputRequired(_l("请选择一项") if f.type == "enum" or f.options_source
                                             else _l("请填写此项")))
    elif f.type != "boolean":
        validators.append(Optional())
    kwargs: dict[str, Any] = {"label": f.label, "default": _default(f), "description": _hint(f)}
    if f.type == "enum" or f.options_source:
        choices = [SelectChoice(o.id, o.label) for o in f.options] if f.type == "enum" else \
            [SelectChoice(code, name) for code, name in options.get(f.options_source or "", {}).items()]
        return SelectField(choices=[SelectChoice("", _l("请选择"))] + choices, validators=validators, **kwargs)
    if f.type == "long":
        extra = [v for v in (_range(f),) if v is not None]
        return IntegerField(validators=validators + extra, **kwargs)
    if f.type == "boolean":
        return BooleanField(validators=validators, **kwargs)
    if f.type == "date":
        return DateField(validators=validators, format="%Y-%m-%d", **kwargs)
    extra = [v for v in (_length(f),) if v is not None]
    field_class = TextAreaField if f.max_length is not None and f.max_length > TEXTAREA_OVER else StringField
    return field_class(validators=validators + extra, filters=[_strip], **kwargs)


def _attribute(field_id: str, index: int) -> str:
    """The Python name of a field: the diagram's id, unless that would clash with the form's own names."""
    clashes = (not field_id.isidentifier() or field_id.startswith(("_", "validate_")) or hasattr(TaskForm, field_id)
               or field_id in ("case_version", "csrf_token"))
    return f"field_{index}" if clashes else field_id


class TaskForm(FlaskForm):
    """Base of every task form: the case version the form was filled against, then the diagram's fields."""

    #: The case's optimistic-lock counter when the form was shown; a later change means a conflict.
    case_version = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    #: Python attribute name → diagram field id, in the diagram's order.
    field_ids: ClassVar[dict[str, str]] = {}

    @classmethod
    def for_task(cls, spec: FormSpec, *, options: Mapping[str, Mapping[str, str]], **kwargs: Any) -> TaskForm:
        """A form instance for ``spec``; ``kwargs`` go to :class:`FlaskForm` (``data``, ``formdata`` …)."""
        attrs: dict[str, Any] = {"field_ids": {}}
        for index, f in enumerate(spec.fields):
            name = _attribute(f.id, index)
            attrs[name] = unbound_field(f, options)
            attrs["field_ids"][name] = f.id
        form_class = type(f"TaskForm_{spec.key or 'task'}", (cls,), attrs)
        return form_class(**kwargs)

    def task_fields(self) -> list[Field]:
        """The diagram's fields, in its order (for the template)."""
        return [self[name] for name in self.field_ids]

    def engine_data(self) -> dict[str, Any]:
        """The submission keyed by diagram field id, typed (int, bool, date); blanks are None."""
        return {field_id: (None if self[name].data == "" else self[name].data)
                for name, field_id in self.field_ids.items()}

    def add_engine_errors(self, errors: Mapping[str, str]) -> list[str]:
        """Put the engine's field errors next to their fields; return those that name no field."""
        by_id = {field_id: name for name, field_id in self.field_ids.items()}
        unplaced = []
        for field_id, message in errors.items():
            if field_id in by_id:
                field = self[by_id[field_id]]
                field.errors = [*field.errors, message]
            else:
                unplaced.append(message)
        return unplaced
