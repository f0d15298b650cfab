"""The field service: each call is one transaction, like :class:`engine.CaseService`.

``web/`` reaches it as ``app.extensions["casegrid.field"]``.
"""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from engine.audit.access_log import record_access
from engine.calendar import china_date
from engine.calendar.store import load_calendar
from engine.cases.intake import Intake
from engine.cases.location import Location
from engine.cases.hooks import HookRegistry
from engine.clock import Clock, SystemClock
from engine.db import Database
from engine.errors import NotFound
from engine.evidence.operations import MAX_PER_CASE
from engine.field import access, files, flags, plans, register_io, reminders, read_models, visits, volunteers
from engine.field.plans import Generated
from engine.field.visits import MeetingInput, VisitInput
from engine.field.volunteers import ServiceInput, VolunteerInput
from engine.people.actor import Actor
from engine.processes import default_hooks

log = logging.getLogger("casegrid.field")


class FieldService:
    def __init__(self, db: Database, clock: Clock | None = None, hooks: HookRegistry | None = None,
                 max_files_per_case: int = MAX_PER_CASE) -> None:
        self.db = db
        self.clock = clock or SystemClock()
        self.hooks = hooks or default_hooks()
        self.max_files_per_case = max_files_per_case

    # -- recording ----------------------------------------------------------------

    def record_visit(self, data: VisitInput, actor: Actor) -> tuple[int, bool]:
        """(visit id, whether it is new): a capture synced again with its key returns its first visit — also
        when the two arrive at once (on PostgreSQL the second then waits on the key's unique index, and fails
        there once the first commits: it is answered with the first one's visit)."""
        try:
            with self.db.transaction() as s:
                visit, new = visits.record_visit(s, data, actor=actor, at=self.clock.now())
                return visit.id, new
        except IntegrityError:
            if not (data.client_key or "").strip():
                raise
            with self.db.transaction() as s:
                visit, new = visits.record_visit(s, data, actor=actor, at=self.clock.now())
                return visit.id, new

    def file_report(self, intake: Intake, client_key: str, actor: Actor,
                    photos: list[str] | tuple[str, ...] = (), point: Location | None = None) -> tuple[str, bool]:
        """(tracking code, whether it is new) of the case a phone report opened; like :meth:`record_visit`, a
        report synced twice — also two at once — opens one case."""
        def once() -> tuple[str, bool]:
            with self.db.transaction() as s:
                case, new = visits.file_report(s, intake, client_key, photos=photos, actor=actor,
                                               at=self.clock.now(), hooks=self.hooks, point=point,
                                               max_files_per_case=self.max_files_per_case)
                return case.tracking_code, new
        try:
            return once()
        except IntegrityError:
            return once()

    def record_meeting(self, data: MeetingInput, actor: Actor) -> int:
        with self.db.transaction() as s:
            return visits.record_meeting(s, data, actor=actor, at=self.clock.now()).id

    def need_to_case(self, need_id: int, category: str, actor: Actor, priority: str = "normal") -> str:
        """Open a case for the need; returns its tracking code."""
        with self.db.transaction() as s:
            case = visits.need_to_case(s, need_id, category=category, priority=priority, actor=actor,
                                       at=self.clock.now(), hooks=self.hooks,
                                       max_files_per_case=self.max_files_per_case)
            return case.tracking_code

    def set_flags(self, household_id: int, codes: list[str], actor: Actor) -> list[str]:
        with self.db.transaction() as s:
            home = access.household(s, household_id, actor)
            return flags.set_flags(s, home, codes, actor=actor, at=self.clock.now())

    # -- household files (一户一档) ----------------------------------------------------

    def add_member(self, household_id: int, *, name: str, relation: str, birth_year: str | None,
                   actor: Actor) -> None:
        with self.db.transaction() as s:
            files.add_member(s, household_id, name=name, relation=relation, birth_year=birth_year, actor=actor,
                             at=self.clock.now())

    def add_note(self, household_id: int, *, text: str, sensitive: bool, actor: Actor) -> None:
        with self.db.transaction() as s:
            files.add_note(s, household_id, text=text, sensitive=sensitive, actor=actor, at=self.clock.now())

    def request_note(self, note_id: int, purpose: str | None, detail: str | None, actor: Actor) -> int:
        """Ask the supervisor (社区书记) to let ``actor`` read a sensitive note; the request's id."""
        with self.db.transaction() as s:
            return files.request_note(s, note_id, purpose=purpose, detail=detail, actor=actor, at=self.clock.now()).id

    def read_note(self, note_id: int, actor: Actor) -> str:
        """A note's text; a sensitive one only under a running approval, once its reading is in the access log."""
        with self.db.transaction() as s:
            return files.read_note(s, note_id, actor=actor, at=self.clock.now())

    def household_file(self, household_id: int, actor: Actor) -> files.HouseholdFile:
        with self.db.reading() as s:
            return files.household_file(s, household_id, actor, self.clock.now())

    def import_households(self, grid_code: str, data: bytes, name: str, actor: Actor) -> register_io.Imported:
        """All or nothing: a bad line is named and nothing is written."""
        with self.db.transaction() as s:
            return register_io.import_households(s, grid_code, data, name, actor=actor, at=self.clock.now())

    def export_households(self, actor: Actor, kind: str) -> bytes:
        with self.db.reading() as s:
            rows = register_io.export_rows(s, actor)
        return register_io.to_xlsx(rows) if kind == "xlsx" else register_io.to_csv(rows)

    # -- plans --------------------------------------------------------------------

    def create_plan(self, *, name: str, flag: str, per_month: str | int, grid_code: str | None,
                    actor: Actor) -> Generated:
        """Create a plan and the due visits of the current month at once."""
        now = self.clock.now()
        with self.db.transaction() as s:
            plans.create_plan(s, name=name, flag=flag, per_month=per_month, grid_code=grid_code, actor=actor, at=now)
            return plans.generate(s, plans.month_of(china_date(now)), calendar=load_calendar(s, now), at=now)

    def set_plan_active(self, plan_id: int, active: bool, actor: Actor) -> None:
        with self.db.transaction() as s:
            plans.set_active(s, plan_id, active, actor=actor)

    def generate_due(self, month: str | None = None, actor: Actor | None = None,
                     at: datetime | None = None) -> Generated:
        """The due visits of ``month`` (default: this month in China); idempotent. ``actor`` None: the system.
        ``at``: the instant to work as of (the sweep's cycle), else the clock's."""
        if actor is not None:
            access.check_may_plan(actor)
        now = at or self.clock.now()
        with self.db.transaction() as s:
            return plans.generate(s, month or plans.month_of(china_date(now)), calendar=load_calendar(s, now),
                                  at=now)

    def remind_due(self, now: datetime | None = None) -> dict[str, int]:
        """Tell grid workers of due visits whose deadline is near, and them and the supervisors of those
        missed (:mod:`engine.field.reminders`); idempotent. One transaction per grid: one that fails is
        counted and logged, and the other grids still get theirs."""
        when = now or self.clock.now()
        counts = {"reminded": 0, "overdue": 0, "failed": 0}
        with self.db.reading() as s:
            groups = reminders.open_groups(s, when)
        by_grid: dict[str, list[reminders.OpenGroup]] = {}
        for group in groups:
            by_grid.setdefault(group.grid_code, []).append(group)
        for grid, grid_groups in by_grid.items():
            try:
                with self.db.transaction() as s:
                    done = [reminders.remind_group(s, g, when) for g in grid_groups]
                for outcome in done:
                    if outcome is not None:
                        counts[outcome] += 1
            except Exception:  # noqa: BLE001 — one grid's failure must not stop the others
                log.exception("due-visit reminders failed for grid %s", grid)
                counts["failed"] += 1
        return counts

    # -- volunteers (志愿者, 社区积分, 时间银行) ----------------------------------------------------------------

    def register_volunteer(self, data: VolunteerInput, actor: Actor) -> int:
        with self.db.transaction() as s:
            return volunteers.register(s, data, actor=actor, at=self.clock.now()).id

    def set_volunteer_active(self, volunteer_id: int, active: bool, actor: Actor) -> None:
        with self.db.transaction() as s:
            volunteers.set_active(s, volunteer_id, active, actor=actor)

    def record_service(self, volunteer_id: int, data: ServiceInput, actor: Actor) -> int:
        with self.db.transaction() as s:
            return volunteers.record_service(s, volunteer_id, data, actor=actor, at=self.clock.now()).id

    def decide_service(self, service_id: int, confirm: bool, actor: Actor, note: str = "") -> int:
        """Confirm (crediting points and time-bank minutes) or reject; returns the volunteer's id."""
        with self.db.transaction() as s:
            return volunteers.decide_service(s, service_id, confirm, note=note, actor=actor,
                                             at=self.clock.now()).volunteer_id

    def spend(self, volunteer_id: int, account: str, amount: str | int, reason: str, actor: Actor) -> int:
        """Redeem points or withdraw time-bank minutes; returns the balance left."""
        with self.db.transaction() as s:
            return volunteers.spend(s, volunteer_id, account, amount, reason, actor=actor, at=self.clock.now()).balance

    def volunteer_rows(self, actor: Actor) -> list[volunteers.VolunteerRow]:
        with self.db.reading() as s:
            return volunteers.volunteers(s, actor, at=self.clock.now())

    def volunteer_page(self, volunteer_id: int, actor: Actor) -> volunteers.VolunteerPage:
        with self.db.reading() as s:
            return volunteers.volunteer_page(s, volunteer_id, actor, at=self.clock.now())

    def own_volunteer_records(self, identity_id: int) -> list[volunteers.VolunteerPage]:
        """A residents' app login's own volunteer records (matched by the verified phone's blind index)."""
        with self.db.reading() as s:
            return volunteers.own_records(s, identity_id, at=self.clock.now())

    def pending_services(self, actor: Actor) -> list[tuple[volunteers.ServiceRow, str]]:
        with self.db.reading() as s:
            return volunteers.pending_services(s, actor)

    def staffing(self, actor: Actor) -> list[volunteers.GridStaffing]:
        with self.db.reading() as s:
            return volunteers.staffing(s, actor)

    # -- reading ------------------------------------------------------------------

    def due_list(self, actor: Actor, limit: int = 50) -> list[read_models.DueRow]:
        with self.db.reading() as s:
            return read_models.due_list(s, actor, now=self.clock.now(), limit=limit)

    def due_count(self, actor: Actor) -> tuple[int, int]:
        with self.db.reading() as s:
            return read_models.due_count(s, actor, now=self.clock.now())

    def visit(self, visit_id: int, actor: Actor) -> read_models.VisitPage:
        with self.db.reading() as s:
            return read_models.visit_page(s, visit_id, actor)

    def visit_photo(self, visit_id: int, sha256: str, variant: str, actor: Actor) -> tuple[str, str]:
        """(stored sha256 to send, media type) of a photo of a visit the actor may see: its thumbnail, or its
        original once the view is written to the access log (a photo taken inside a home is personal data)."""
        with self.db.reading() as s:
            row = read_models.visit_photo(s, visit_id, sha256, actor)
            original, thumb, media_type = row.sha256, row.thumb_sha256, row.media_type
        if variant == "thumb":
            if thumb is None:
                raise NotFound("这张照片没有缩略图")
            return thumb, "image/jpeg"
        with self.db.transaction() as s:
            record_access(s, actor, kind="download", case=None, what=f"visit:{visit_id}:photo:{original[:16]}",
                          reason="查看入户走访照片原件", at=self.clock.now())
        return original, media_type

    def recent_visits(self, actor: Actor) -> list[read_models.VisitRow]:
        with self.db.reading() as s:
            return read_models.recent_visits(s, actor)

    def households(self, actor: Actor, flag: str | None = None) -> list[read_models.HouseholdRow]:
        with self.db.reading() as s:
            return read_models.households(s, actor, flag=flag)

    def household(self, household_id: int, actor: Actor) -> read_models.HouseholdPage:
        with self.db.reading() as s:
            return read_models.household_page(s, household_id, actor, now=self.clock.now())

    def meetings(self, actor: Actor) -> list[read_models.MeetingRow]:
        with self.db.reading() as s:
            return read_models.meetings(s, actor)

    def meeting(self, meeting_id: int, actor: Actor) -> read_models.MeetingPage:
        with self.db.reading() as s:
            return read_models.meeting_page(s, meeting_id, actor)

    def plans(self, actor: Actor) -> list[read_models.PlanRow]:
        with self.db.reading() as s:
            return read_models.plan_rows(s, actor)
