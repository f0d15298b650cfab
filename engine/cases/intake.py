"""What a new case must say (DESIGN.md §2.1 step 1), checked before anything is written."""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.calendar import china_date
from engine.cases.models import Case
from engine.errors import ValidationError
from engine.people.directory import active_categories, is_active_category
from engine.people.models import Grid

#: The categories a fresh database starts with (migration 0002 seeds the ``category`` table with them);
#: the admin maintains the live list, which :func:`check_intake` reads.
CATEGORIES = ("物业管理", "环境卫生", "公共设施", "停车交通", "噪音扰民", "养老服务", "安全隐患", "邻里纠纷", "其他")
#: ``resident_app``: a residents' app (随手拍) through /api/resident; ``hotline_order``: a 12345 work order (工单).
CHANNELS = ("grid_visit", "hotline", "web", "open311", "council", "resident_app", "hotline_order")
#: Priority code → label, least urgent first (urgent ones count clock hours, not working days).
PRIORITIES = {"normal": "一般", "urgent": "紧急", "critical": "特急"}

_PHONE = re.compile(r"^\+?[0-9][0-9\- ]{5,19}$")
# No 0/O/1/I: codes are read aloud on the phone and typed by elderly residents.
_CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


@dataclass(frozen=True)
class Intake:
    description: str
    category: str
    channel: str = "web"
    title: str | None = None
    grid_code: str | None = None
    address: str | None = None
    reporter_name: str | None = None
    reporter_phone: str | None = None
    #: 一般 / 紧急 / 特急 (see :data:`PRIORITIES`).
    priority: str = "normal"
    #: 隐私保护模式, the resident's choice (see :attr:`engine.cases.models.Case.privacy_mode`).
    privacy_mode: bool = False


def check_intake(session: Session, intake: Intake) -> Grid | None:
    """The intake's grid, or raise :class:`ValidationError` naming every bad field."""
    errors: dict[str, str] = {}
    description = (intake.description or "").strip()
    if not description:
        errors["description"] = "请描述问题"
    elif len(description) > 4000:
        errors["description"] = "问题描述最多 4000 字"
    if not is_active_category(session, intake.category):
        errors["category"] = f"类别应为：{'、'.join(active_categories(session))}"
    if intake.channel not in CHANNELS:
        errors["channel"] = f"来源渠道应为：{', '.join(CHANNELS)}"
    if intake.priority not in PRIORITIES:
        errors["priority"] = f"紧急程度应为：{'、'.join(PRIORITIES.values())}"
    if intake.title is not None and len(intake.title) > 200:
        errors["title"] = "标题最多 200 字"
    if intake.address is not None and len(intake.address) > 300:
        errors["address"] = "地址最多 300 字"
    if intake.reporter_phone and not _PHONE.match(intake.reporter_phone.strip()):
        errors["reporter_phone"] = "电话号码格式不正确"
    grid = None
    if intake.grid_code:
        grid = session.scalar(select(Grid).where(Grid.code == intake.grid_code))
        if grid is None:
            errors["grid_code"] = f"网格 {intake.grid_code} 不存在"
    if errors:
        raise ValidationError("案件登记信息有误", errors)
    return grid


def new_tracking_code(session: Session, at: datetime) -> str:
    """``YYMMDD-XXXXXX``: the day it was filed and six random characters (about 10⁹ per day)."""
    prefix = china_date(at).strftime("%y%m%d")
    while True:
        code = f"{prefix}-{''.join(secrets.choice(_CODE_ALPHABET) for _ in range(6))}"
        if session.scalar(select(Case.id).where(Case.tracking_code == code)) is None:
            return code


def default_title(intake: Intake) -> str:
    text = intake.title or intake.description.strip().splitlines()[0]
    return text[:40] + ("…" if len(text) > 40 else "")
