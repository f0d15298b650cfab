"""Vulnerable-group flags on households (重点人群标识) and setting them."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine.clock import to_db
from engine.council.models import Household
from engine.errors import PermissionDenied, ValidationError
from engine.field.models import HouseholdFlag
from engine.people.actor import Actor
from engine.people.roles import Role

#: code → label. Plans and the household file name flags by code; pages show the label.
FLAGS: dict[str, str] = {
    "living_alone_elderly": "独居老人",
    "empty_nest_elderly": "空巢老人",
    "disabled": "残疾人",
    "dibao": "低保户",
    "left_behind_child": "留守儿童",
    "special_care": "重点关注",
}
#: Labels back to codes (imports and forms may use either).
BY_LABEL = {label: code for code, label in FLAGS.items()}


def flag_code(text: str) -> str | None:
    text = (text or "").strip()
    return text if text in FLAGS else BY_LABEL.get(text)


def flags_of(session: Session, household_ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {h: [] for h in household_ids}
    if not household_ids:
        return found
    for hid, flag in session.execute(select(HouseholdFlag.household_id, HouseholdFlag.flag)
                                     .where(HouseholdFlag.household_id.in_(household_ids))
                                     .order_by(HouseholdFlag.flag)):
        found[hid].append(flag)
    return found


def set_flags(session: Session, household: Household, flags: list[str], *, actor: Actor, at: datetime) -> list[str]:
    """Make ``flags`` (codes or labels) the household's flags; returns the codes now set."""
    if actor.role not in (Role.GRID_WORKER.value, Role.SUPERVISOR.value):
        raise PermissionDenied("只有网格员和街道督办可以标注重点人群")
    codes = []
    for text in flags:
        code = flag_code(text)
        if code is None:
            raise ValidationError("标识有误", {"flags": f"未知的标识：{str(text)[:20]}；可选：{'、'.join(FLAGS.values())}"})
        if code not in codes:
            codes.append(code)
    current = set(flags_of(session, [household.id])[household.id])
    if gone := current - set(codes):
        session.execute(delete(HouseholdFlag).where(HouseholdFlag.household_id == household.id,
                                                    HouseholdFlag.flag.in_(gone)))
    for code in codes:
        if code not in current:
            session.add(HouseholdFlag(household_id=household.id, flag=code, set_by=actor.username, set_at=to_db(at)))
    session.flush()
    return sorted(codes)
