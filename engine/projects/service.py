"""The projects service: each call is one transaction, like :class:`engine.cases.service.CaseService`.

``web/`` reaches it as ``app.extensions["casegrid.projects"]``. A project's tasks after 申报 are completed
through :class:`~engine.cases.service.CaseService` (and 立项 through the council's sitting); this service adds
what is particular to projects: the operator registry, opening a 申报, and the read models.
"""
from __future__ import annotations

from engine.cases.hooks import HookRegistry
from engine.cases.models import Case
from engine.clock import Clock, SystemClock
from engine.db import Database
from engine.people.actor import Actor
from engine.projects import operations, registry, read_models
from engine.projects.operations import ProjectIntake
from engine.processes import default_hooks


class ProjectService:
    def __init__(self, db: Database, clock: Clock | None = None, hooks: HookRegistry | None = None) -> None:
        self.db = db
        self.clock = clock or SystemClock()
        self.hooks = hooks or default_hooks()

    def register_operator(self, *, code: str, name: str, kind: str, actor: Actor) -> None:
        with self.db.transaction() as s:
            registry.register_operator(s, code=code, name=name, kind=kind, actor=actor, at=self.clock.now())

    def open_project(self, intake: ProjectIntake, actor: Actor) -> Case:
        """Register a 申报; the project waits for 立项 at the next council sitting."""
        with self.db.transaction() as s:
            return operations.open_project(s, intake, actor=actor, at=self.clock.now(), hooks=self.hooks).case

    def operators(self, actor: Actor) -> list[read_models.OperatorRow]:
        read_models.check_may_read(actor)
        with self.db.reading() as s:
            return read_models.operator_rows(s)

    def projects(self, actor: Actor) -> list[read_models.ProjectRow]:
        read_models.check_may_read(actor)
        with self.db.reading() as s:
            return read_models.project_rows(s)

    def project(self, ref: str, actor: Actor) -> read_models.ProjectPage:
        read_models.check_may_read(actor)
        with self.db.reading() as s:
            return read_models.project_page(s, ref, actor)
