"""The council's service: each call is one transaction, like :class:`engine.cases.service.CaseService`.

``web/`` reaches it as ``app.extensions["casegrid.council"]``.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from sqlalchemy import insert

from engine.cases.hooks import HookRegistry
from engine.cases.steps import StepResult
from engine.clock import Clock, SystemClock
from engine.council import households, meetings, register, rules, read_models
from engine.council.models import Household
from engine.db import Database
from engine.errors import PermissionDenied
from engine.evidence.operations import MAX_PER_CASE
from engine.people.actor import SYSTEM, Actor
from engine.processes import default_hooks


class CouncilService:
    def __init__(self, db: Database, clock: Clock | None = None, hooks: HookRegistry | None = None,
                 settings: rules.CouncilSettings = rules.DEFAULT, max_files_per_case: int = MAX_PER_CASE) -> None:
        self.db = db
        self.clock = clock or SystemClock()
        self.hooks = hooks or default_hooks()
        self.settings = settings
        self.max_files_per_case = max_files_per_case

    # -- meetings --------------------------------------------------------------------------------

    def schedule_meeting(self, *, title: str, scheduled_for: datetime, members: list[str], actor: Actor,
                         location: str | None = None, case_ids: list[int] | None = None) -> int:
        """Schedule a meeting for the pending issues; returns its id."""
        with self.db.transaction() as s:
            return meetings.schedule_meeting(s, title=title, scheduled_for=scheduled_for, members=members,
                                             location=location, actor=actor, at=self.clock.now(),
                                             case_ids=case_ids, settings=self.settings).id

    def record_sitting(self, meeting_id: int, *, present: Iterable[int],
                       decisions: Mapping[int, meetings.ItemDecision], actor: Actor,
                       minutes: str | None = None, minutes_files: Sequence[str] = ()) -> meetings.SittingResult:
        """The sitting in one transaction; ``minutes_files``: SHA-256s of files received by
        :meth:`engine.evidence.service.EvidenceService.receive`, attached to each case decided."""
        with self.db.transaction() as s:
            return meetings.record_sitting(s, meeting_id, present=set(present), decisions=decisions, actor=actor,
                                           at=self.clock.now(), hooks=self.hooks, minutes=minutes,
                                           minutes_files=minutes_files, max_files_per_case=self.max_files_per_case,
                                           settings=self.settings)

    def add_minutes(self, meeting_id: int, sha256s: Sequence[str], actor: Actor) -> int:
        """Attach received minutes files to a recorded sitting's decided cases (one transaction with their
        events); returns how many cases got them."""
        with self.db.transaction() as s:
            return meetings.add_minutes(s, meeting_id, sha256s, actor=actor, at=self.clock.now(),
                                        max_per_case=self.max_files_per_case)

    def pending_issues(self, actor: Actor) -> list[read_models.IssueRow]:
        _staff(actor)
        with self.db.reading() as s:
            return read_models.pending_issues(s)

    def meetings(self, actor: Actor) -> list[read_models.MeetingRow]:
        _staff(actor)
        with self.db.reading() as s:
            return read_models.meeting_rows(s)

    def meeting(self, meeting_id: int, actor: Actor) -> read_models.MeetingPage:
        _staff(actor)
        with self.db.reading() as s:
            return read_models.meeting_page(s, meeting_id, self.settings)

    # -- household votes ---------------------------------------------------------------------------

    def add_households(self, rows: Iterable[Mapping[str, str | None]]) -> int:
        """Register households (community, building, room, head_name, grid_code) in one statement."""
        rows = list(rows)
        with self.db.transaction() as s:
            if rows:
                s.execute(insert(Household), rows)
        return len(rows)

    def household_register(self, actor: Actor) -> register.RegisterPage:
        with self.db.reading() as s:
            return register.register_page(s, actor)

    def register_households(self, grid_code: str, text: str, actor: Actor) -> int:
        """Register households given as lines of ``楼栋,房号,户主姓名``; all or nothing."""
        with self.db.transaction() as s:
            return register.register_households(s, grid_code=grid_code, text=text, actor=actor)

    def cast_online(self, token: str, choice: str) -> None:
        """A household's vote through its one-time link; closes the vote when it was the last household."""
        with self.db.transaction() as s:
            vote_id, complete = households.cast_online(s, token, choice, at=self.clock.now())
            if complete:  # the last household: tally now rather than wait for the window to close
                households.close_vote(s, vote_id, at=self.clock.now(), hooks=self.hooks, actor=SYSTEM)

    def cast_proxy(self, vote_id: int, household_id: int, choice: str, actor: Actor) -> None:
        with self.db.transaction() as s:
            _, complete = households.cast_proxy(s, vote_id, household_id, choice, actor=actor, at=self.clock.now())
            if complete:
                households.close_vote(s, vote_id, at=self.clock.now(), hooks=self.hooks, actor=SYSTEM)

    def reissue_token(self, vote_id: int, household_id: int, actor: Actor) -> str:
        with self.db.transaction() as s:
            return households.reissue_token(s, vote_id, household_id, actor=actor, at=self.clock.now())

    def close_vote(self, vote_id: int, actor: Actor, *, early: bool = False) -> StepResult | None:
        if actor.role != "council" and not actor.is_system:
            raise PermissionDenied("只有社区治理委员会可以结束表决并计票")
        with self.db.transaction() as s:
            return households.close_vote(s, vote_id, at=self.clock.now(), hooks=self.hooks, actor=actor,
                                         early=early)

    def close_due_votes(self) -> list[int]:
        """The window timer: tally every vote whose deadline has passed (one transaction per vote)."""
        with self.db.reading() as s:
            due = households.due_vote_ids(s, self.clock.now())
        for vote_id in due:
            self.close_vote(vote_id, SYSTEM)
        return due

    def votes(self, actor: Actor, status: str | None = None) -> list[read_models.VoteRow]:
        _staff(actor)
        with self.db.reading() as s:
            return read_models.vote_rows(s, status=status)

    def vote(self, vote_id: int, actor: Actor) -> read_models.VotePage:
        with self.db.reading() as s:
            return read_models.vote_page(s, vote_id, actor, self.clock.now())

    def ballot(self, token: str) -> read_models.BallotPage:
        with self.db.reading() as s:
            return read_models.ballot_page(s, token, self.clock.now())

    def published_result(self, vote_id: int) -> read_models.PublishedResult:
        with self.db.reading() as s:
            return read_models.published_result(s, vote_id)


def _staff(actor: Actor) -> None:
    if actor.role not in ("council", "grid_worker"):
        raise PermissionDenied("无权查看议事会议")
