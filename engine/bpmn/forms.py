"""User-task forms declared in the diagram (``camunda:formData``) and their validation.

The engine validates and coerces every submission itself, whatever interface
it came from, so a web form, the JSON API and a flow all get the same rules.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from engine.errors import ValidationError

#: Field types the engine knows how to validate and the UI how to render.
FIELD_TYPES = ("string", "long", "boolean", "date", "enum")

#: Longest text a field takes when the diagram sets no ``maxlength`` (a diagram may set less or more).
MAX_TEXT_LENGTH = 10_000
#: Characters no text may hold: control characters (tab, line feed and carriage return are text) and lone
#: surrogates (a JSON "\\ud800" decodes to one; it cannot be encoded as UTF-8, so saving it fails). NUL
#: cannot even be stored by PostgreSQL. The web refuses them in every request (web/input_guard.py); this
#: covers the flows and the CLI.
FORBIDDEN_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")

_TRUE = {"true", "1", "on", "yes", "y", "是"}
_FALSE = {"false", "0", "off", "no", "n", "否", ""}


@dataclass(frozen=True)
class Option:
    id: str
    label: str


@dataclass(frozen=True)
class FormField:
    id: str
    label: str
    type: str
    required: bool = False
    default: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    min_length: int | None = None
    max_length: int | None = None
    options: tuple[Option, ...] = ()
    #: Named source of allowed values filled in at run time (e.g. ``departments``).
    options_source: str | None = None


@dataclass(frozen=True)
class FormSpec:
    key: str | None
    fields: tuple[FormField, ...] = field(default_factory=tuple)

    def field(self, field_id: str) -> FormField | None:
        return next((f for f in self.fields if f.id == field_id), None)


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


def form_from_spec(task_spec: Any) -> FormSpec:
    """Read the Camunda form of a parsed user task spec."""
    form = getattr(task_spec, "form", None)
    if form is None:
        return FormSpec(key=None)
    fields = []
    for f in form.fields:
        validations = {v.name: v.config for v in f.validation}
        min_length = _number(validations.get("minlength"))
        max_length = _number(validations.get("maxlength"))
        fields.append(FormField(
            id=f.id,
            label=f.label or f.id,
            type=f.type,
            required="required" in validations,
            default=f.default_value or None,
            minimum=_number(validations.get("min")),
            maximum=_number(validations.get("max")),
            min_length=int(min_length) if min_length is not None else None,
            max_length=int(max_length) if max_length is not None else None,
            options=tuple(Option(o.id, o.name) for o in getattr(f, "options", [])),
            options_source=f.get_property("options"),
        ))
    return FormSpec(key=form.key or None, fields=tuple(fields))


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def _coerce(f: FormField, value: Any) -> Any:
    """The value as the workflow stores it, or raise ValueError with the reason."""
    if f.type == "long":
        if isinstance(value, bool):
            raise ValueError("必须是整数")
        if isinstance(value, int):
            number = value
        elif isinstance(value, str) and value.strip().lstrip("-").isdigit():
            number = int(value.strip())
        else:
            raise ValueError("必须是整数")
        if f.minimum is not None and number < f.minimum:
            raise ValueError(f"不能小于 {f.minimum:g}")
        if f.maximum is not None and number > f.maximum:
            raise ValueError(f"不能大于 {f.maximum:g}")
        return number
    if f.type == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        raise ValueError("必须是“是”或“否”")
    if f.type == "date":
        if isinstance(value, date):
            return value.isoformat()
        try:
            return date.fromisoformat(str(value).strip()).isoformat()
        except ValueError:
            raise ValueError("日期格式应为 YYYY-MM-DD") from None
    if f.type == "enum":
        allowed = {o.id for o in f.options}
        if str(value) not in allowed:
            raise ValueError(f"不是可选值（可选：{'、'.join(o.label for o in f.options)}）")
        return str(value)
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise ValueError("必须是文本")
    text = str(value).strip()
    if FORBIDDEN_CHARACTERS.search(text):
        raise ValueError("不能包含控制字符或无效字符")
    if f.max_length is None and len(text) > MAX_TEXT_LENGTH:
        raise ValueError(f"最多 {MAX_TEXT_LENGTH} 个字")
    if f.min_length is not None and len(text) < f.min_length:
        raise ValueError(f"至少 {f.min_length} 个字")
    if f.max_length is not None and len(text) > f.max_length:
        raise ValueError(f"最多 {f.max_length} 个字")
    return text


def validate_form(form: FormSpec, submitted: Mapping[str, Any],
                  option_values: Mapping[str, set[str]] | None = None) -> dict[str, Any]:
    """Coerce ``submitted`` to the form's types, or raise :class:`ValidationError` naming each bad field.

    ``option_values`` gives the allowed values for fields with an ``options``
    source (e.g. the active department codes). Blank optional fields become
    ``None`` (booleans ``False``) so that later conditions can test them.
    """
    errors: dict[str, str] = {}
    for name in submitted:
        if form.field(name) is None:
            errors[name] = "表单中没有这个字段"
    data: dict[str, Any] = {}
    for f in form.fields:
        value = submitted.get(f.id)
        if _blank(value):
            if f.required:
                errors[f.id] = f"{f.label}为必填项"
            data[f.id] = False if f.type == "boolean" else None
            continue
        try:
            data[f.id] = _coerce(f, value)
        except ValueError as exc:
            errors[f.id] = f"{f.label}{exc}"
            continue
        if f.options_source and option_values is not None:
            allowed = option_values.get(f.options_source, set())
            if data[f.id] not in allowed:
                errors[f.id] = f"{f.label}不是有效的选项"
    if errors:
        raise ValidationError("表单填写有误", errors)
    return data
