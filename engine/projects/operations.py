"""State changes of projects. Each runs inside the caller's transaction and never commits.

Opening a project is :func:`open_project` rather than :func:`engine.cases.operations.open_case`: a project
names its proposer and operator (the operator must still hold 运营资格), and its row is written in the same
transaction as the case. Everything after 申报 is the ordinary task path: 立项 is the ``deliberate`` task the
council's sitting completes (engine.council.meetings), the others are the generic task form.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.cases.access import unit_for_new_case
from engine.cases.chain import GENESIS
from engine.cases.hooks import HookRegistry
from engine.cases.intake import new_tracking_code
from engine.cases.models import Case
from engine.cases.steps import StepResult, run_engine_event
from engine.clock import to_db
from engine.errors import PermissionDenied, ValidationError
from engine.people.actor import Actor
from engine.people.models import Grid
from engine.people.roles import Role
from engine.projects.models import Project
from engine.projects.money import parse_yuan
from engine.projects.registry import check_may_run_new_project
from engine.specs.queries import current_version

#: Process key of governance projects (``bpmn/project.bpmn``).
PROCESS_KEY = "project"
#: The case category of every project (projects are not issues: no routing, no 三率).
CATEGORY = "治理项目"
PROPOSER_KINDS = {"community": "社区", "social_org": "社会组织", "resident_group": "居民团体"}
#: Who registers a 申报 (the community's staff and the street office take the paper forms in).
OPENERS = frozenset({Role.GRID_WORKER.value, Role.COUNCIL.value, Role.SUPERVISOR.value})


@dataclass
class ProjectIntake:
    title: str
    summary: str
    proposer_kind: str
    proposer_name: str
    operator: str
    grid_code: str
    requested_amount: str


def check_intake(session: Session, intake: ProjectIntake) -> tuple[Grid, int]:
    """The grid and the requested amount in fen, or one :class:`ValidationError` naming every bad field."""
    errors: dict[str, str] = {}
    title, summary = (intake.title or "").strip(), (intake.summary or "").strip()
    if not title or len(title) > 100:
        errors["title"] = "请填写项目名称（最多 100 字）"
    if not summary or len(summary) > 4000:
        errors["summary"] = "请填写项目内容（最多 4000 字）"
    if intake.proposer_kind not in PROPOSER_KINDS:
        errors["proposer_kind"] = "请选择申报主体类型"
    name = (intake.proposer_name or "").strip()
    if not name or len(name) > 200:
        errors["proposer_name"] = "请填写申报单位或团体名称（最多 200 字）"
    grid = session.scalar(select(Grid).where(Grid.code == (intake.grid_code or "").strip()))
    if grid is None:
        errors["grid_code"] = "请选择项目所在网格"
    fen = parse_yuan(intake.requested_amount or "")
    if fen is None:
        errors["requested_amount"] = "申请金额应为正数，最多两位小数，例如 50000"
    try:
        check_may_run_new_project(session, intake.operator)
    except ValidationError as exc:
        errors.update(exc.field_errors)
    if errors:
        raise ValidationError("申报信息有误", errors)
    assert grid is not None and fen is not None
    return grid, fen


def open_project(session: Session, intake: ProjectIntake, *, actor: Actor, at: datetime,
                 hooks: HookRegistry) -> StepResult:
    """Register a 申报 as a new case on the current version of the project process; it waits for 立项."""
    if actor.role not in OPENERS:
        raise PermissionDenied("只有网格员、社区治理委员会和街道督办可以登记项目申报")
    grid, fen = check_intake(session, intake)
    operator = check_may_run_new_project(session, intake.operator)
    version = current_version(session, PROCESS_KEY)
    case = Case(
        tracking_code=new_tracking_code(session, at), uuid=str(uuid.uuid4()), process_key=version.key,
        process_version_id=version.id, status="open", phase="collect", title=intake.title.strip(),
        category=CATEGORY, grid_code=grid.code, community=grid.community, address=None,
        description=intake.summary.strip(), channel="council", opened_at=to_db(at), opened_by=actor.username,
        snapshot="", version=0, last_seq=0, head_hash=GENESIS, unit_id=unit_for_new_case(session, actor, grid.code),
    )
    session.add(case)
    session.flush()
    session.add(Project(case_id=case.id, proposer_kind=intake.proposer_kind, proposer_name=intake.proposer_name.strip(),
                        operator_id=operator.id, summary=intake.summary.strip(), requested_fen=fen,
                        opened_at=to_db(at)))
    # Organisations only: a project's log names bodies, not people.
    data = {"title": case.title, "category": CATEGORY, "grid": grid.code, "community": grid.community,
            "description": case.description, "channel": case.channel, "proposer_kind": intake.proposer_kind,
            "proposer_name": intake.proposer_name.strip(), "operator": operator.code, "requested_fen": fen}
    payload = {"case_uuid": case.uuid, "tracking_code": case.tracking_code,
               "process": {"key": version.key, "version": version.version, "sha256": version.sha256}, "data": data}
    return run_engine_event(session, case, event_type="case_opened", payload=payload, actor=actor, at=at,
                            hooks=hooks)
