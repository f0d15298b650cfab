"""Starting a case of any published process from its start event's form ("新建案件").

The civic loop and mediation open cases through intakes of their own (the resident's report, the
mediation intake) and say so through the hook registry; every other process — a supervisor's own
case type — starts here: the start form is validated like any task form, its values become the
case's first data, and a few well-known field names fill the case's summary columns.
"""
from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from engine.cases.chain import GENESIS
from engine.bpmn.forms import FormField, FormSpec, validate_form
from engine.bpmn.parser import ParsedProcess
from engine.cases.access import unit_for_new_case
from engine.cases.hooks import HookRegistry
from engine.cases.intake import new_tracking_code
from engine.cases.models import Case
from engine.cases.steps import StepResult, run_engine_event
from engine.clock import to_db
from engine.errors import ConflictError, PermissionDenied
from engine.people.actor import Actor
from engine.people.queries import option_values
from engine.people.roles import ROLE_LABELS, Role
from engine.specs.decisions import pin_for
from engine.specs.queries import current_version
from engine.specs.registry import parsed_version

#: Roles that start cases from the "新建案件" page (the process's start lane narrows it further).
STARTERS = frozenset({Role.GRID_WORKER, Role.COUNCIL, Role.DEPARTMENT, Role.MEDIATOR, Role.SUPERVISOR})


@dataclass(frozen=True)
class Startable:
    """A process a person may start a case of, and how."""

    key: str
    name: str
    version_id: int
    #: The page of the domain that opens its cases, if the generic start form is not the way (``report``…).
    own_intake: str | None


def may_start(actor: Actor, process: ParsedProcess) -> bool:
    """Staff start cases; a process whose start event sits in a role's lane is started by that role
    (and by supervisors, who answer for every process)."""
    if actor.role not in {r.value for r in STARTERS}:
        return False
    role = process.start_role
    return role is None or role is Role.RESIDENT or actor.role in (role.value, Role.SUPERVISOR.value)


def check_may_start(actor: Actor, process: ParsedProcess) -> None:
    if not may_start(actor, process):
        who = ROLE_LABELS.get(process.start_role, "工作人员") if process.start_role else "工作人员"
        raise PermissionDenied(f"“{process.name}”的案件由{who}登记，当前角色无权登记")


#: The start form's field naming the department whose tasks these are (department tasks go to its inbox).
DEPARTMENT_FIELD = FormField(id="responsible_department", label="承办部门", type="string", required=True,
                             options_source="departments")


def start_form(process: ParsedProcess) -> FormSpec:
    """The start event's form, plus 承办部门 when the process has department tasks and its form names none:
    a department task must go to one department's inbox, and only the person starting the case knows which."""
    form = process.start_form
    has_department_work = any(t.role is Role.DEPARTMENT for t in process.human_tasks.values())
    if has_department_work and form.field(DEPARTMENT_FIELD.id) is None:
        return FormSpec(key=form.key, fields=(*form.fields, DEPARTMENT_FIELD))
    return form


def _text(value: Any, limit: int) -> str | None:
    return str(value).strip()[:limit] if isinstance(value, str) and value.strip() else None


def start_case(session: Session, process_key: str, form: Mapping[str, Any], *, actor: Actor, at: datetime,
               hooks: HookRegistry) -> StepResult:
    """A new case of the current version of ``process_key`` with the start form's values.

    Raises :class:`ValidationError` naming the bad fields, :class:`PermissionDenied` for a role that may
    not start it, :class:`ConflictError` for a process that opens through a page of its own.
    """
    if process_key in hooks.intake_owners:
        raise ConflictError(f"流程 {process_key} 的案件有专门的登记页面，请从那里登记")
    version = current_version(session, process_key)
    process = parsed_version(version)
    check_may_start(actor, process)
    form_spec = start_form(process)
    needs_options = any(f.options_source for f in form_spec.fields)
    data = validate_form(form_spec, form, option_values(session) if needs_options else None)
    title = _text(data.get("title"), 200) or process.name[:200]
    category = _text(data.get("category"), 40) or process.name[:40]
    grid = _text(data.get("grid"), 40) if form_spec.field("grid") and form_spec.field("grid").options_source else None
    pinned = pin_for(session, process.decision_refs)
    case = Case(
        tracking_code=new_tracking_code(session, at), uuid=str(uuid.uuid4()), process_key=version.key,
        process_version_id=version.id, status="open", phase="collect", title=title, category=category,
        grid_code=grid or actor.grid_code, address=_text(data.get("address"), 300),
        description=_text(data.get("description"), 4000) or "", channel="staff",
        department_code=_text(data.get(DEPARTMENT_FIELD.id), 40)
        or (actor.department_code if actor.role == Role.DEPARTMENT.value else None),
        decision_version_id=pinned.id if pinned else None,
        opened_at=to_db(at), opened_by=actor.username, snapshot="", version=0, last_seq=0, head_hash=GENESIS,
        unit_id=unit_for_new_case(session, actor, grid or actor.grid_code, "grid"),
    )
    session.add(case)
    session.flush()
    payload: dict[str, Any] = {
        "case_uuid": case.uuid, "tracking_code": case.tracking_code,
        "process": {"key": version.key, "version": version.version, "sha256": version.sha256},
        "data": data,
    }
    if pinned is not None:
        payload["decisions"] = {"id": pinned.id, "key": pinned.key, "version": pinned.version, "sha256": pinned.sha256}
    return run_engine_event(session, case, event_type="case_opened", payload=payload, actor=actor, at=at,
                            hooks=hooks, process=process)
