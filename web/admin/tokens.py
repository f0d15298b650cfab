"""API tokens for integrations: list, issue (the secret is shown once, on the answer page), revoke."""
from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from engine.errors import ValidationError
from engine.people.tokens import MAX_DAYS, REFUSED_ROLES
from web import services
from web.access import roles
from web.admin.blueprint import bp
from web.admin.support import admin_name, show_errors
from web.api.auth import tokens as token_service
from web.auth.forms import EmptyForm


class TokenForm(FlaskForm):
    username = SelectField(_l("代表的账号"), validators=[DataRequired()],
                           description=_l("令牌以该账号的角色调用接口，权限与该账号相同"))
    name = StringField(_l("用途"), validators=[DataRequired(), Length(max=100)],
                       description=_l("例如：微信小程序"))
    days = IntegerField(_l("有效天数"), validators=[Optional(), NumberRange(min=1, max=MAX_DAYS)],
                        description=_l("不填则长期有效，直到撤销"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.username.choices = [(a.username, f"{a.display_name}（{a.username}）")
                                 for a in services.people().accounts() if a.active and a.role not in REFUSED_ROLES]


def _page(form: TokenForm, secret: str | None = None, status: int = 200) -> ResponseReturnValue:
    service = token_service()
    return render_template("admin/tokens.html", form=form, revoke_form=EmptyForm(), secret=secret,
                           tokens=service.tokens(), now=service.clock.now()), status


@bp.route("/tokens", methods=["GET", "POST"])
@roles("admin")
def tokens() -> ResponseReturnValue:
    form = TokenForm()
    if not form.validate_on_submit():
        return _page(form, status=400 if form.errors else 200)
    try:
        issued = token_service().issue(form.username.data or "", form.name.data or "", days=form.days.data,
                                       by=admin_name())
    except ValidationError as exc:
        show_errors(form, exc)
        return _page(form, status=400)
    # The secret goes into this one page only: never into a flash message (the session cookie) or a log.
    return _page(TokenForm(formdata=None), secret=issued.secret)


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@roles("admin")
def revoke_token(token_id: int) -> ResponseReturnValue:
    if EmptyForm().validate_on_submit():
        info = token_service().revoke(token_id, by=admin_name())
        flash(_("已撤销令牌 %(name)s。", name=info.name))
    return redirect(url_for("admin.tokens"))
