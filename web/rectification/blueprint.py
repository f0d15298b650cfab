"""The rectification blueprint; its routes are in :mod:`web.rectification.views`."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("rectification", __name__, template_folder="templates", url_prefix="/rectification")
