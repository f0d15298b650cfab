"""Login, logout, language and the home page that sends each role to its workspace."""
from __future__ import annotations

import math
from datetime import datetime
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from engine.people.lockout import AccountLocked
from web import services
from web.access import login_required, public
from web.auth.forms import EmptyForm, LoginForm
from web.auth.user import WebUser
from web.retry_time import retry_clock_at
from web.sso.logout import ID_TOKEN, logout_response

bp = Blueprint("auth", __name__, template_folder="templates")

#: Where each role starts; roles whose workspace does not exist yet land on the home page.
ROLE_HOME = {
    "grid_worker": "inbox.index", "council": "inbox.index", "department": "inbox.index",
    "mediator": "inbox.index", "supervisor": "inbox.index", "auditor": "cases.search",
    "admin": "admin.users",
}


def _safe_next(target: str | None) -> str | None:
    """Only same-site relative paths: never an open redirect."""
    if not target:
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc and target.startswith("/") else None


@bp.route("/")
@public
def home() -> ResponseReturnValue:
    if current_user.is_authenticated:
        endpoint = ROLE_HOME.get(current_user.role)
        if endpoint and endpoint in current_app.view_functions:
            return redirect(url_for(endpoint))
    return render_template("auth/home.html")


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> ResponseReturnValue:
    form = LoginForm()
    if form.validate_on_submit():
        try:
            account = services.people().authenticate(form.username.data or "", form.password.data or "",
                                                     source=request.remote_addr)
        except AccountLocked as locked:
            # The same words whether or not the username exists: the lockout reveals no accounts.
            form.password.errors = [_("登录失败次数过多，请 %(minutes)d 分钟后再试（%(time)s 之后）。",
                                      minutes=_minutes_until(locked.until), time=retry_clock_at(locked.until))]
            return render_template("auth/login.html", form=form), 429
        if account is not None:
            _fresh_session()  # nothing from before the login carries over into the staff session
            login_user(WebUser(account))
            return redirect(_safe_next(request.args.get("next")) or url_for("auth.home"))
        form.password.errors = [_("用户名或密码不正确")]
    return render_template("auth/login.html", form=form), 400 if form.errors else 200


def _fresh_session() -> None:
    """Empty the session but for the chosen language, which is no secret and should survive."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def _minutes_until(until: datetime) -> int:
    return max(1, math.ceil((until - services.people().clock.now()).total_seconds() / 60))


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> ResponseReturnValue:
    if EmptyForm().validate_on_submit():
        # Every session of the account ends, not just this cookie: a copy of it must not stay a login.
        services.people().end_sessions(current_user.account.id)
        id_token = session.get(ID_TOKEN)
        logout_user()
        _fresh_session()  # the CSRF token and anything else the staff session held go too
        # Signed in through the identity provider: its session ends too, where it offers that.
        if (to_provider := logout_response(id_token)) is not None:
            return to_provider
    return redirect(url_for("auth.home"))


@bp.route("/lang/<code>", methods=["POST"])
@public
def language(code: str) -> ResponseReturnValue:
    if EmptyForm().validate_on_submit() and code in current_app.config["LANGUAGES"]:
        session["lang"] = code
        flash(_("语言已切换"))
    return redirect(_safe_next(request.form.get("next")) or url_for("auth.home"))
