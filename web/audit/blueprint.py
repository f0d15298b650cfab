"""The audit workspace blueprint; its routes are in :mod:`web.audit.views`."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("audit", __name__, template_folder="templates", url_prefix="/audit")
