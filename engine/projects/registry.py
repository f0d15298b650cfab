"""The operator registry (运营单位名录): who may run projects, and who lost 运营资格 and why.

Losing the qualification is the exit rule's only effect outside the project itself (项目退出机制: 连续两次
评估不合格的服务项目，取消运营资格); departments are ranked in 红黑榜 and never appear here.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.clock import to_db
from engine.errors import ConflictError, PermissionDenied, ValidationError
from engine.people.actor import Actor
from engine.people.roles import Role
from engine.projects.models import ProjectOperator

OPERATOR_KINDS = {"social_org": "社会组织", "company": "企业", "resident_group": "居民团体", "community": "社区"}
#: The street office keeps the registry (it signs the service contracts).
REGISTRARS = frozenset({Role.SUPERVISOR.value, Role.ADMIN.value})


def operator_by_code(session: Session, code: str) -> ProjectOperator | None:
    return session.scalar(select(ProjectOperator).where(ProjectOperator.code == code.strip()))


def register_operator(session: Session, *, code: str, name: str, kind: str, actor: Actor,
                      at: datetime) -> ProjectOperator:
    """Add an operator to the registry (qualified); the code is unique."""
    if actor.role not in REGISTRARS:
        raise PermissionDenied("只有街道督办和系统管理员可以登记运营单位")
    code, name = (code or "").strip(), (name or "").strip()
    errors = {}
    if not code or len(code) > 40:
        errors["code"] = "请填写运营单位代码（最多 40 字）"
    if not name or len(name) > 200:
        errors["name"] = "请填写运营单位名称（最多 200 字）"
    if kind not in OPERATOR_KINDS:
        errors["kind"] = "请选择运营单位类型"
    if errors:
        raise ValidationError("登记信息有误", errors)
    if operator_by_code(session, code) is not None:
        raise ValidationError("登记信息有误", {"code": f"代码 {code} 已登记"})
    operator = ProjectOperator(code=code, name=name, kind=kind, qualified=True, registered_at=to_db(at))
    session.add(operator)
    session.flush()
    return operator


def check_may_run_new_project(session: Session, code: str) -> ProjectOperator:
    """The operator named on a new project, if it is registered and still qualified (else one field error)."""
    operator = operator_by_code(session, code or "")
    if operator is None:
        raise ValidationError("申报信息有误", {"operator": "请选择登记在册的运营单位"})
    if not operator.qualified:
        when = operator.disqualified_at.date().isoformat() if operator.disqualified_at else ""
        raise ValidationError("申报信息有误", {"operator": (
            f"{operator.name} 已于 {when} 被取消运营资格（所运营项目连续两次评估不合格），不能承接新项目")})
    return operator


def disqualify(session: Session, operator: ProjectOperator, *, case_id: int, reason: str, at: datetime) -> None:
    """Take 运营资格 away (once: an operator already disqualified keeps its first date and reason)."""
    if not operator.qualified:
        raise ConflictError("该运营单位已被取消运营资格")
    operator.qualified = False
    operator.disqualified_at = to_db(at)
    operator.disqualified_by_case_id = case_id
    operator.disqualified_reason = reason


def operators(session: Session) -> list[ProjectOperator]:
    return list(session.scalars(select(ProjectOperator).order_by(ProjectOperator.qualified.desc(),
                                                                   ProjectOperator.code)))
