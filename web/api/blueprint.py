from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__, template_folder="templates", url_prefix='/api' or None)
