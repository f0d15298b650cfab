"""The engine service of this blueprint, and what the case page's 派单与报到 section needs (template globals)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_login import current_user

from engine import CasegridError
from engine.cases.deadlines import is_overdue
from engine.clock import as_utc
from engine.dispatch.board import DispatchBoard, SummonedDepartment
from engine.dispatch.operations import TRIAGE_TASKS, UNIT_TASKS, WHISTLE_ROLES
from engine.dispatch.service import DispatchService
from web import services


def dispatch() -> DispatchService:
    return current_app.extensions["casegrid.dispatch"]


def dispatch_board(code: str) -> DispatchBoard | None:
    """Who was summoned to case ``code`` and how each is doing, for the logged-in user (None: nothing to show)."""
    if not current_user.is_authenticated:
        return None
    try:
        return dispatch().board(code, current_user.actor)
    except CasegridError:  # the page itself already decided whether the user may see the case
        return None


def whistler(grid_code: str | None) -> bool:
    """The viewer may blow the whistle on a case of grid ``grid_code``: the street, the community (council),
    or the grid worker of that grid."""
    actor = current_user.actor
    return actor.role in WHISTLE_ROLES and (actor.role != "grid_worker" or actor.grid_code == grid_code)


def waiting_for_dispatch(code: str) -> bool:
    """The case waits at triage, or its departments are at work (a whistle then summons a new round);
    not while the council deliberates, the lead completes or the reporter rates."""
    return any(i.bpmn_id in TRIAGE_TASKS + UNIT_TASKS for i in services.cases().work_items(code))


def may_whistle(code: str, grid_code: str | None) -> bool:
    """Whether to offer 吹哨 on the case page. The engine checks it all again when the whistle is blown."""
    return whistler(grid_code) and waiting_for_dispatch(code)


def may_request_extension(unit: SummonedDepartment) -> bool:
    """The viewer is the department holding ``unit``'s open task and has no request pending on it."""
    actor = current_user.actor
    return unit.open_task is not None and actor.role == "department" \
        and actor.department_code == unit.department_code and not any(x.state == "pending" for x in unit.extensions)


@dataclass(frozen=True)
class DueState:
    """A deadline on the board: when, and whether it was (or is now) missed."""

    due_at: datetime
    late: bool
    #: Clock minutes left while open and not missed (for urgent matters the board shows hours and minutes).
    minutes_left: int | None


def due_state(due: datetime | None, done: datetime | None) -> DueState | None:
    """A department's deadline for one step: met or missed once done, else as read now."""
    if due is None:
        return None
    due_at, now = as_utc(due), services.cases().clock.now()
    if done is not None:
        return DueState(due_at, is_overdue(due_at, done), None)
    late = is_overdue(due_at, now)
    return DueState(due_at, late, None if late else int((due_at - now).total_seconds() // 60))


def helpers() -> dict[str, object]:
    return {"dispatch_board": dispatch_board, "may_whistle": may_whistle,
            "may_request_extension": may_request_extension, "due_state": due_state}
