"""The joint-meetings blueprint; its routes are in :mod:`web.joint.views`."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("joint", __name__, template_folder="templates", url_prefix="/joint")
