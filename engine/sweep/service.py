"""The sweep for the interfaces: its state for the operations page (supervisors and admins)."""
from __future__ import annotations

from engine.clock import Clock
from engine.db import Database
from engine.incidents.queries import check_may_handle
from engine.people.actor import Actor
from engine.sweep.status import SweepStatus, sweep_status


class SweepService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def status(self, actor: Actor) -> SweepStatus:
        check_may_handle(actor)
        with self.db.reading() as s:
            return sweep_status(s, self.clock.now())
