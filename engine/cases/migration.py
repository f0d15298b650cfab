"""Moving open cases from one published version of a process to a newer one.

Publishing never touches a running case. A supervisor may then move the open
cases of version N to N+1 — each case only if every task it waits at still exists
in N+1 (:func:`engine.bpmn.rehang.migration_problems`). The move is a
``spec_migrated`` engine event in the case's own log, with the supervisor as its
actor, so replay repeats it and the hash chain records who did it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.cases.hooks import HookRegistry
from engine.cases.models import Case, WorkItem
from engine.cases.queries import lock_case
from engine.cases.routing import department_for, grid_for
from engine.cases.steps import load_instance, run_engine_event
from engine.errors import ConflictError, PermissionDenied, ValidationError
from engine.people.actor import Actor
from engine.people.roles import Role
from engine.specs.models import ProcessVersion
from engine.specs.queries import version_by_id
from engine.specs.registry import process_of
from engine.bpmn.rehang import active_elements, migration_problems


def open_case_counts(session: Session) -> dict[int, int]:
    """Open cases pinned to each version id (versions without open cases are absent)."""
    rows = session.execute(
        select(Case.process_version_id, func.count()).where(Case.status == "open")
        .group_by(Case.process_version_id)
    )
    return {version_id: count for version_id, count in rows}


def open_cases_on(session: Session, version_id: int) -> list[Case]:
    """The open cases pinned to one version, oldest first."""
    return list(session.scalars(
        select(Case).where(Case.process_version_id == version_id, Case.status == "open").order_by(Case.id)
    ))


@dataclass(frozen=True)
class CaseMigration:
    """The dry-run verdict on one open case."""

    case_id: int
    tracking_code: str
    title: str
    #: BPMN ids of the tasks the case waits at now.
    active: tuple[str, ...]
    #: ``"<element id>: <reason>"`` for each thing that stops the move; empty when the case can move.
    problems: tuple[str, ...]

    @property
    def can_migrate(self) -> bool:
        return not self.problems

    @property
    def missing(self) -> tuple[str, ...]:
        """Element ids named by the problems."""
        return tuple(dict.fromkeys(p.split(":", 1)[0] for p in self.problems))


def check_versions(source: ProcessVersion, target: ProcessVersion) -> None:
    """Only forward, within one process, to a published version."""
    if source.key != target.key:
        raise ValidationError("迁移目标有误", {"to_version": "只能迁移到同一流程的其他版本"})
    if target.status != "published":
        raise ValidationError("迁移目标有误", {"to_version": "只能迁移到已发布的版本"})
    if target.version <= source.version:
        raise ValidationError("迁移目标有误", {"to_version": "只能迁移到更新的版本"})


def plan(session: Session, from_version_id: int, to_version_id: int) -> list[CaseMigration]:
    """Dry run: every open case of ``from_version_id`` and whether it can move to ``to_version_id``."""
    source, target = version_by_id(session, from_version_id), version_by_id(session, to_version_id)
    check_versions(source, target)
    process = process_of(session, target.id)
    return [CaseMigration(case.id, case.tracking_code, case.title, tuple(active_elements(case.snapshot)),
                          tuple(migration_problems(case.snapshot, process)))
            for case in open_cases_on(session, source.id)]


def _refresh_work_items(session: Session, case: Case) -> None:
    """Open work items take the new version's task name, form and lane (hence role and inbox)."""
    instance = load_instance(session, case)
    ready = {r.task_id: r for r in instance.ready_tasks()}
    items = session.scalars(select(WorkItem).where(WorkItem.case_id == case.id,
                                                   WorkItem.state.in_(WorkItem.OPEN_STATES)))
    for item in items:
        task = ready.get(item.task_id)
        if task is None:
            continue
        human = task.human
        item.name, item.form_key, item.lane = human.name, human.form.key, human.lane
        if item.role != human.role.value:
            item.role, item.assignee, item.state, item.claimed_at = human.role.value, None, "ready", None
            item.department_code = department_for(item.role, case, task.data)
            item.grid_code = grid_for(item.role, case)


def migrate_case(session: Session, case_id: int, to_version_id: int, *, actor: Actor, at: datetime,
                 hooks: HookRegistry) -> Case:
    """Move one open case to ``to_version_id`` as a ``spec_migrated`` event by ``actor`` (a supervisor)."""
    if actor.role != Role.SUPERVISOR.value:
        raise PermissionDenied("只有街道督办可以迁移案件")
    case = lock_case(session, case_id)
    if case.status != "open":
        raise ConflictError(f"案件 {case.tracking_code} 已结案，不能迁移")
    source, target = version_by_id(session, case.process_version_id), version_by_id(session, to_version_id)
    check_versions(source, target)
    problems = migration_problems(case.snapshot, process_of(session, target.id))
    if problems:
        raise ConflictError(f"案件 {case.tracking_code} 不能迁移：" + "；".join(problems))
    payload = {"from_version_id": source.id, "to_version_id": target.id, "to_sha256": target.sha256}
    run_engine_event(session, case, event_type="spec_migrated", payload=payload, actor=actor, at=at, hooks=hooks)
    _refresh_work_items(session, case)
    return case
