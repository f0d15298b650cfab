"""The JSON API's blueprint: no CSRF tokens, errors as JSON with the fields that were wrong."""
from __future__ import annotations

from flask import Blueprint, Response, jsonify
from flask.typing import ResponseReturnValue

from engine.errors import CasegridError, ValidationError
from web.errors import render_error, status_of
from web.extensions import csrf, limiter

bp = Blueprint("api", __name__, url_prefix="/api")

# No CSRF token on the API. Callers authenticate with HTTP Basic on every request, which a
# browser never attaches to a cross-site request on its own. A logged-in browser session is
# accepted too (the UI's own scripts), and that is still safe: every POST must carry
# ``Content-Type: application/json`` (anything else gets 415, before the view runs), which an
# HTML form cannot send, and a cross-site script cannot send it without a CORS preflight that
# this app never approves; the session cookie is SameSite=Lax besides.
csrf.exempt(bp)

# Guessing passwords: after 20 wrong Basic credentials in a minute, the whole API answers that
# address with 429 until the minute is over (the login form has a limit of its own).
limiter.shared_limit("20 per minute", scope="api-credentials",
                     deduct_when=lambda response: response.status_code == 401)(bp)


def api_error(status: int, message: str, **extra: object) -> tuple[Response, int]:
    """An error body with the app's JSON error keys (``error``, ``message``, ``status``) plus ``extra``."""
    response, _ = render_error(status, message)  # type: ignore[misc,str-unpack]
    body: dict[str, object] = response.get_json()  # type: ignore[union-attr]
    return jsonify(body | extra), status


@bp.errorhandler(CasegridError)
def _engine_error(error: CasegridError) -> ResponseReturnValue:
    extra: dict[str, object] = {"code": error.code}
    if isinstance(error, ValidationError):
        extra["field_errors"] = error.field_errors
    return api_error(status_of(error), error.message, **extra)
