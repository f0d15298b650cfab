"""Forms of the admin pages. Pick lists arrive by keyword (``UserForm(departments=…, grids=…)``)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext, pgettext
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import AnyOf, DataRequired, EqualTo, Length, Optional

from engine.people.password_policy import MIN_LENGTH as MIN_PASSWORD_LENGTH
from engine.people.roles import INTEGRATION_ROLES, ROLE_LABELS

_REQUIRED = lazy_pgettext("admin", "请填写此项")


def _required() -> DataRequired:
    return DataRequired(message=_REQUIRED)


class UserForm(FlaskForm):
    """Name, role and membership of an account (the edit page; :class:`NewUserForm` adds the rest)."""

    display_name = StringField(_l("姓名"), validators=[_required(), Length(max=100)])
    role = SelectField(_l("角色"), validators=[_required()])
    department_code = SelectField(_l("所属部门"), validators=[Optional()],
                                  description=_l("职能部门用户必填；其他角色不属于部门"))
    grid_code = SelectField(_l("负责网格"), validators=[Optional()], description=_l("网格员必填；其他角色不负责网格"))

    def __init__(self, *args: Any, departments: Mapping[str, str], grids: Mapping[str, str],
                 integration_role: str | None = None, **kwargs: Any) -> None:
        """``departments``: the active ones (plus the user's own, even if deactivated since); ``grids``: all."""
        super().__init__(*args, **kwargs)
        self.role.choices = [(role.value, pgettext("role", label)) for role, label in ROLE_LABELS.items()]
        if integration_role is not None:  # an integration account keeps its role (engine/people/integrations.py)
            self.role.choices = [(integration_role, pgettext("role", INTEGRATION_ROLES[integration_role]))]
        self.department_code.choices = [("", _("（无）"))] + [(c, f"{n}（{c}）") for c, n in departments.items()]
        self.grid_code.choices = [("", _("（无）"))] + [(c, f"{n}（{c}）") for c, n in grids.items()]


class _PasswordFields(FlaskForm):
    password = PasswordField(_l("密码"), validators=[
        _required(), Length(min=MIN_PASSWORD_LENGTH, message=_l("密码至少 %(min)d 位", min=MIN_PASSWORD_LENGTH)),
        Length(max=200, message=_l("密码最多 200 位"))],
        description=_l("至少 %(min)d 位，不能是常见密码或含用户名；几个不相关的词加数字最好记也最难猜",
                       min=MIN_PASSWORD_LENGTH))
    confirm = PasswordField(_l("再次输入密码"), validators=[
        _required(), EqualTo("password", message=_l("两次输入的密码不一致"))])


class NewUserForm(UserForm, _PasswordFields):
    username = StringField(_l("用户名"), validators=[_required(), Length(max=80)],
                           description=_l("登录用，创建后不能修改；字母、数字或 . _ -"))


class PasswordForm(_PasswordFields):
    """The admin sets a new password for someone who forgot theirs."""


class ActiveForm(FlaskForm):
    """Disable (``0``) or enable (``1``) an account or a department."""

    active = HiddenField(validators=[AnyOf(["0", "1"])])

    @property
    def value(self) -> bool:
        return bool(self.active.data == "1")


def _english(label: Any) -> StringField:
    """An optional English name: shown on English pages; left blank, they show the Chinese."""
    return StringField(label, validators=[Optional(), Length(max=100)],
                       description=_l("选填；界面为英文时显示，不填则显示中文名称"))


class RenameDepartmentForm(FlaskForm):
    name = StringField(_l("部门名称"), validators=[_required(), Length(max=100)])
    name_en = _english(_l("英文名称"))


class DepartmentForm(RenameDepartmentForm):
    code = StringField(_l("部门代码"), validators=[_required(), Length(max=40)],
                       description=_l("英文字母或拼音，如 chengguan；创建后不能修改"))


class EditGridForm(FlaskForm):
    name = StringField(_l("网格名称"), validators=[_required(), Length(max=100)])
    name_en = _english(_l("网格英文名称"))
    community = StringField(_l("所属社区"), validators=[_required(), Length(max=100)])
    community_en = _english(_l("社区英文名称"))


class GridForm(EditGridForm):
    code = StringField(_l("网格代码"), validators=[_required(), Length(max=40)],
                       description=_l("如 XF-03；创建后不能修改"))


class CategoryForm(FlaskForm):
    name = StringField(_l("类别名称"), validators=[_required(), Length(max=40)])
    name_en = _english(_l("英文名称"))


class CategoryEnglishForm(FlaskForm):
    """A category's English name, edited next to it on the organisation page."""

    name = HiddenField(validators=[_required(), Length(max=40)])
    name_en = StringField(_l("英文名称"), validators=[Optional(), Length(max=100)])


#: What the buttons next to a category do.
CATEGORY_ACTIONS = ("activate", "deactivate", "up", "down")


class CategoryActionForm(FlaskForm):
    name = HiddenField(validators=[_required(), Length(max=40)])
    action = HiddenField(validators=[AnyOf(CATEGORY_ACTIONS)])


class CategoryProcessForm(FlaskForm):
    """Which process a category's reports open ("" : the civic loop)."""

    name = HiddenField(validators=[_required(), Length(max=40)])
    process_key = HiddenField(validators=[Length(max=100)])
