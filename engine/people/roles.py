"""The roles of DESIGN.md §1 and the names a diagram's lanes may use for them."""
from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    RESIDENT = "resident"
    GRID_WORKER = "grid_worker"
    COUNCIL = "council"
    DEPARTMENT = "department"
    MEDIATOR = "mediator"
    SUPERVISOR = "supervisor"
    AUDITOR = "auditor"
    ADMIN = "admin"


#: Chinese name of each role, as shown in the UI and written on diagram lanes.
ROLE_LABELS: dict[Role, str] = {
    Role.RESIDENT: "居民",
    Role.GRID_WORKER: "网格员",
    Role.COUNCIL: "社区治理委员会",
    Role.DEPARTMENT: "职能部门",
    Role.MEDIATOR: "调解员",
    Role.SUPERVISOR: "街道督办",
    Role.AUDITOR: "监督员",
    Role.ADMIN: "系统管理员",
}

_LANE_NAMES: dict[str, Role] = {label: role for role, label in ROLE_LABELS.items()}
_LANE_NAMES.update({role.value: role for role in Role})


def role_for_lane(lane: str | None) -> Role | None:
    """The role a lane names (its Chinese name or the role code), or None if it names none."""
    if lane is None:
        return None
    return _LANE_NAMES.get(lane.strip())
