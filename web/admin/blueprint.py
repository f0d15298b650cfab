from __future__ import annotations

from flask import Blueprint

#: Views live in ``users.py`` and ``organisation.py``; ``web.admin`` imports them.
bp = Blueprint("admin", __name__, template_folder="templates", url_prefix="/admin")
