"""The engine service of this blueprint, and the case page's mediation links (a template global)."""
from __future__ import annotations

from flask import current_app
from flask_login import current_user

from engine import CasegridError
from engine.mediation.service import MediationService
from engine.mediation.read_models import CaseLinks


def mediation() -> MediationService:
    return current_app.extensions["casegrid.mediation"]


def mediation_links(code: str) -> CaseLinks | None:
    """What the case page ``code`` should say about mediation, for the logged-in user (None: nothing)."""
    if not current_user.is_authenticated:
        return None
    try:
        return mediation().case_links(code, current_user.actor)
    except CasegridError:  # the page itself already decided whether the user may see the case
        return None
