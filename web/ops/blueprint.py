"""The operations blueprint; its routes are in :mod:`web.ops.views`."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("ops", __name__, template_folder="templates", url_prefix="/ops")
