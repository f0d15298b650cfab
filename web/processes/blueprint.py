from __future__ import annotations

from flask import Blueprint

bp = Blueprint("processes", __name__, template_folder="templates", url_prefix="/processes")

#: Who may work on process diagrams (DESIGN.md §1: supervisors edit and publish them).
EDITORS = ("supervisor",)
