"""The council's own deadline: closing the household votes whose window has passed, one transaction per vote.

It runs in the sweep next to the case timers and before them (:func:`sweep_due`), not inside the timer
walk: counting completes every household's instance, which also retires the vote's boundary timer, and
firing that timer first would throw the ballots away (the diagram's fallback path). A vote whose count
fails becomes an incident like a case whose timer fails (:func:`engine.sweep.timers.run_each`).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from engine.cases.hooks import HookRegistry
from engine.clock import to_db
from engine.council import households
from engine.council.models import HouseholdVote
from engine.db import Database
from engine.incidents.models import Incident
from engine.people.actor import SYSTEM
from engine.sweep.timers import TimerSweep, run_each, sweep_timers


def close_due_votes(db: Database, at: datetime, hooks: HookRegistry) -> TimerSweep:
    """A household vote's window is a deadline too: tally the votes whose window has closed."""
    with db.reading() as s:
        due = households.due_vote_ids(s, at)
        # A vote whose count failed waits for its incident's back-off like a case's timer does.
        resting = set(s.scalars(select(HouseholdVote.id).join(Incident, Incident.case_id == HouseholdVote.case_id)
                                .where(HouseholdVote.id.in_(due), Incident.status == Incident.OPEN,
                                       Incident.kind == "vote", Incident.retry_at > to_db(at)))) if due else set()
    due = [vote_id for vote_id in due if vote_id not in resting]

    def case_of(vote_id: int) -> int | None:
        with db.reading() as s:
            return s.scalar(select(HouseholdVote.case_id).where(HouseholdVote.id == vote_id))

    return run_each(db, due, at, "vote",
                    lambda s, vote_id: households.close_vote(s, vote_id, at=at, hooks=hooks, actor=SYSTEM), case_of)


def sweep_due(db: Database, at: datetime, hooks: HookRegistry, batch: int = 500, batches: int = 1) -> TimerSweep:
    """What is due now: the household votes whose window closed, then the case timers (see the module)."""
    sweep = close_due_votes(db, at, hooks)
    sweep.add(sweep_timers(db, at, hooks, batch, batches))
    return sweep
