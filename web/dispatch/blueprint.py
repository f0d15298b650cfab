"""The dispatch blueprint (吹哨报到, 退单, 延期, 催办); its routes are in :mod:`web.dispatch.views`."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("dispatch", __name__, template_folder="templates")
