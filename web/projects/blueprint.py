"""The projects blueprint; its routes are in :mod:`web.projects.views`."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("projects", __name__, template_folder="templates", url_prefix="/projects")
