"""What the project forms must say beyond their field types (the ``camunda:formKey`` values in
``bpmn/project.bpmn``). Each validator raises one :class:`ValidationError` naming the bad fields."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, NoReturn

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.cases.models import Case
from engine.council import rules as council_rules
from engine.council.models import MeetingMember
from engine.errors import ValidationError
from engine.projects.money import parse_budget_lines, parse_yuan
from engine.projects.queries import project_of

#: 立项 is a major matter: two thirds of *all* members of the sitting, whoever attended (2/3以上成员同意).
APPROVAL_NUM, APPROVAL_DEN = 2, 3
AT_A_SITTING = "项目立项须在议事会会议上表决（记录出席情况和每位成员的表决）：请在「议事会议」中安排会议并记录表决"


def _fail(**errors: str) -> NoReturn:
    raise ValidationError("表单填写有误", errors)


def validate_approval(session: Session, case: Case, data: Mapping[str, Any], at: datetime) -> None:
    decision = data.get("decision")
    if decision == "reject" and not (data.get("reason") or "").strip():
        _fail(reason="不予立项时必须说明理由（将在公示栏公示）")
    if decision != "adopt":
        return
    meeting_id = data.get("council_meeting")
    if meeting_id is None:
        _fail(decision=AT_A_SITTING)
    members = session.scalar(select(func.count(MeetingMember.id)).where(MeetingMember.meeting_id == meeting_id))
    needed = council_rules.votes_needed(members or 0, APPROVAL_NUM, APPROVAL_DEN)
    if int(data.get("votes_for") or 0) < needed:
        _fail(votes_for=f"项目立项需经全体成员 {APPROVAL_NUM}/{APPROVAL_DEN} 以上同意：{members} 人中至少 {needed} 票赞成"
                        f"（赞成 {data.get('votes_for')} 票）")


def validate_budget(session: Session, case: Case, data: Mapping[str, Any], at: datetime) -> None:
    _lines, problem = parse_budget_lines(data.get("budget_lines") or "")
    if problem:
        _fail(budget_lines=problem)


def validate_progress(session: Session, case: Case, data: Mapping[str, Any], at: datetime) -> None:
    milestone = (data.get("milestone") or "").strip()
    item, amount = (data.get("spending_item") or "").strip(), (data.get("spending_amount") or "").strip()
    errors: dict[str, str] = {}
    if not (milestone or item or amount) and data.get("progress") == "continue":
        errors["milestone"] = "请填写实施进展或一笔支出"
    if amount and not item:
        errors["spending_item"] = "请填写支出事项"
    if item and not amount:
        errors["spending_amount"] = "请填写支出金额"
    if amount:
        fen = parse_yuan(amount)
        if fen is None:
            errors["spending_amount"] = "金额应为正数，最多两位小数，例如 1200.50"
        else:
            project = project_of(session, case)
            if project.budget_fen is not None and project.spent_fen + fen > project.budget_fen:
                errors["spending_amount"] = "累计支出将超出核定预算，请先调整预算"
    if errors:
        _fail(**errors)
