"""The mediation blueprint; its routes are in :mod:`web.mediation.views`."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("mediation", __name__, template_folder="templates", url_prefix="/mediation")
