"""The Open311 blueprint: no CSRF (machines post here, authenticated by ``api_key``), errors in GeoReport's format."""
from __future__ import annotations

from flask import Blueprint, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_limiter import RateLimitExceeded
from werkzeug.exceptions import HTTPException

from engine.errors import CasegridError, ValidationError
from web.errors import status_of
from web.extensions import csrf
from web.open311.formats import errors

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")

# No CSRF token: a POST must carry an api_key (an API token), which a browser never adds to a
# cross-site form on its own; nothing here reads the login session.
csrf.exempt(bp)


def request_format() -> str:
    """The format the URL asked for (``.xml`` or ``.json``); JSON when it named neither."""
    return "xml" if request.path.endswith(".xml") else "json"


@bp.errorhandler(CasegridError)
def _engine_error(error: CasegridError) -> ResponseReturnValue:
    if isinstance(error, ValidationError) and error.field_errors:
        descriptions = [f"{field}: {message}" for field, message in error.field_errors.items()]
    else:
        descriptions = [error.message]
    return errors(request_format(), status_of(error), descriptions)


@bp.errorhandler(RateLimitExceeded)
def _too_many(_error: RateLimitExceeded) -> ResponseReturnValue:
    return errors(request_format(), 429, [_("提交过于频繁，请稍后再试")])


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> ResponseReturnValue:
    return errors(request_format(), error.code or 500, [error.description or str(error.code)])
