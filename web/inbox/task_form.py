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
    MultipleFileField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
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
from web.wording import field_words, option_words
from web.uploads import posted_files, receive_all

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


def _prefilled(f: FormField, value: Any) -> Any:
    """A workflow value as the field's starting value, or None when it does not fit the field."""
    if f.multiple:
        return [str(v) for v in value] if isinstance(value, (list, tuple)) else None
    if f.type == "date":
        return _default(FormField(f.id, f.label, "date", default=str(value)))
    if f.type == "long":
        return value if isinstance(value, int) and not isinstance(value, bool) else None
    if f.type == "boolean":
        return value if isinstance(value, bool) else None
    return str(value) if isinstance(value, (str, int)) else None


#: What a file input offers to pick (the server sniffs the content whatever the browser sends).
ACCEPT = {"photo": "image/jpeg,image/png,image/webp,image/heic,image/heif", "file": "image/jpeg,image/png,image/webp,application/pdf"}


def _file_field(f: FormField, render_kw: Mapping[str, str] | None) -> UnboundField:
    """A file input; the files are received before the step and counted by the engine (min/max)."""
    kinds = _l("照片（JPEG、PNG、WebP、HEIC）") if f.type == "photo" else _l("照片或 PDF")
    if f.min_files:
        hint = _l("%(kinds)s，%(min)d 到 %(max)d 个", kinds=kinds, min=f.min_files, max=f.max_files)
    else:
        hint = _l("%(kinds)s，最多 %(max)d 个", kinds=kinds, max=f.max_files)
    return MultipleFileField(label=f.label, description=hint,
                             render_kw={**dict(render_kw or {}), "accept": ACCEPT[f.type],
                                        **({"required": ""} if f.min_files else {})})


def unbound_field(f: FormField, options: Mapping[str, Mapping[str, str]], *, prefill: Any = None,
                  render_kw: Mapping[str, str] | None = None) -> UnboundField:
    """The WTForms field for one diagram field; ``options`` gives the choices of ``options_source`` fields,
    ``prefill`` the value the workflow suggests (it wins over the diagram's fixed default)."""
    if f.is_file:
        return _file_field(f, render_kw)
    validators: list[Any] = []
    if f.required:
        validators.append(DataRequired(_l("请填写此项")) if f.type == "string" and not f.options_source
                          else InputRequired(_l("请选择一项") if f.type == "enum" or f.options_source
                                             else _l("请填写此项")))
    elif f.type != "boolean":
        validators.append(Optional())
    start = _prefilled(f, prefill) if prefill is not None else None
    kwargs: dict[str, Any] = {"label": field_words(f), "default": start if start is not None else _default(f),
                              "description": _hint(f), "render_kw": dict(render_kw or {})}
    if f.multiple:
        choices = [SelectChoice(o.id, option_words(o)) for o in f.options] if f.type == "enum" else \
            [SelectChoice(code, name) for code, name in options.get(f.options_source or "", {}).items()]
        kwargs["description"] = _l("可多选（按住 Ctrl 键点选）")
        return SelectMultipleField(choices=choices, validators=validators, **kwargs)
    if f.type == "enum" or f.options_source:
        choices = [SelectChoice(o.id, option_words(o)) for o in f.options] if f.type == "enum" else \
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
    #: Python attribute name → the diagram's file/photo fields.
    file_fields: ClassVar[dict[str, FormField]] = {}
    #: SHA-256s of the files received for each file field (by diagram id), set by :meth:`receive_files`.
    received: dict[str, list[str]]

    @classmethod
    def for_task(cls, spec: FormSpec, *, options: Mapping[str, Mapping[str, str]],
                 prefill: Mapping[str, Any] | None = None, **kwargs: Any) -> TaskForm:
        """A form instance for ``spec``; ``prefill`` gives starting values by field id (the task's
        suggestions); ``kwargs`` go to :class:`FlaskForm` (``data``, ``formdata`` …)."""
        attrs: dict[str, Any] = {"field_ids": {}, "file_fields": {}}
        names = {f.id: _attribute(f.id, index) for index, f in enumerate(spec.fields)}
        for f in spec.fields:
            shown = {}
            if f.shown_when and f.shown_when[0] in names:  # read by static/js/shown_when.js
                shown = {"data-shown-when": names[f.shown_when[0]], "data-shown-values": ",".join(f.shown_when[1])}
            attrs[names[f.id]] = unbound_field(f, options, prefill=(prefill or {}).get(f.id), render_kw=shown)
            attrs["field_ids"][names[f.id]] = f.id
            if f.is_file:
                attrs["file_fields"][names[f.id]] = f
        form_class = type(f"TaskForm_{spec.key or 'task'}", (cls,), attrs)
        return form_class(**kwargs)

    def task_fields(self) -> list[Field]:
        """The diagram's fields, in its order (for the template)."""
        return [self[name] for name in self.field_ids]

    def suggestions(self, prefill: Mapping[str, Any]) -> dict[str, str]:
        """Attribute name → the suggested value in words (an option's label), for the fields ``prefill`` fills."""
        shown: dict[str, str] = {}
        for name, field_id in self.field_ids.items():
            if field_id not in prefill:
                continue
            values = prefill[field_id] if isinstance(prefill[field_id], (list, tuple)) else [prefill[field_id]]
            labels = {str(c.value): c.label for c in getattr(self[name], "choices", None) or []}
            shown[name] = "、".join(str(labels.get(str(v), v)) for v in values)
        return shown

    @property
    def has_files(self) -> bool:
        return bool(self.file_fields)

    def receive_files(self) -> bool:
        """Receive the posted files of every file field; False (refusals next to their fields) if any was refused."""
        self.received, ok = {}, True
        for name, spec in self.file_fields.items():
            hashes, problems = receive_all(posted_files(self[name].name), photos_only=spec.type == "photo",
                                           most=spec.max_files)
            self.received[spec.id] = hashes
            if problems:
                self[name].errors = [*self[name].errors, *problems]
                ok = False
        return ok

    def engine_data(self) -> dict[str, Any]:
        """The submission keyed by diagram field id, typed (int, bool, date); blanks are None; a file field
        carries the SHA-256s of its received files."""
        received = getattr(self, "received", {})
        return {field_id: (received.get(field_id, []) if name in self.file_fields
                           else None if self[name].data == "" else self[name].data)
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
