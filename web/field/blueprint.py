"""The field blueprint; its routes are in :mod:`web.field.views`."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("field", __name__, template_folder="templates", url_prefix="/field")
