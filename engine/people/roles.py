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

#: Integration roles (engine/people/integrations.py): outside systems that call their own API with a token.
#: Deliberately not :class:`Role` members, so no lane, inbox, link or other route can name them.
HOTLINE_PLATFORM = "hotline_platform"
#: Integration role → its Chinese name.
INTEGRATION_ROLES: dict[str, str] = {HOTLINE_PLATFORM: "12345 热线平台（接口）"}


def is_integration(role: str | None) -> bool:
    """Whether ``role`` is an integration's (no password, no login, tokens only, its own API only)."""
    return role in INTEGRATION_ROLES


_LANE_NAMES: dict[str, Role] = {label: role for role, label in ROLE_LABELS.items()}
_LANE_NAMES.update({role.value: role for role in Role})


def role_for_lane(lane: str | None) -> Role | None:
    """The role a lane names (its Chinese name or the role code), or None if it names none."""
    if lane is None:
        return None
    return _LANE_NAMES.get(lane.strip())
