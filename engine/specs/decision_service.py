"""Decision tables (the routing table) as the interfaces use them: one transaction per call.

Helper pages (the dmn-js editor) and the CLI call this class; neither touches the tables.
"""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select

from engine.cases.models import Case
from engine.clock import Clock, SystemClock
from engine.db import Database
from engine.errors import NotFound
from engine.processes import default_decision_checks
from engine.specs import decisions
from engine.specs.decisions import Checker
from engine.specs.models import DecisionVersion
from engine.specs.service import VersionRow, version_row

#: A decision table version as the pages list it (the same shape as a process version's row).
DecisionRow = VersionRow


class DecisionService:
    def __init__(self, db: Database, clock: Clock | None = None, checks: Sequence[Checker] | None = None) -> None:
        self.db = db
        self.clock = clock or SystemClock()
        self.checks = list(default_decision_checks() if checks is None else checks)

    def _open_counts(self, s) -> dict[int, int]:  # type: ignore[no-untyped-def]
        rows = s.execute(select(Case.decision_version_id, func.count(Case.id))
                         .where(Case.status == "open", Case.decision_version_id.is_not(None))
                         .group_by(Case.decision_version_id))
        return {version_id: count for version_id, count in rows}

    def tables(self, key: str | None = None) -> list[DecisionRow]:
        """Every version (of ``key``), by document and newest first, with the open cases pinned to each."""
        with self.db.reading() as s:
            stmt = select(DecisionVersion).order_by(DecisionVersion.key, DecisionVersion.version.desc())
            if key is not None:
                stmt = stmt.where(DecisionVersion.key == key)
            counts = self._open_counts(s)
            return [version_row(v, counts) for v in s.scalars(stmt)]

    def row(self, version_id: int) -> DecisionRow:
        with self.db.reading() as s:
            return version_row(decisions.decision_by_id(s, version_id), self._open_counts(s))

    def xml(self, version_id: int) -> str:
        with self.db.reading() as s:
            return decisions.decision_by_id(s, version_id).xml

    def current(self, key: str = "routing") -> DecisionRow:
        """The version new cases use."""
        with self.db.reading() as s:
            version = decisions.current_decision(s, key)
            if version is None:
                raise NotFound(f"决策表 {key} 没有已发布的版本")
            return version_row(version, self._open_counts(s))

    def problems(self, xml: str) -> list[str]:
        """Why ``xml`` cannot be published, each naming the element or row; empty when it can."""
        with self.db.reading() as s:
            return decisions.decision_problems(s, xml, self.checks)

    def save_draft(self, xml: str, *, by: str, note: str | None = None) -> DecisionRow:
        """Store a draft (well-formed DMN with a ``definitions`` id; otherwise :class:`ValidationError` on ``xml``)."""
        with self.db.transaction() as s:
            draft = decisions.save_draft(s, xml, by=by, at=self.clock.now())
            draft.change_note = (note or "").strip() or None
            return version_row(draft, {})

    def publish(self, version_id: int, *, by: str, note: str | None = None) -> DecisionRow:
        """Check and publish a draft: new cases use it; cases pinned to earlier versions keep theirs.

        Raises :class:`SpecError` (``.problems`` names each row) and changes nothing when it is refused.
        """
        with self.db.transaction() as s:
            draft = decisions.decision_by_id(s, version_id)
            published = decisions.publish_draft(s, draft, by=by, at=self.clock.now(),
                                                note=note if note is not None else draft.change_note,
                                                checks=self.checks)
            return version_row(published, {})
