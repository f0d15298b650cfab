"""The resident pages' blueprint; its routes live in :mod:`web.public.report` and :mod:`web.public.track`."""
from __future__ import annotations

from flask import Blueprint
from flask_limiter import RateLimitExceeded

from web.public.labels import helpers
from web.public.limits import too_many

bp = Blueprint("public", __name__, template_folder="templates")
bp.context_processor(helpers)
bp.register_error_handler(RateLimitExceeded, too_many)
