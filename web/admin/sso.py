"""Single sign-on rules: which of the identity provider's people come in, and as which role (issue 25).

The first rule that matches a person's claims, in the listed order, gives the role and its department or
grid (engine/people/sso.py); the page also lists who came in through the provider and how.
"""
from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import pgettext
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from engine.errors import ValidationError
from engine.people.roles import ROLE_LABELS, Role
from engine.people.sso import MAX_VALUE, OPERATORS, RULE_ROLES
from web import services
from web.access import roles
from web.admin.blueprint import bp
from web.admin.support import admin_name, show_errors
from web.auth.forms import EmptyForm
from web.wording import names_in_words


class RuleForm(FlaskForm):
    claim = StringField(_l("声明（claim）"), validators=[DataRequired(), Length(max=250)],
                        description=_l("身份令牌中的声明名，如 department、groups；下级用 . 连接"))
    operator = SelectField(_l("比较"), validators=[DataRequired()])
    value = StringField(_l("值"), validators=[DataRequired(), Length(max=MAX_VALUE)],
                        description=_l("例如：城管科、street-supervisors"))
    role = SelectField(_l("角色"), validators=[DataRequired()])
    department_code = SelectField(_l("所属部门"), validators=[Optional()], description=_l("职能部门角色必填"))
    grid_code = SelectField(_l("负责网格"), validators=[Optional()], description=_l("网格员角色必填"))
    position = IntegerField(_l("顺序"), validators=[Optional(), NumberRange(min=0, max=9999)],
                            description=_l("小的先比较；不填则排在最后"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = services.people()
        self.operator.choices = [(k, _(v)) for k, v in OPERATORS.items()]
        self.role.choices = [(r, pgettext("role", ROLE_LABELS[Role(r)])) for r in RULE_ROLES]
        self.department_code.choices = [("", _("（无）"))] + [
            (c, f"{n}（{c}）") for c, n in names_in_words(people.departments()).items()]
        self.grid_code.choices = [("", _("（无）"))] + [
            (c, f"{n}（{c}）") for c, n in names_in_words(people.grids()).items()]


def _page(form: RuleForm, status: int = 200) -> ResponseReturnValue:
    people = services.people()
    role_names = {r: pgettext("role", ROLE_LABELS[Role(r)]) for r in RULE_ROLES}
    return render_template("admin/sso.html", form=form, delete_form=EmptyForm(), rules=people.sso_rules(),
                           identities=people.sso_identities(), operators=OPERATORS, role_names=role_names,
                           issuer=current_app.config.get("SSO_ISSUER") or None), status


@bp.route("/sso", methods=["GET", "POST"])
@roles("admin")
def sso_rules() -> ResponseReturnValue:
    form = RuleForm()
    if not form.validate_on_submit():
        return _page(form, 400 if form.errors else 200)
    try:
        services.people().add_sso_rule(position=form.position.data, claim=form.claim.data,
                                       operator=form.operator.data, value=form.value.data, role=form.role.data,
                                       department_code=form.department_code.data, grid_code=form.grid_code.data,
                                       by=admin_name())
    except ValidationError as exc:
        show_errors(form, exc)
        return _page(form, 400)
    flash(_("已添加映射规则。"))
    return redirect(url_for("admin.sso_rules"))


@bp.route("/sso/<int:rule_id>/delete", methods=["POST"])
@roles("admin")
def delete_sso_rule(rule_id: int) -> ResponseReturnValue:
    if EmptyForm().validate_on_submit():
        services.people().delete_sso_rule(rule_id, by=admin_name())
        flash(_("已删除映射规则。"))
    return redirect(url_for("admin.sso_rules"))
