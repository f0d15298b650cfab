"""Helpers the admin views share: engine field errors shown next to the form's fields."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from engine.errors import ValidationError


def show_errors(form: FlaskForm, error: ValidationError) -> None:
    """Put each engine field error next to its field; errors for fields the form lacks go on top.

    The engine words its messages in Chinese; the fixed ones have an English translation in
    this blueprint's catalogue (messages naming a value, e.g. a taken username, stay Chinese).
    """
    for name, text in error.field_errors.items() or [("", error.message)]:
        message = _(text)
        if name in form:
            form[name].errors = [*form[name].errors, message]
        else:
            form.form_errors.append(message)


def admin_name() -> str:
    """Who acts, for the admin log."""
    return str(current_user.username)
