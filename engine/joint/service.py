"""The joint-meeting service: each call is one transaction. ``web/`` reaches it as
``app.extensions["casegrid.joint"]``; the sweep calls :meth:`JointService.sweep_cadence`."""
from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime

from engine.calendar import china_date
from engine.clock import Clock, SystemClock
from engine.db import Database
from engine.joint import cadence, operations, read_models
from engine.people.actor import Actor

log = logging.getLogger("casegrid.joint")


class JointService:
    def __init__(self, db: Database, clock: Clock | None = None) -> None:
        self.db = db
        self.clock = clock or SystemClock()

    # -- changes -----------------------------------------------------------------------------------------

    def create_committee(self, *, community: str, chair_username: str, actor: Actor, cadence_months: int = 1,
                         remind_days: int = 7) -> int:
        with self.db.transaction() as s:
            return operations.create_committee(s, community=community, chair_username=chair_username,
                                               cadence_months=cadence_months, remind_days=remind_days,
                                               actor=actor, at=self.clock.now()).id

    def set_cadence(self, committee_id: int, *, cadence_months: int, remind_days: int, chair_username: str,
                    actor: Actor) -> None:
        with self.db.transaction() as s:
            operations.set_cadence(s, committee_id, cadence_months=cadence_months, remind_days=remind_days,
                                   chair_username=chair_username, actor=actor)

    def add_unit(self, committee_id: int, *, name: str, kind: str, representative: str, actor: Actor) -> int:
        with self.db.transaction() as s:
            return operations.add_unit(s, committee_id, name=name, kind=kind, representative=representative,
                                       actor=actor, at=self.clock.now()).id

    def schedule_meeting(self, committee_id: int, *, title: str, scheduled_for: datetime | None, actor: Actor,
                         location: str | None = None) -> int:
        with self.db.transaction() as s:
            return operations.schedule_meeting(s, committee_id, title=title, scheduled_for=scheduled_for,
                                               location=location, actor=actor, at=self.clock.now()).id

    def record_sitting(self, meeting_id: int, *, attendees: Mapping[int, str], actor: Actor, resolutions: str = "",
                       minutes: str | None = None) -> None:
        with self.db.transaction() as s:
            operations.record_sitting(s, meeting_id, attendees=attendees, resolutions=resolutions, minutes=minutes,
                                      actor=actor, at=self.clock.now())

    def approve_minutes(self, meeting_id: int, actor: Actor) -> None:
        with self.db.transaction() as s:
            operations.approve_minutes(s, meeting_id, actor=actor, at=self.clock.now())

    def mark_done(self, resolution_id: int, actor: Actor, note: str | None = None) -> int:
        """Returns the resolution's meeting id (where the page goes back to)."""
        with self.db.transaction() as s:
            return operations.mark_done(s, resolution_id, note=note, actor=actor, at=self.clock.now()).meeting_id

    def sweep_cadence(self, now: datetime | None = None) -> dict[str, int]:
        """Reminders and alerts of the cadence rule, one transaction per committee: one that fails is
        counted and logged, and the others still get theirs."""
        when = now or self.clock.now()
        counts = {"reminded": 0, "alerted": 0, "failed": 0}
        with self.db.reading() as s:
            ids = cadence.committee_ids(s)
        for committee_id in ids:
            try:
                with self.db.transaction() as s:
                    for name, value in cadence.sweep_committee(s, committee_id, when).items():
                        counts[name] += value
            except Exception:  # noqa: BLE001 — one committee's failure must not stop the others
                log.exception("joint cadence sweep failed for committee %s", committee_id)
                counts["failed"] += 1
        return counts

    # -- reading -----------------------------------------------------------------------------------------

    def communities(self) -> list[str]:
        """The communities a committee can be set up for (those some grid belongs to)."""
        with self.db.reading() as s:
            return read_models.communities(s)

    def committees(self, actor: Actor) -> list[read_models.CommitteeRow]:
        read_models.check_may_read(actor)
        with self.db.reading() as s:
            return read_models.committee_rows(s, china_date(self.clock.now()))

    def committee(self, committee_id: int, actor: Actor) -> read_models.CommitteePage:
        read_models.check_may_read(actor)
        with self.db.reading() as s:
            return read_models.committee_page(s, committee_id, china_date(self.clock.now()))

    def meeting(self, meeting_id: int, actor: Actor) -> read_models.MeetingPage:
        read_models.check_may_read(actor)
        with self.db.reading() as s:
            return read_models.meeting_page(s, meeting_id, china_date(self.clock.now()))
