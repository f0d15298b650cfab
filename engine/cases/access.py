"""May this actor act on this work item? Checked by every operation, whatever the interface."""
from __future__ import annotations

from sqlalchemy import ColumnElement, and_, exists, false, or_, select, true
from sqlalchemy.orm import Session, aliased

from engine.cases.models import Case, WorkItem
from engine.cases.reporter_key import check_reporter
from engine.civic.models import Assignment
from engine.errors import NotFound, PermissionDenied, ValidationError
from engine.mediation.models import Mediation
from engine.org.scope import in_subtree, is_root_path, path_contains, unit_id_of_path, unit_path
from engine.people.actor import Actor
from engine.people.models import Grid
from engine.people.roles import Role

#: Roles that see every case page.
SEES_ALL_CASES = frozenset({Role.SUPERVISOR.value, Role.COUNCIL.value, Role.AUDITOR.value})
#: Roles that see the case pages of their own unit's cases.
SEES_OWN_CASES = frozenset({Role.GRID_WORKER.value, Role.DEPARTMENT.value, Role.MEDIATOR.value})


def check_may_act(session: Session, actor: Actor, item: WorkItem, case: Case) -> None:
    """Raise unless ``actor`` may complete, claim or release ``item``.

    A resident must present this case's reporter key; anyone else (a tracking code is
    public) gets :class:`NotFound`, not 403, so neither codes nor keys can be probed.
    """
    if actor.role == Role.RESIDENT.value:
        check_reporter(session, actor, case)
    check_may_change(session, actor, case)
    if actor.role != item.role:
        raise PermissionDenied(f"此任务由{item.role}办理，当前角色无权操作")
    if item.department_code and actor.role == Role.DEPARTMENT.value \
            and actor.department_code != item.department_code:
        raise PermissionDenied("此任务已交办给其他部门")
    if item.grid_code and actor.grid_code and actor.grid_code != item.grid_code:
        raise PermissionDenied("此任务属于其他网格")
    if item.assignee and item.assignee != actor.username:
        raise PermissionDenied(f"此任务已由 {item.assignee} 认领")


def check_may_see_item(session: Session, actor: Actor, item: WorkItem, case: Case) -> None:
    """Raise unless ``item`` is one ``actor`` may open: its team's, whoever holds it.

    Another department's or grid's item is :class:`NotFound` (ids cannot be probed);
    an item of another role is :class:`PermissionDenied`. Whether the actor may *act*
    on it (claimed by someone else, already done) is :func:`check_may_act`'s question.
    """
    if actor.role == Role.RESIDENT.value:
        check_reporter(session, actor, case)
    check_in_scope(session, actor, case)
    if actor.role == Role.DEPARTMENT.value and item.department_code \
            and actor.department_code != item.department_code:
        raise NotFound("任务不存在")
    if actor.role == Role.GRID_WORKER.value and item.grid_code and actor.grid_code \
            and actor.grid_code != item.grid_code:
        raise NotFound("任务不存在")
    if actor.role == Role.MEDIATOR.value and item.assignee and item.assignee != actor.username:
        raise NotFound("任务不存在")  # a mediation is another mediator's business, not a queue to browse
    if actor.role != item.role:
        raise PermissionDenied(f"此任务由{item.role}办理，当前角色无权操作")


def in_scope(actor: Actor) -> ColumnElement[bool]:
    """SQL condition on ``case``: the cases of the actor's unit's subtree (engine/org's one rule)."""
    return in_subtree(Case.unit_id, actor.unit_path)


def _case_path(session: Session, case: Case) -> str | None:
    return unit_path(session, case.unit_id)


def check_in_scope(session: Session, actor: Actor, case: Case) -> None:
    """Raise :class:`NotFound` (codes cannot be probed) unless ``case`` is in the actor's unit's subtree."""
    if actor.unit_path is None:
        return
    if not path_contains(actor.unit_path, _case_path(session, case)):
        raise NotFound(f"案件 {case.tracking_code} 不存在")


