"""What a new mediation must say (DESIGN.md §2.2 step 1): two or more parties, the dispute type, a summary."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.cases.intake import CHANNELS
from engine.errors import ValidationError
from engine.people.models import Grid

#: Dispute types (纠纷类型); a mediation case's ``category`` is its dispute type.
DISPUTE_TYPES = ("邻里纠纷", "物业纠纷", "婚姻家庭", "劳资", "其他")
#: A party's place in the dispute: 申请人, 被申请人, 第三人.
PARTY_ROLES = ("applicant", "respondent", "third_party")
#: Where a dispute goes when mediation cannot settle it (诉调对接 / 仲裁 / 行政渠道).
REFERRAL_CHANNELS = ("litigation", "arbitration", "administrative")
#: The civic-loop category whose cases may be turned into a mediation.
NEIGHBOUR_DISPUTE = "邻里纠纷"
MIN_PARTIES, MAX_PARTIES = 2, 10
MIN_SUMMARY, MAX_SUMMARY = 5, 4000

_PHONE = re.compile(r"^\+?[0-9][0-9\- ]{5,19}$")


@dataclass(frozen=True)
class PartyIntake:
    name: str
    party_role: str = "applicant"
    phone: str | None = None
    address: str | None = None


@dataclass(frozen=True)
class MediationIntake:
    dispute_type: str
    summary: str
    parties: tuple[PartyIntake, ...] = field(default_factory=tuple)
    title: str | None = None
    grid_code: str | None = None
    address: str | None = None
    channel: str = "grid_visit"


def _blank(value: str | None) -> bool:
    return not (value or "").strip()


def _party_errors(index: int, party: PartyIntake) -> dict[str, str]:
    """Errors keyed ``parties-<index>-<field>`` (the web form's field names)."""
    errors: dict[str, str] = {}
    key = f"parties-{index}-"
    name = (party.name or "").strip()
    if not name:
        errors[key + "name"] = "请填写当事人姓名或单位名称"
    elif len(name) > 100:
        errors[key + "name"] = "姓名最多 100 字"
    if party.party_role not in PARTY_ROLES:
        errors[key + "party_role"] = "当事人身份应为申请人、被申请人或第三人"
    if not _blank(party.phone) and not _PHONE.match((party.phone or "").strip()):
        errors[key + "phone"] = "电话号码格式不正确"
    if party.address is not None and len(party.address) > 300:
        errors[key + "address"] = "地址最多 300 字"
    return errors


def check_mediation_intake(session: Session, intake: MediationIntake) -> Grid | None:
    """The intake's grid, or raise :class:`ValidationError` naming every bad field."""
    errors: dict[str, str] = {}
    if intake.dispute_type not in DISPUTE_TYPES:
        errors["dispute_type"] = f"纠纷类型应为：{'、'.join(DISPUTE_TYPES)}"
    summary = (intake.summary or "").strip()
    if len(summary) < MIN_SUMMARY:
        errors["summary"] = f"请简要说明纠纷情况（至少 {MIN_SUMMARY} 个字）"
    elif len(summary) > MAX_SUMMARY:
        errors["summary"] = f"纠纷情况最多 {MAX_SUMMARY} 字"
    named = [p for p in intake.parties if not _blank(p.name)]
    if len(named) < MIN_PARTIES:
        errors["parties"] = f"调解至少需要 {MIN_PARTIES} 方当事人"
    elif len(intake.parties) > MAX_PARTIES:
        errors["parties"] = f"一次调解最多登记 {MAX_PARTIES} 方当事人"
    for index, party in enumerate(intake.parties):
        errors.update(_party_errors(index, party))
    if intake.channel not in CHANNELS:
        errors["channel"] = f"来源渠道应为：{', '.join(CHANNELS)}"
    if intake.title is not None and len(intake.title) > 200:
        errors["title"] = "标题最多 200 字"
    if intake.address is not None and len(intake.address) > 300:
        errors["address"] = "地址最多 300 字"
    grid = None
    if intake.grid_code:
        grid = session.scalar(select(Grid).where(Grid.code == intake.grid_code))
        if grid is None:
            errors["grid_code"] = f"网格 {intake.grid_code} 不存在"
    if errors:
        raise ValidationError("调解登记信息有误", errors)
    return grid


def default_title(intake: MediationIntake) -> str:
    text = (intake.title or "").strip() or f"{intake.dispute_type}：{intake.summary.strip().splitlines()[0]}"
    return text[:40] + ("…" if len(text) > 40 else "")
