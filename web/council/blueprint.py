"""The council blueprint (staff, /council) and the public voting blueprint (/vote)."""
from __future__ import annotations

from flask import Blueprint, current_app

from engine.council.service import CouncilService

bp = Blueprint("council", __name__, template_folder="templates", url_prefix="/council")
vote_bp = Blueprint("vote", __name__, template_folder="templates", url_prefix="/vote")


def council() -> CouncilService:
    return current_app.extensions["casegrid.council"]
