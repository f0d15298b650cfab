"""The engine services bound to the current app (one per app, stateless across requests)."""
from __future__ import annotations

from flask import current_app

from engine import CaseService
from engine.evidence.service import EvidenceService
from engine.notify.service import NotificationService
from engine import PeopleService


def cases() -> CaseService:
    return current_app.extensions["casegrid.cases"]


def people() -> PeopleService:
    return current_app.extensions["casegrid.people"]


def notifications() -> NotificationService:
    return current_app.extensions["casegrid.notify"]


def evidence() -> EvidenceService:
    return current_app.extensions["casegrid.evidence"]
