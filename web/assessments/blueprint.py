"""The assessments blueprint; its routes are in :mod:`web.assessments.views`."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("assessments", __name__, template_folder="templates", url_prefix="/assessments")
