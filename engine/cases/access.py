"""May this actor act on this work item? Checked by every operation, whatever the interface."""
from __future__ import annotations

from engine.cases.models import Case, WorkItem
from engine.errors import NotFound, PermissionDenied
from engine.people.actor import Actor
from engine.people.roles import Role


def check_may_act(actor: Actor, item: WorkItem, case: Case) -> None:
    """Raise unless ``actor`` may complete, claim or release ``item``.

    A resident who is not this case's reporter gets :class:`NotFound`, not
    403, so tracking codes cannot be probed.
    """
    if actor.role == Role.RESIDENT.value and actor.tracking_code != case.tracking_code:
        raise NotFound("任务不存在")
    if actor.role != item.role:
        raise PermissionDenied(f"此任务由{item.role}办理，当前角色无权操作")
    if item.department_code and actor.role == Role.DEPARTMENT.value \
            and actor.department_code != item.department_code:
        raise PermissionDenied("此任务已交办给其他部门")
    if item.grid_code and actor.grid_code and actor.grid_code != item.grid_code:
        raise PermissionDenied("此任务属于其他网格")
    if item.assignee and item.assignee != actor.username:
        raise PermissionDenied(f"此任务已由 {item.assignee} 认领")
