"""Integration accounts (接口账号): the credentials outside systems such as the 12345 hotline platform call with.

An admin creates one here (no password: it cannot log in) and issues its tokens on the tokens page; disabling
the account on the users page stops all its tokens. engine/people/integrations.py says what it may do.
"""
from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import pgettext
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from engine.errors import ValidationError
from engine.people.roles import INTEGRATION_ROLES
from web import services
from web.access import roles
from web.admin.blueprint import bp
from web.admin.support import admin_name, show_errors


class IntegrationForm(FlaskForm):
    username = StringField(_l("账号名"), validators=[DataRequired(), Length(max=80)],
                           description=_l("字母、数字或 . _ -，例如 hotline-12345"))
    display_name = StringField(_l("名称"), validators=[DataRequired(), Length(max=100)],
                               description=_l("例如：市 12345 热线平台"))
    role = SelectField(_l("接口"), validators=[DataRequired()])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.role.choices = [(code, pgettext("role", label)) for code, label in INTEGRATION_ROLES.items()]


def _page(form: IntegrationForm, status: int = 200) -> ResponseReturnValue:
    return render_template("admin/integrations.html", form=form,
                           integrations=services.people().integrations()), status


@bp.route("/integrations", methods=["GET", "POST"])
@roles("admin")
def integrations() -> ResponseReturnValue:
    form = IntegrationForm()
    if not form.validate_on_submit():
        return _page(form, status=400 if form.errors else 200)
    try:
        account = services.people().create_integration(form.username.data or "", form.display_name.data or "",
                                                        form.role.data or "", by=admin_name())
    except ValidationError as exc:
        show_errors(form, exc)
        return _page(form, status=400)
    flash(_("已创建接口账号 %(name)s，请为它签发接口令牌。", name=account.username))
    return redirect(url_for("admin.tokens"))
