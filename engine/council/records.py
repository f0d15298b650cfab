"""The council's part in the civic loop's ``resolution`` form hooks.

While a household vote is open on an issue, its ``deliberate`` task waits for the tally: completing it by
hand (e.g. from the inbox's generic form) is refused, so the households' vote cannot be overtaken.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.cases.hooks import HookRegistry
from engine.cases.models import Case
from engine.council.models import HouseholdVote
from engine.errors import ValidationError


def _refuse_during_vote(session: Session, case: Case) -> None:
    closes_at = session.scalar(select(HouseholdVote.closes_at).where(HouseholdVote.case_id == case.id,
                                                                     HouseholdVote.status == "open"))
    if closes_at is not None:
        raise ValidationError("本议题正在户主表决中", {
            "decision": "本议题正在户主表决中，表决结束后将按计票结果自动办理"})


def register(registry: HookRegistry) -> None:
    """Wrap the ``resolution`` hooks registered by :mod:`engine.civic.records` (call after it)."""
    base = registry.get("resolution")

    def validate(session: Session, case: Case, data: Mapping[str, Any], at: datetime) -> None:
        _refuse_during_vote(session, case)
        if base.validate is not None:
            base.validate(session, case, data, at)

    registry.by_form_key["resolution"] = replace(base, validate=validate)
