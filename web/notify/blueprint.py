"""The notification blueprint; staff pages in :mod:`web.notify.views`, admin pages in :mod:`web.notify.admin`."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("notify", __name__, template_folder="templates")
