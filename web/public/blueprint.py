"""The resident pages' blueprint; its routes live in :mod:`web.public.report` and :mod:`web.public.track`."""
from __future__ import annotations

from flask import Blueprint

from web.public.labels import helpers

bp = Blueprint("public", __name__, template_folder="templates")
bp.context_processor(helpers)
