"""Who calls the API: an API token (``Authorization: Bearer``) for integrations, HTTP Basic with a casegrid
account for people, or the browser's login session.

:func:`api_roles` is the API's counterpart of :func:`web.access.roles`: it sets
the same :data:`~web.access.ACCESS_ATTR` so the route-access test sees every API
view's roles, and answers in JSON — 401 with ``WWW-Authenticate`` instead of a
redirect to the login page.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import current_app, g, request
from flask_babel import gettext as _
from flask_login import current_user

from engine import Actor
from engine.people.accounts import Account
from engine.people.tokens import TokenService
from web import services
from web.access import ACCESS_ATTR
from web.api.blueprint import api_error

F = TypeVar("F", bound=Callable[..., Any])

REALM = 'Basic realm="casegrid", charset="UTF-8"'
#: RFC 6750's answer to a bearer token that is unknown, revoked or expired.
BEARER_REALM = 'Bearer realm="casegrid", error="invalid_token"'


def tokens() -> TokenService:
    service: TokenService = current_app.extensions["casegrid.tokens"]
    return service


def _caller() -> Account | None:
    """The account behind this request: the token or Basic credentials if sent (and only them), else the
    login session."""
    auth = request.authorization
    if auth is not None:
        if auth.type == "bearer":
            return tokens().authenticate(auth.token or "")
        if auth.type != "basic" or not auth.username or auth.password is None:
            return None
        return services.people().authenticate(auth.username, auth.password)
    if current_user.is_authenticated:
        account: Account = current_user.account
        return account
    return None


def api_roles(*allowed: str, multipart: bool = False) -> Callable[[F], F]:
    """Only accounts whose role is one of ``allowed``: 401 without valid credentials, 403 for another role,
    415 for a POST whose body is not JSON. The caller's actor is :func:`api_actor` inside the view.

    ``multipart``: the POST carries files as ``multipart/form-data`` instead. An HTML form on another site can
    send that with the browser's session cookie, so such a route takes only credentials sent in the
    ``Authorization`` header (a token or HTTP Basic), which no cross-site form can add.
    """

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            account = _caller()
            if account is None:
                response, status = api_error(401, _("请提供有效的接口令牌（Bearer）或用户名和密码（HTTP Basic 认证）"))
                bearer = request.authorization is not None and request.authorization.type == "bearer"
                response.headers["WWW-Authenticate"] = BEARER_REALM if bearer else REALM
                return response, status
            if account.role not in allowed:
                return api_error(403, _("当前角色无权调用此接口"))
            if multipart and request.authorization is None:
                response, status = api_error(401, _("上传文件须在 Authorization 头中提供接口令牌或用户名和密码"))
                response.headers["WWW-Authenticate"] = REALM
                return response, status
            if multipart and request.method == "POST" and request.mimetype != "multipart/form-data":
                return api_error(415, _("请求体必须是 multipart/form-data（含文件 file）"), error=_("不支持的内容类型"))
            if not multipart and request.method == "POST" and not request.is_json:
                return api_error(415, _("请求体必须是 JSON（Content-Type: application/json）"),
                                 error=_("不支持的内容类型"))
            g.api_account = account
            return view(*args, **kwargs)

        setattr(wrapper, ACCESS_ATTR, frozenset(allowed))
        return wrapper  # type: ignore[return-value]

    return decorate


def api_actor() -> Actor:
    """The calling account as the engine's actor (set by :func:`api_roles`)."""
    account: Account = g.api_account
    return account.actor
