"""Forms of the process pages. The versions to choose from arrive by keyword."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import pgettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, RadioField, SelectChoice, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from engine.bpmn.importing import LaneQuestion
from engine.people.roles import ROLE_LABELS, Role
from engine.specs.operations import MAX_NOTE_LENGTH
from engine.specs.service import VersionRow


def version_label(v: VersionRow) -> str:
    statuses = {"draft": _("草稿"), "published": _("已发布"), "retired": pgettext("version", "已停用")}
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


class NewProcessForm(FlaskForm):
    """A new process: its key and name, from the blank template or an imported file."""

    key = StringField(_l("流程标识"), validators=[DataRequired(message=_l("请填写流程标识"))],
                      description=_l("英文字母开头，只含英文字母、数字、_ 和 -，例如 dibao_review；发布后不能修改"))
    name = StringField(_l("流程名称"), validators=[DataRequired(message=_l("请填写流程名称")),
                                                   Length(max=200, message=_l("最多 200 字"))],
                       description=_l("例如：低保申请审核；登记案件时按此名称选择"))
    source = RadioField(_l("从哪里开始"), choices=[SelectChoice("blank", _l("空白模板（网格员、职能部门、街道督办三条泳道）")),
                                                SelectChoice("file", _l("导入 .bpmn 文件（Camunda Modeler、bpmn.io 等工具画的流程图）"))],
                        default="blank", validators=[InputRequired(message=_l("请选择"))])
    diagram = FileField(_l("流程图文件"))


#: The roles a lane may stand for (auditors and admins do no work in processes).
LANE_ROLES = [r for r in Role if r not in (Role.AUDITOR, Role.ADMIN)]


class ImportForm(FlaskForm):
    """One role per lane (fields ``lane_0``…, added by :func:`import_form`), and whether to translate conditions."""

    translate = BooleanField(_l("按上表转换条件表达式"), default=True)


def _role_choices() -> list[SelectChoice]:
    return [SelectChoice("", _l("请选择角色"))] + [SelectChoice(r.value, f"{ROLE_LABELS[r]}（{r.value}）")
                                                for r in LANE_ROLES]


def import_form(lanes: Sequence[LaneQuestion], needs_lane: bool = False, **kwargs: Any) -> ImportForm:
    """The import dialog's form for ``lanes``, each preset to its role or the guess; ``needs_lane``: a diagram
    without lanes gets one question instead — which role does all its work (``lane_all``)."""
    unbound = {f"lane_{i}": SelectField(lane.name or lane.id, choices=[SelectChoice("", _l("请选择角色"))] + [
        SelectChoice(r.value, f"{ROLE_LABELS[r]}（{r.value}）") for r in LANE_ROLES],
        default=lane.suggested.value if lane.suggested else "",
        validators=[DataRequired(message=_l("请为这条泳道选择角色"))]) for i, lane in enumerate(lanes)}
    if needs_lane:
        unbound["lane_all"] = SelectField(_l("流程图没有泳道：所有任务由哪个角色办理"), choices=_role_choices(),
                                          default=Role.GRID_WORKER.value,
                                          validators=[DataRequired(message=_l("请选择角色"))])
    return type("ImportLanesForm", (ImportForm,), unbound)(**kwargs)
