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
from engine.evidence.purposes import PURPOSES

#: Field types the engine knows how to validate and the UI how to render.
FIELD_TYPES = ("string", "long", "boolean", "date", "enum", "file", "photo")
#: Fields whose value is a list of received evidence files (SHA-256s); ``photo`` takes only images.
FILE_TYPES = ("file", "photo")
#: Most files one file field takes when the diagram sets no ``max``.
MAX_FILES_PER_FIELD = 10
_SHA256 = re.compile(r"[0-9a-f]{64}")

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
    #: The label staff read when the interface is English (the field's ``options_en`` property), if given.
    label_en: str | None = None


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
    #: Several values of ``options_source`` at once (a list of codes), e.g. the co-departments of a whistle.
    multiple: bool = False
    #: The workflow variable whose value the form starts with (e.g. the routing table's suggested department).
    prefill: str | None = None
    #: Shown only while another field has one of these values: ``(field id, values)``. A hint for
    #: interfaces; the engine validates every field whatever it shows.
    shown_when: tuple[str, tuple[str, ...]] | None = None
    #: The label staff read when the interface is English (the field's ``label_en`` property), if given.
    label_en: str | None = None
    #: For ``file``/``photo`` fields: why the files are attached (:data:`engine.evidence.purposes.PURPOSES`);
    #: their ``min``/``max`` validation is the number of files.
    purpose: str | None = None

    @property
    def is_file(self) -> bool:
        return self.type in FILE_TYPES

    @property
    def max_files(self) -> int:
        return int(self.maximum) if self.maximum is not None else MAX_FILES_PER_FIELD

    @property
    def min_files(self) -> int:
        return int(self.minimum) if self.minimum is not None else (1 if self.required else 0)


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


def _shown_when(rule: str | None) -> tuple[str, tuple[str, ...]] | None:
    """``triage_decision=dispatch,whistle`` → ``("triage_decision", ("dispatch", "whistle"))``."""
    field_id, sep, values = (rule or "").partition("=")
    if not sep or not field_id.strip():
        return None
    return field_id.strip(), tuple(v.strip() for v in values.split(",") if v.strip())


def _english_options(text: str | None) -> dict[str, str]:
    """``dispatch=Dispatch directly; whistle=Blow the whistle`` → option id → English label."""
    pairs = (item.partition("=") for item in (text or "").split(";"))
    return {key.strip(): label.strip() for key, sep, label in pairs if sep and key.strip() and label.strip()}


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
        # English for staff: properties the modeler adds in the properties panel beside the Chinese labels.
        english = _english_options(f.get_property("options_en"))
        minimum = _number(validations.get("min"))
        fields.append(FormField(
            id=f.id,
            label=f.label or f.id,
            type=f.type,
            # A file field that needs at least one file is required whether or not it says so.
            required="required" in validations or (f.type in FILE_TYPES and (minimum or 0) >= 1),
            default=f.default_value or None,
            minimum=minimum,
            maximum=_number(validations.get("max")),
            min_length=int(min_length) if min_length is not None else None,
            max_length=int(max_length) if max_length is not None else None,
            options=tuple(Option(o.id, o.name, english.get(o.id)) for o in getattr(f, "options", [])),
            options_source=f.get_property("options"),
            multiple=(f.get_property("multiple") or "").strip().lower() == "true",
            prefill=(f.get_property("prefill") or "").strip() or None,
            shown_when=_shown_when(f.get_property("shown_when")),
            label_en=(f.get_property("label_en") or "").strip() or None,
            purpose=(f.get_property("purpose") or "").strip() or None,
        ))
    return FormSpec(key=form.key or None, fields=tuple(fields))


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "") or value == []


def _codes(value: Any) -> list[str]:
    """The codes of a ``multiple`` field: a list (JSON, a multi-select) or one code; each once."""
    codes: list[str] = []
    for v in value if isinstance(value, (list, tuple)) else [value]:
        if not isinstance(v, str) or not v.strip() or FORBIDDEN_CHARACTERS.search(v) or len(v) > 100:
            raise ValueError("应为选项代码的列表")
        if v.strip() in codes:
            raise ValueError(f"重复选择了 {v.strip()}")
        codes.append(v.strip())
    return codes


def file_field_problems(f: FormField) -> list[str]:
    """What is wrong with a file field's declaration (checked when a diagram is validated)."""
    problems = []
    if f.purpose not in PURPOSES:
        problems.append(f"表单字段 {f.id} 须用 camunda:property purpose 说明文件用途（可用：{', '.join(PURPOSES)}）")
    if f.min_files > f.max_files or f.max_files < 1 or f.max_files > 50:
        problems.append(f"表单字段 {f.id} 的文件数量范围不合理（min {f.min_files}，max {f.max_files}，最多 50）")
    return problems


def _files(f: FormField, value: Any) -> list[str]:
    """The SHA-256s of received files for a file field: a list of hashes, or of ``{"sha256", "purpose"}``
    (a client that names a purpose must name this field's: a completion photo is not a mediation agreement)."""
    items = value if isinstance(value, (list, tuple)) else [value]
    hashes: list[str] = []
    for item in items:
        if isinstance(item, Mapping):
            purpose = item.get("purpose")
            if purpose is not None and purpose != f.purpose:
                expected = PURPOSES.get(f.purpose or "", f.purpose)
                raise ValueError(f"只能上传用途为“{expected}”的文件（收到的用途：{str(purpose)[:30]}）")
            item = item.get("sha256")
        if not isinstance(item, str) or not _SHA256.fullmatch(item.strip()):
            raise ValueError("应为已上传文件的编号（SHA-256）")
        if item.strip() not in hashes:
            hashes.append(item.strip())
    if len(hashes) > f.max_files:
        raise ValueError(f"最多 {f.max_files} 个文件")
    if len(hashes) < f.min_files:
        raise ValueError(f"至少需要 {f.min_files} 个文件")
    return hashes


def _coerce(f: FormField, value: Any) -> Any:
    """The value as the workflow stores it, or raise ValueError with the reason."""
    if f.is_file:
        return _files(f, value)
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
                errors[f.id] = f"请上传{f.label}（至少 {f.min_files} 个文件）" if f.is_file else f"{f.label}为必填项"
            data[f.id] = False if f.type == "boolean" else [] if f.multiple or f.is_file else None
            continue
        try:
            data[f.id] = _codes(value) if f.multiple else _coerce(f, value)
            if f.multiple and f.type == "enum" and (bad := set(data[f.id]) - {o.id for o in f.options}):
                raise ValueError(f"中有无效的选项：{'、'.join(sorted(bad))}")
        except ValueError as exc:
            errors[f.id] = f"{f.label}{exc}"
            continue
        if f.options_source and option_values is not None:
            allowed = option_values.get(f.options_source, set())
            if unknown := [c for c in (data[f.id] if f.multiple else [data[f.id]]) if c not in allowed]:
                errors[f.id] = f"{f.label}中有无效的选项：{'、'.join(unknown)}" if f.multiple \
                    else f"{f.label}不是有效的选项"
    if errors:
        raise ValidationError("表单填写有误", errors)
    return data
