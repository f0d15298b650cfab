"""Which team a new work item goes to: the lane gives the role, the case gives the unit."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.cases.models import Case
from engine.people.roles import Role

#: Where a case stands, by the role of the work it waits for (the civic loop's four phases).
PHASE_BY_ROLE: dict[str, str] = {
    Role.GRID_WORKER.value: "collect",
    Role.COUNCIL.value: "negotiate",
    Role.DEPARTMENT.value: "assign",
    Role.SUPERVISOR.value: "assign",
    Role.RESIDENT.value: "evaluate",
    Role.MEDIATOR.value: "mediate",
}


def department_for(role: str, case: Case, task_data: Mapping[str, Any]) -> str | None:
    """A department task goes to the department the process data names as responsible."""
    if role != Role.DEPARTMENT.value:
        return None
    return task_data.get("responsible_department") or case.department_code


def grid_for(role: str, case: Case) -> str | None:
    """Grid workers work their own grid (首接负责制)."""
    return case.grid_code if role == Role.GRID_WORKER.value else None


#: A case's priority (一般 / 紧急 / 特急) as the number inboxes sort by, most urgent highest.
URGENCY = {"normal": 0, "urgent": 1, "critical": 2}


def urgency_of(priority: Any) -> int:
    return URGENCY.get(priority, 0) if isinstance(priority, str) else 0


def phase_for(roles: list[str], completed: bool) -> str:
    if completed or not roles:
        return "closed" if completed else "waiting"
    return PHASE_BY_ROLE.get(roles[0], roles[0])
