"""Input no field may hold, refused for every request before a view sees it (DESIGN.md §5).

- **Control characters** (NUL, the other C0 controls but tab, line feed and carriage return, and DEL)
  and **lone surrogates** (a JSON ``"\\ud800"`` decodes to one). No person types them; PostgreSQL cannot
  store NUL (the insert failed: a 500 on PostgreSQL where SQLite stored it) and psycopg refuses it even
  as a query parameter; a lone surrogate cannot be encoded as UTF-8, so every save of one failed. In
  the query, a form field or a JSON string: 400 naming the field; in the path: 404, as nothing is named
  so. One check here covers every form, API body and URL, instead of a rule in each form that the next
  form forgets.
- **Bodies over** ``MAX_CONTENT_LENGTH`` (default :data:`MAX_BODY_BYTES`): 413 before the body is read.
  The largest legitimate body is a diagram saved from the editor (2 MB of BPMN, JSON-escaped).
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Flask, request
from flask_babel import gettext as _

from engine.bpmn.forms import FORBIDDEN_CHARACTERS
from engine.errors import NotFound, ValidationError

#: Largest request body accepted, in bytes (a 2 MB diagram whose every character is JSON-escaped fits).
MAX_BODY_BYTES = 8 * 1024 * 1024


def _strings(value: Any) -> Iterable[str]:
    """Every string in a parsed JSON document, keys included."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _inputs() -> Iterable[tuple[str, str]]:
    """(where, text) for every piece of text the request carries but the path."""
    for key, value in request.args.items(multi=True):
        yield key, key
        yield key, value
    if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
        return
    if request.is_json:
        for text in _strings(request.get_json(silent=True)):
            yield "body", text
        return
    for key, value in request.form.items(multi=True):
        yield key, key
        yield key, value


def _refuse_forbidden_characters() -> None:
    if FORBIDDEN_CHARACTERS.search(request.path):
        # No resource is named so; looking it up would hand NUL to the database driver.
        raise NotFound(_("未找到"))
    # A multipart part werkzeug could not decode arrives as None: nothing a field can hold, nothing to refuse.
    bad = {where: _("含有不允许的控制字符或无效字符") for where, text in _inputs()
           if isinstance(text, str) and FORBIDDEN_CHARACTERS.search(text)}
    if bad:
        # An engine error, so that each part of the app answers in its own format (the API's JSON,
        # Open311's error list, an error page), naming the field.
        raise ValidationError(_("输入中含有不允许的控制字符或无效字符（如 \\0），请删除后重试"), bad)


def init_app(app: Flask) -> None:
    if app.config.get("MAX_CONTENT_LENGTH") is None:  # Flask's default: no limit at all
        app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    # First of all before-request hooks: the CSRF check reads the form too, and must not see them either.
    app.before_request_funcs.setdefault(None, []).insert(0, _refuse_forbidden_characters)
