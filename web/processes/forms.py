"""Forms of the process pages. The versions to choose from arrive by keyword."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from engine.specs.operations import MAX_NOTE_LENGTH
from engine.specs.service import VersionRow


def version_label(v: VersionRow) -> str:
    statuses = {"draft": _("草稿"), "published": _("已发布"), "retired": _("已停用")}
    return f"v{v.version} · {statuses.get(v.status, v.status)}"


class PublishForm(FlaskForm):
    change_note = TextAreaField(
        _l("变更说明"),
        validators=[DataRequired(message=_l("请写明本次修改了什么、为什么修改")),
                    Length(max=MAX_NOTE_LENGTH, message=_l("变更说明最多 %(max)d 个字", max=MAX_NOTE_LENGTH))],
        description=_l("会显示在版本列表中，例如：签收时限由 1 个工作日改为 2 个工作日"))


class DiffForm(FlaskForm):
    """Pick two versions of one process (a GET form: nothing changes, so no CSRF token)."""

    class Meta:
        csrf = False

    old = SelectField(_l("旧版本"), coerce=int, validators=[InputRequired()])
    new = SelectField(_l("新版本"), coerce=int, validators=[InputRequired()])

    def __init__(self, *args: Any, versions: Sequence[VersionRow], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(v.id, version_label(v)) for v in versions]
        self.old.choices = choices
        self.new.choices = choices


class MigrationForm(FlaskForm):
    """The open cases to move: only those the dry run found movable can be ticked."""

    cases = SelectMultipleField(_l("迁移的案件"), coerce=int, option_widget=CheckboxInput(),
                                widget=ListWidget(prefix_label=False),
                                validators=[DataRequired(message=_l("请至少选择一个案件"))])

    def __init__(self, *args: Any, movable: Sequence[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cases.choices = list(movable)
