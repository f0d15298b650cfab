"""The routing table's pages: versions, the readable table of any version, drafts, validation, publishing.

Storage and publishing are :class:`engine.specs.decision_service.DecisionService`'s (helper "dispatch");
this service adds who may do what and the readable view with each row's problems. ``web/`` reaches it as
``app.extensions["casegrid.routing"]``.
"""
from __future__ import annotations

from dataclasses import dataclass

from engine.clock import Clock, SystemClock
from engine.db import Database
from engine.errors import ConflictError, NotFound, PermissionDenied, SpecError
from engine.people.actor import Actor
from engine.people.directory import organisation
from engine.routing.table import read_table, read_tables
from engine.routing.view import TableView, table_view
from engine.specs.decision_service import DecisionRow, DecisionService

#: The document key of the routing table (its DMN ``definitions`` id).
KEY = "routing"
#: Who edits and publishes the routing table, and who may read it.
EDITORS = frozenset({"supervisor"})
READERS = frozenset({"supervisor", "auditor", "admin"})


@dataclass(frozen=True)
class TablePage:
    row: DecisionRow
    #: Whether new cases use this version.
    is_current: bool
    tables: list[TableView]
    #: Why it cannot be published (drafts only; empty when it can), as the publish check words them.
    problems: list[str]
    #: The document could not be read as decision tables at all (a broken draft): why.
    unreadable: str | None = None


class RoutingTableService:
    def __init__(self, db: Database, clock: Clock | None = None, decisions: DecisionService | None = None) -> None:
        self.db = db
        self.clock = clock or SystemClock()
        self.decisions = decisions or DecisionService(db, self.clock)

    def versions(self, actor: Actor) -> list[DecisionRow]:
        _may_read(actor)
        return self.decisions.tables(KEY)

    def page(self, version_id: int, actor: Actor) -> TablePage:
        """Any version as a readable table; a draft with its problems, each on its row where it has one."""
        _may_read(actor)
        row = self._row(version_id)
        xml = self.decisions.xml(version_id)
        current = self._current_id()
        problems = self.decisions.problems(xml) if row.status == "draft" else []
        with self.db.reading() as s:
            names = {d.code: d.name for d in organisation(s).departments}
        try:
            tables = read_tables(xml)
        except SpecError as exc:
            return TablePage(row, row.id == current, [], problems, exc.message)
        routing_id = _routing_id(xml)
        views = [table_view(t, names, problems if t.decision_id == routing_id else ()) for t in tables]
        return TablePage(row, row.id == current, views, problems)

    def xml(self, version_id: int, actor: Actor) -> str:
        _may_edit(actor)
        self._row(version_id)
        return self.decisions.xml(version_id)

    def problems(self, version_id: int, actor: Actor) -> list[str]:
        _may_edit(actor)
        return self.decisions.problems(self.decisions.xml(version_id))

    def save(self, xml: str, actor: Actor) -> DecisionRow:
        """Save what the editor holds as a new draft (a draft may be incomplete; publishing checks it)."""
        _may_edit(actor)
        return self.decisions.save_draft(xml, by=actor.username)

    def new_draft(self, version_id: int, actor: Actor) -> DecisionRow:
        """A draft copied from ``version_id``, to edit."""
        _may_edit(actor)
        self._row(version_id)
        return self.decisions.save_draft(self.decisions.xml(version_id), by=actor.username)

    def publish(self, version_id: int, actor: Actor, note: str | None) -> DecisionRow:
        """Publish a draft; :class:`SpecError` names each problem and nothing changes when it is refused."""
        _may_edit(actor)
        if self._row(version_id).status != "draft":
            raise ConflictError("只有草稿可以发布")
        return self.decisions.publish(version_id, by=actor.username, note=note)

    def _row(self, version_id: int) -> DecisionRow:
        row = self.decisions.row(version_id)
        if row.key != KEY:
            raise NotFound("不是权责清单的版本")
        return row

    def _current_id(self) -> int | None:
        try:
            return self.decisions.current(KEY).id
        except NotFound:  # nothing published yet
            return None


def _routing_id(xml: str) -> str | None:
    try:
        return read_table(xml).decision_id
    except SpecError:
        return None


def _may_read(actor: Actor) -> None:
    if actor.role not in READERS:
        raise PermissionDenied("无权查看权责清单")


def _may_edit(actor: Actor) -> None:
    if actor.role not in EDITORS:
        raise PermissionDenied("只有街道督办可以编辑和发布权责清单")
