"""What the dispatch forms must say beyond their field types (issue 14): triage, whistle, return."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.cases.models import Case
from engine.civic.models import Assignment
from engine.errors import ValidationError
from engine.people.queries import active_department_codes

#: Most departments one whistle may summon (each is a sub-process instance with its own tasks and timers).
MAX_SUMMONED = 20


def _fail(**errors: str) -> None:
    raise ValidationError("表单填写有误", errors)


def summons_problems(session: Session, lead: str | None, co_departments: Sequence[str],
                     lead_field: str = "department") -> dict[str, str]:
    """Why a whistle (a lead and co-departments) cannot be blown, by field; empty when it can."""
    active = active_department_codes(session)
    errors: dict[str, str] = {}
    if not lead:
        errors[lead_field] = "吹哨必须指定牵头部门"
    elif lead not in active:
        errors[lead_field] = f"部门 {lead} 不存在或已停用"
    co = list(co_departments or [])
    bad = [c for c in co if c not in active]
    if not co:
        errors["co_departments"] = "吹哨至少要召集一个协办部门（只派一个部门请选“直接派单”）"
    elif bad:
        errors["co_departments"] = f"部门 {'、'.join(bad)} 不存在或已停用"
    elif lead and lead in co:
        errors["co_departments"] = "牵头部门不能同时是协办部门"
    elif len(set(co)) != len(co):
        errors["co_departments"] = "协办部门重复"
    elif len(co) + 1 > MAX_SUMMONED:
        errors["co_departments"] = f"一次吹哨最多召集 {MAX_SUMMONED} 个部门"
    return errors


def validate_triage(session: Session, case: Case, data: Mapping[str, Any], at: datetime) -> None:
    """Each outcome needs its own fields; dispatching against the routing table needs a reason."""
    decision = data.get("triage_decision")
    if decision == "duplicate":
        code = data.get("duplicate_of")
        if not code:
            _fail(duplicate_of="合并重复件时必须填写原案件编号")
        if code == case.tracking_code:
            _fail(duplicate_of="不能与本案件合并")
        if session.scalar(select(Case.id).where(Case.tracking_code == code)) is None:
            _fail(duplicate_of=f"案件 {code} 不存在")
    elif decision == "refuse" and not (data.get("refuse_reason") or "").strip():
        _fail(refuse_reason="不予受理必须说明理由（将向反映人公示）")
    elif decision == "dispatch":
        if not data.get("department"):
            _fail(department="请选择派单部门")
        _require_reason_against_table(case, data)
    elif decision == "whistle":
        errors = summons_problems(session, data.get("department"), data.get("co_departments") or [])
        if errors:
            raise ValidationError("表单填写有误", errors)
        _require_reason_against_table(case, data)


def _require_reason_against_table(case: Case, data: Mapping[str, Any]) -> None:
    suggested = case.suggested_department
    if suggested and data.get("department") != suggested and not (data.get("dispatch_reason") or "").strip():
        _fail(dispatch_reason="未按权责清单建议的部门派单，请说明理由")


def validate_acceptance(session: Session, case: Case, data: Mapping[str, Any], at: datetime,
                        department: str | None = None) -> None:
    """A department returns a dispatch once, with a reason; a second return of the case by it is refused."""
    if data.get("accept_decision") != "return":
        return
    if not (data.get("return_reason") or "").strip():
        _fail(return_reason="退单时必须说明理由")
    if department is None:  # the form alone (the department is checked once the work item is known)
        return
    if session.scalar(select(func.count(Assignment.id)).where(
            Assignment.case_id == case.id, Assignment.department_code == department, Assignment.state == "returned")):
        _fail(accept_decision="本部门已退过一次单，不能再次退单；如有困难请申请延期或联系街道督办")
