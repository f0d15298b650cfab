"""What every process view needs: the service, the supervisor's name, problems as the page shows them."""
from __future__ import annotations

from flask import current_app

from engine.specs.service import ProcessService
from engine.specs.validation import Problem
from web.access import current_actor


def processes() -> ProcessService:
    return current_app.extensions["casegrid.processes"]


def by() -> str:
    """Who is acting, as recorded in ``published_by`` and the log."""
    return current_actor().username


def problems_from(texts: list[str]) -> list[Problem]:
    """:class:`SpecError` problems (``"<id>: <message>"``) as :class:`Problem` rows."""
    return [Problem.from_text(t) for t in texts]
