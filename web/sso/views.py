"""The single sign-on routes: off to the provider's login, back with a code, in as the local account."""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import login_user

from engine.people.sso import SsoRefused
from web import services
from web.access import public
from web.auth.user import WebUser
from web.sso.flow import Pending, SsoUnavailable, TokenRefused
from web.sso.logout import ID_TOKEN

if TYPE_CHECKING:
    from web.sso.client import OidcClient

bp = Blueprint("sso", __name__, template_folder="templates")
log = logging.getLogger("casegrid.sso")

#: Where the login waiting for the provider's answer is kept.
PENDING = "sso_pending"


def client() -> OidcClient:
    found = current_app.extensions.get("casegrid.sso")
    if found is None:
        abort(404)  # no provider configured: local accounts only
    return found


def _callback_url() -> str:
    return url_for("sso.callback", _external=True)


def _refusal(reason: str, status: int) -> ResponseReturnValue:
    messages = {
        "no_login": _("没有进行中的统一身份认证登录，或者它已过期。请重新登录。"),
        "state": _("登录请求校验未通过（state 不符），未能登录。请重新登录。"),
        "provider": _("统一身份认证没有完成登录。请重新登录。"),
        "unavailable": _("统一身份认证服务暂时无法访问。请稍后再试，或用本系统账号登录。"),
        "token": _("统一身份认证返回的身份令牌未通过校验，未能登录。"),
        "no_rule": _("您的统一身份认证账号没有对应的本系统角色，未能登录。请联系系统管理员设置映射规则。"),
        "disabled": _("该账号已停用，不能登录。"),
        "invalid": _("映射规则给出的角色或部门目前不可用，未能登录。请联系系统管理员。"),
    }
    return render_template("sso/refused.html", message=messages[reason]), status


@bp.route("/login/sso")
@public
def start() -> ResponseReturnValue:
    from web.auth.blueprint import _safe_next

    oidc = client()
    try:
        url, pending = oidc.begin(_callback_url(), _safe_next(request.args.get("next")))
    except SsoUnavailable as exc:
        log.warning("single sign-on unavailable: %s", exc)
        return _refusal("unavailable", 502)
    session[PENDING] = pending.as_dict()
    return redirect(url)


@bp.route("/login/sso/callback")
@public
def callback() -> ResponseReturnValue:
    from web.auth.blueprint import _fresh_session, _safe_next

    oidc = client()
    pending = Pending.of(session.pop(PENDING, None))  # one answer per login: a replayed callback finds none
    if pending is None:
        return _refusal("no_login", 400)
    if not pending.state_is(request.args.get("state")):
        log.warning("single sign-on callback with a wrong state from %s", request.remote_addr)
        return _refusal("state", 400)
    code = request.args.get("code")
    if request.args.get("error") or not code:
        return _refusal("provider", 400)
    try:
        signed = oidc.finish(code, pending, _callback_url())
        account = services.people().sso_sign_in(signed.issuer, signed.subject, signed.claims)
    except SsoUnavailable as exc:
        log.warning("single sign-on unavailable: %s", exc)
        return _refusal("unavailable", 502)
    except TokenRefused as exc:
        log.warning("single sign-on refused a token from %s: %s", oidc.issuer, exc)
        return _refusal("token", 400)
    except SsoRefused as exc:
        log.warning("single sign-on refused %s: %s", request.remote_addr, exc)
        return _refusal(exc.reason, 403)
    _fresh_session()
    login_user(WebUser(account))
    session[ID_TOKEN] = signed.id_token
    return redirect(_safe_next(pending.next) or url_for("auth.home"))