def unit_for_new_case(session: Session, actor: Actor, grid_code: str | None, field: str = "grid_code") -> int | None:
    """The unit a case ``actor`` opens in ``grid_code`` belongs to: the grid's community, else the actor's unit
    (None: the default street, :mod:`engine.people.units`). A grid outside the actor's subtree is refused."""
    if grid_code:
        grid_unit = session.scalar(select(Grid.unit_id).where(Grid.code == grid_code))
        if grid_unit is not None:
            if not path_contains(actor.unit_path, unit_path(session, grid_unit)):
                raise ValidationError("登记信息有误", {field: f"网格 {grid_code} 不在本单位辖区"})
            return grid_unit
    return unit_id_of_path(actor.unit_path)


def check_may_change(session: Session, actor: Actor, case: Case) -> None:
    """Raise unless ``actor``'s unit may change ``case``: in its subtree (else :class:`NotFound`), and not a role
    held at the root (the city reads every street's cases but acts on none of them: :class:`PermissionDenied`)."""
    check_in_scope(session, actor, case)
    if is_root_path(actor.unit_path) and not is_root_path(_case_path(session, case)):
        raise PermissionDenied("市级账号只能查看，不能办理街道的案件")


def visible_cases(actor: Actor) -> ColumnElement[bool]:
    """SQL condition on ``case``: the cases whose page ``actor`` may see — within the actor's unit's subtree
    (:func:`in_scope`), by role:

    Supervisors, the council and auditors see every case; a grid worker the cases of
    their grid and those they registered; a department the cases ever routed to it
    (a work item or an assignment, even after a reassignment took it away); a
    mediator the mediations assigned to them (or whose task they hold) and the issues
    those came from.
    Nobody else sees case pages.
    """
    rule = _role_rule(actor)
    return rule if actor.unit_path is None else and_(in_scope(actor), rule)


def _role_rule(actor: Actor) -> ColumnElement[bool]:
    if actor.role in SEES_ALL_CASES:
        return true()
    if actor.role == Role.GRID_WORKER.value:
        clauses = [Case.opened_by == actor.username]
        if actor.grid_code:
            clauses.append(Case.grid_code == actor.grid_code)
        return or_(*clauses)
    if actor.role == Role.DEPARTMENT.value and actor.department_code:
        code = actor.department_code
        return or_(
            Case.department_code == code,
            exists().where(WorkItem.case_id == Case.id, WorkItem.department_code == code),
            exists().where(Assignment.case_id == Case.id, Assignment.department_code == code),
        )
    if actor.role == Role.MEDIATOR.value:
        mediation = aliased(Mediation)  # a query may join the mediation table itself
        return or_(
            exists().where(mediation.case_id == Case.id, mediation.mediator == actor.username),
            exists().where(mediation.source_case_id == Case.id, mediation.mediator == actor.username),
            exists().where(WorkItem.case_id == Case.id, WorkItem.role == Role.MEDIATOR.value,
                           WorkItem.assignee == actor.username, WorkItem.state.in_(WorkItem.OPEN_STATES)),
        )
    return false()


def check_may_view(session: Session, actor: Actor, case: Case) -> None:
    """Raise unless ``actor`` may see ``case``'s page (the rule of :func:`visible_cases`).

    Roles that never see case pages get :class:`PermissionDenied`; a worker asking
    for a case outside their unit gets :class:`NotFound`, so tracking codes cannot
    be probed.
    """
    if actor.role not in SEES_ALL_CASES | SEES_OWN_CASES:
        raise PermissionDenied("当前角色无权查看案件")
    check_in_scope(session, actor, case)
    if actor.role in SEES_ALL_CASES:
        return
    if session.scalar(select(Case.id).where(Case.id == case.id, visible_cases(actor))) is None:
        raise NotFound(f"案件 {case.tracking_code} 不存在")
