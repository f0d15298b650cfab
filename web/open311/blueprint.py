"""The Open311 blueprint: no CSRF (machines post here, authenticated by ``api_key``), errors in GeoReport's format."""
from __future__ import annotations

from flask import Blueprint, current_app, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from engine.errors import CasegridError, NotFound, ValidationError
from web.errors import status_of
from web.extensions import csrf
from web.open311.formats import errors

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")

# No CSRF token: a POST must carry an api_key (an API token), which a browser never adds to a
# cross-site form on its own; nothing here reads the login session.
csrf.exempt(bp)


def request_format() -> str:
    """The format the URL asked for (``.xml`` or ``.json``). A path that names neither (``/services``, an unknown
    path) gets XML, GeoReport's one required format, unless the client's ``Accept`` prefers JSON."""
    if request.path.endswith(".xml"):
        return "xml"
    if request.path.endswith(".json"):
        return "json"
    preferred = request.accept_mimetypes.best_match(["text/xml", "application/xml", "application/json"])
    return "json" if preferred == "application/json" else "xml"


def jurisdiction() -> str:
    """The one jurisdiction this endpoint serves (``OPEN311_JURISDICTION``)."""
    return str(current_app.config["OPEN311_JURISDICTION"])


@bp.before_request
def _check_jurisdiction() -> None:
    """GeoReport's ``jurisdiction_id`` is optional on an endpoint that serves one jurisdiction; one that names
    another jurisdiction is 404 ("jurisdiction_id provided was not found"), on every operation."""
    given = (request.values.get("jurisdiction_id") or "").strip()
    if given and given != jurisdiction():
        raise NotFound(_("jurisdiction_id %(given)s 不存在：本接口只服务 %(ours)s", given=given[:100],
                         ours=jurisdiction()))


#: GeoReport's parameter names, which an error may name (the client sent them).
PARAMETERS = frozenset({
    "api_key", "jurisdiction_id", "service_code", "lat", "long", "address_string", "address_id", "email",
    "device_id", "account_id", "first_name", "last_name", "phone", "description", "media_url", "attribute[grid]",
    "attribute[privacy_mode]",
    "service_request_id", "start_date", "end_date", "status", "media",
})
#: The engine's names for what a client sent under a GeoReport parameter.
ENGINE_FIELDS = {"category": "service_code", "grid_code": "attribute[grid]", "address": "address_string",
                 "reporter_phone": "phone", "reporter_name": "first_name"}


def _described(field: str, message: str) -> str:
    """``parameter: message``; a field a client cannot know (the engine's own) is never named."""
    name = ENGINE_FIELDS.get(field, field)
    return f"{name}: {message}" if name in PARAMETERS else message


@bp.errorhandler(CasegridError)
def _engine_error(error: CasegridError) -> ResponseReturnValue:
    if isinstance(error, ValidationError) and error.field_errors:
        descriptions = [_described(field, message) for field, message in error.field_errors.items()]
    else:
        descriptions = [error.message]
    return errors(request_format(), status_of(error), descriptions)


def http_error(status: int, message: str | None = None) -> ResponseReturnValue:
    """An HTTP error under ``/open311/`` (an unknown path, a method no operation takes, a body too large, an
    unexpected failure) as GeoReport's error list, never an HTML page. web/errors.py routes them here, since a
    path no rule matched reaches no blueprint's handler."""
    messages = {404: _("没有这个接口：GeoReport v2 的路径带格式后缀，如 services.xml、requests.json、discovery.xml"),
                405: _("此路径不支持 %(method)s 请求", method=request.method[:10]),
                413: _("请求体过大"), 500: _("系统暂时无法完成操作，您的数据未被修改。请稍后重试。")}
    return errors(request_format(), status, [message or messages.get(status, str(status))])


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> ResponseReturnValue:
    return http_error(error.code or 500)
