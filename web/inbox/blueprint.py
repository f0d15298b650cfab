"""The inbox blueprint; its routes are in :mod:`web.inbox.views`."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("inbox", __name__, template_folder="templates", url_prefix="/inbox")
