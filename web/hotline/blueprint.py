"""The 12345 work orders blueprint; its routes are in :mod:`web.hotline.views`."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("hotline", __name__, template_folder="templates", url_prefix="/hotline")
