"""What the mediation forms must say beyond their field types (DESIGN.md §2.2)."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from engine.calendar import china_date
from engine.cases.models import Case
from engine.errors import ValidationError
from engine.mediation.queries import active_mediators, mediation_of, recused_mediators


def _fail(**errors: str) -> None:
    raise ValidationError("表单填写有误", errors)


def _check_mediator(session: Session, case: Case, username: str | None, field: str) -> None:
    """``username`` must be an active mediator who has not declared a conflict of interest in this case."""
    mediators = active_mediators(session)
    name = (username or "").strip()
    if not name:
        _fail(**{field: "请选择调解员"})
    if name not in mediators:
        choices = "、".join(f"{display}（{user}）" for user, display in mediators.items()) or "无"
        _fail(**{field: f"{name} 不是可以承办调解的调解员（可选：{choices}）"})
    if name in recused_mediators(session, case.id):
        _fail(**{field: f"{mediators[name]} 已因与当事人有利害关系申请回避，请另选调解员"})


def _not_in_future(value: str | None, at: datetime, field: str, label: str) -> None:
    if value and date.fromisoformat(value) > china_date(at):
        _fail(**{field: f"{label}不能晚于今天"})


def validate_assignment(session: Session, case: Case, data: Mapping[str, Any], at: datetime) -> None:
    _check_mediator(session, case, data.get("mediator"), "mediator")


def validate_acceptance(session: Session, case: Case, data: Mapping[str, Any], at: datetime) -> None:
    if data.get("conflict_of_interest") == "related" and not data.get("conflict_reason"):
        _fail(conflict_reason="申请回避时必须说明与当事人的关系")


def validate_consent(session: Session, case: Case, data: Mapping[str, Any], at: datetime) -> None:
    if data.get("consent") == "refused" and not data.get("refused_by"):
        _fail(refused_by="请写明哪一方当事人不同意调解")


def validate_session(session: Session, case: Case, data: Mapping[str, Any], at: datetime) -> None:
    _not_in_future(data.get("session_date"), at, "session_date", "调解日期")
    held_on = data.get("session_date")
    if held_on and date.fromisoformat(held_on) < china_date(mediation_of(session, case).opened_at):
        _fail(session_date="调解日期不能早于受理日期")


def validate_agreement(session: Session, case: Case, data: Mapping[str, Any], at: datetime) -> None:
    deadline = data.get("performance_deadline")
    if deadline and date.fromisoformat(deadline) < china_date(at):
        _fail(performance_deadline="履行期限不能早于今天")
    if data.get("signing") == "declined" and not data.get("declined_by"):
        _fail(declined_by="请写明哪一方当事人拒绝签字")


def validate_no_agreement(session: Session, case: Case, data: Mapping[str, Any], at: datetime) -> None:
    if data.get("next_action") == "refer" and not data.get("referral_channel"):
        _fail(referral_channel="移交时必须选择移交渠道（诉讼、仲裁或行政渠道）")


def validate_assessment(session: Session, case: Case, data: Mapping[str, Any], at: datetime) -> None:
    _not_in_future(data.get("assessment_date"), at, "assessment_date", "评估日期")


def validate_supervision(session: Session, case: Case, data: Mapping[str, Any], at: datetime) -> None:
    action = data.get("supervision_action")
    if action == "reassign":
        _check_mediator(session, case, data.get("new_mediator"), "new_mediator")
        if data.get("new_mediator") == mediation_of(session, case).mediator:
            _fail(new_mediator="新调解员与原调解员相同，请另选调解员")
    elif action == "refer" and not data.get("referral_channel"):
        _fail(referral_channel="终止调解并移交时必须选择移交渠道")
