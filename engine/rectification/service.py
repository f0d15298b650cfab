"""The rectification service: each call is one transaction. ``web/`` reaches it as
``app.extensions["casegrid.rectification"]``; the sweep calls :meth:`RectificationService.sweep_overdue`."""
from __future__ import annotations

import logging
from datetime import date, datetime

from engine.calendar import china_date
from engine.clock import Clock, SystemClock
from engine.db import Database
from engine.people.actor import Actor
from engine.rectification import operations, overdue, read_models
from engine.rectification.access import check_staff

log = logging.getLogger("casegrid.rectification")


class RectificationService:
    def __init__(self, db: Database, clock: Clock | None = None) -> None:
        self.db = db
        self.clock = clock or SystemClock()

    # -- changes -----------------------------------------------------------------------------------------

    def raise_items(self, source_ref: str, text: str, actor: Actor) -> list[int]:
        """List the problems found by ``source_ref`` (``evaluation:12``, ``joint_meeting:3``, ``assessment:7``)."""
        with self.db.transaction() as s:
            return [i.id for i in operations.raise_items(s, source_ref, text, actor=actor, at=self.clock.now())]

    def submit(self, item_id: int, *, measures: str, evidence: str, actor: Actor) -> None:
        with self.db.transaction() as s:
            operations.submit(s, item_id, measures=measures, evidence=evidence, actor=actor, at=self.clock.now())

    def verify(self, item_id: int, *, accepted: bool, note: str, actor: Actor) -> None:
        with self.db.transaction() as s:
            operations.verify(s, item_id, accepted=accepted, note=note, actor=actor, at=self.clock.now())

    def sweep_overdue(self, now: datetime | None = None) -> dict[str, int]:
        """Flag the items whose deadline passed, one transaction per item: one that fails is counted and
        logged, and the others are still flagged."""
        when = now or self.clock.now()
        counts = {"flagged": 0, "failed": 0}
        with self.db.reading() as s:
            ids = operations.overdue_ids(s, china_date(when))
        for item_id in ids:
            try:
                with self.db.transaction() as s:
                    counts["flagged"] += overdue.flag_item(s, item_id, when)
            except Exception:  # noqa: BLE001 — one item's failure must not stop the others
                log.exception("rectification overdue sweep failed for item %s", item_id)
                counts["failed"] += 1
        return counts

    # -- reading -----------------------------------------------------------------------------------------

    def _today(self) -> date:
        return china_date(self.clock.now())

    def items(self, actor: Actor, *, status: str | None = None, overdue: bool = False,
              community: str | None = None) -> list[read_models.ItemRow]:
        with self.db.reading() as s:
            return read_models.item_rows(s, actor, self._today(), status=status, overdue=overdue, community=community)

    def summary(self, actor: Actor) -> read_models.Summary:
        with self.db.reading() as s:
            return read_models.summary(s, actor, self._today())

    def item(self, item_id: int, actor: Actor) -> read_models.ItemPage:
        with self.db.reading() as s:
            return read_models.item_page(s, actor, item_id, self._today())

    def of_case(self, case_id: int, actor: Actor) -> list[read_models.ItemRow]:
        with self.db.reading() as s:
            return read_models.rows_of_case(s, actor, case_id, self._today())

    def of_source(self, kind: str, source_id: int, actor: Actor) -> list[read_models.ItemRow]:
        with self.db.reading() as s:
            return read_models.rows_of_source(s, actor, kind, source_id, self._today())

    def source(self, ref: str, actor: Actor) -> read_models.SourceView:
        """What a raise form is about (:class:`NotFound` for an unknown source)."""
        check_staff(actor)
        with self.db.reading() as s:
            return read_models.source_view(operations.load_source(s, *operations.parse_source(ref)))
