"""Putting the engine's field errors on a WTForms form (shared by the blueprints whose engine checks name fields)."""
from __future__ import annotations

from collections.abc import Mapping

from flask_wtf import FlaskForm


def place_engine_errors(form: FlaskForm, errors: Mapping[str, str]) -> list[str]:
    """The engine's field errors next to their fields; the others, to show above the form."""
    unplaced = []
    for key, message in errors.items():
        if key in form and key != "csrf_token":
            form[key].errors = [*form[key].errors, message]
        else:
            unplaced.append(message)
    return unplaced
