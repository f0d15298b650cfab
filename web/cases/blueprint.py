"""The case pages blueprint; its routes are in :mod:`web.cases.views`."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("cases", __name__, template_folder="templates", url_prefix="/cases")
