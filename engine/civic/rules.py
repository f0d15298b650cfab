"""What the civic loop's forms must say beyond their field types (DESIGN.md §2.1)."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from engine.calendar import china_date
from engine.cases.models import Case
from engine.errors import ValidationError


def _fail(**errors: str) -> None:
    raise ValidationError("表单填写有误", errors)


#: Why a major matter cannot be adopted from a task form: only a sitting has a roster, attendance and each
#: member's vote (engine.council.meetings records them and completes the task itself).
MAJOR_AT_SITTING = ("重大事项须在议事会会议上表决通过（记录出席情况和每位成员的表决）："
                    "请在「议事会议」中安排会议并记录表决，不能在此直接填写票数通过")


def vote_passes(votes_for: int, votes_against: int, votes_abstain: int, major: bool,
                num: int = 2, den: int = 3, *, base: int | None = None) -> bool:
    """Major matters need ``num/den`` of ``base`` — the members, as a sitting counts them (重大事项需经2/3以上
    成员同意 by default, configurable per council) — or of the votes when no sitting says; others a majority."""
    total = votes_for + votes_against + votes_abstain
    if total <= 0:
        return False
    if major:
        return votes_for * den >= (base if base is not None else total) * num
    return votes_for * 2 > total


def validate_resolution(session: Session, case: Case, data: Mapping[str, Any], at: datetime) -> None:
    decision = data.get("decision")
    if decision == "household_vote" and "household_count" not in data:
        _fail(decision="户主表决须在议事会会议上发起：选择涉及的楼栋后，系统为每户生成选票")
    if decision in ("adopt", "household_vote"):
        errors = {}
        if not data.get("responsible_department"):
            errors["responsible_department"] = "通过的决议必须明确责任部门"
        if not data.get("deadline"):
            errors["deadline"] = "通过的决议必须明确完成时限"
        elif date.fromisoformat(data["deadline"]) < china_date(at):
            errors["deadline"] = "完成时限不能早于今天"
        major = bool(data.get("major_matter")) or decision == "household_vote"
        if major and "council_meeting" not in data:
            _fail(major_matter=MAJOR_AT_SITTING)
        num, den = int(data.get("major_threshold_num", 2)), int(data.get("major_threshold_den", 3))
        if not vote_passes(data["votes_for"], data["votes_against"], data["votes_abstain"], major, num, den,
                           base=data.get("major_vote_base")):
            errors["votes_for"] = (f"重大事项需经 {num}/{den} 以上成员同意" if major
                                   else "赞成票未过半数，不能通过")
        if errors:
            _fail(**errors)
    elif decision == "reject" and not data.get("reason"):
        _fail(reason="不予采纳时必须说明理由（将向反映人公示）")


def _require_department_on_reassign(action_field: str, action: str = "reassign"):
    def validate(session: Session, case: Case, data: Mapping[str, Any], at: datetime) -> None:
        if data.get(action_field) == action and not data.get("new_department"):
            _fail(new_department="改派时必须选择部门")
    return validate


def validate_escalation(session: Session, case: Case, data: Mapping[str, Any], at: datetime) -> None:
    _require_department_on_reassign("escalation_action")(session, case, data, at)
    if data.get("escalation_action") in ("extend", "escalate") and not data.get("extend_days"):
        _fail(extend_days="延期或上报时必须填写延长的工作日数")


validate_return_review = _require_department_on_reassign("review_action")
validate_final_decision = _require_department_on_reassign("final_action")
