"""Errors become pages (or JSON under /api) with a clear message: never a traceback, never a bare 500."""
from __future__ import annotations

import logging

from flask import Flask, current_app, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from engine import CasegridError, ConflictError, NotFound, PermissionDenied, ValidationError
from engine.db import mapped_driver_error
from engine.errors import CaseStepError, StorageUnavailable

log = logging.getLogger("casegrid.web")

#: Engine error → HTTP status.
STATUS = {NotFound: 404, PermissionDenied: 403, ValidationError: 400, ConflictError: 409, CaseStepError: 422,
          StorageUnavailable: 503}


def status_of(error: CasegridError) -> int:
    return next((code for cls, code in STATUS.items() if isinstance(error, cls)), 400)


def _titles() -> dict[int, str]:
    return {
        400: _("请求有误"), 401: _("请先登录"), 403: _("无权访问"), 404: _("未找到"), 405: _("不支持的操作"),
        409: _("操作冲突"), 413: _("内容过大"), 422: _("无法处理"), 429: _("操作过于频繁"), 500: _("系统出错"),
        503: _("暂时无法保存"),
    }


def render_error(status: int, message: str | None = None, **extra: object) -> ResponseReturnValue:
    """The error page, or JSON (``error``, ``message``, ``status`` and ``extra``) under /api or when asked for;
    under a path prefix registered in ``casegrid.error_formats`` (Open311's), that interface's own error format."""
    for prefix, render in current_app.extensions.get("casegrid.error_formats", {}).items():
        if request.path.startswith(prefix):
            return render(status, message)  # type: ignore[no-any-return]
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        return jsonify(error=_titles().get(status, str(status)), message=message, status=status, **extra), status
    return render_template("errors.html", status=status, title=_titles().get(status, str(status)),
                           message=message), status


def _http(error: HTTPException) -> ResponseReturnValue:
    if error.code == 401 and not request.path.startswith("/api/"):
        return redirect(url_for("auth.login", next=request.full_path))
    return render_error(error.code or 500, None)


def _engine(error: CasegridError) -> ResponseReturnValue:
    return render_error(status_of(error), error.message)


def _csrf(error: CSRFError) -> ResponseReturnValue:
    return render_error(400, _("表单已过期或缺少安全令牌，请刷新页面后重试。"))


def _unexpected(error: Exception) -> ResponseReturnValue:
    original = getattr(error, "original_exception", error)
    # A lock wait that ran out (busy, not broken), or a database that cannot store right now (503).
    if (mapped := mapped_driver_error(original)) is not None:
        return render_error(status_of(mapped), mapped.message)
    log.exception("unexpected error on %s %s", request.method, request.path, exc_info=original)
    return render_error(500, _("系统暂时无法完成操作，您的数据未被修改。请稍后重试。"))


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf)
    app.register_error_handler(CasegridError, _engine)
    app.register_error_handler(HTTPException, _http)
    app.register_error_handler(InternalServerError, _unexpected)
    app.register_error_handler(Exception, _unexpected)
