"""A staff member's notification choices: which external channels, where, quiet hours, language."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from engine.errors import ValidationError
from engine.notify.models import NotificationPreference
from engine.notify.quiet import format_hhmm, parse_hhmm
from engine.notify.residents import EMAIL, MOBILE
from engine.notify.wording import LOCALES

CHANNELS = ("email", "sms", "wechat")


@dataclass(frozen=True)
class Preferences:
    channels: tuple[str, ...] = ()
    email: str = ""
    phone: str = ""
    #: ``HH:MM`` or empty.
    quiet_start: str = ""
    quiet_end: str = ""
    locale: str = "zh_CN"


def load(session: Session, username: str) -> Preferences:
    row = session.get(NotificationPreference, username)
    if row is None:
        return Preferences()
    return Preferences(tuple(c for c in row.channels.split(",") if c), row.email or "", row.phone or "",
                       format_hhmm(row.quiet_start), format_hhmm(row.quiet_end), row.locale)


def save(session: Session, username: str, prefs: Preferences) -> None:
    """Check everything first (errors name the field), then write: nothing is half-saved."""
    errors: dict[str, str] = {}
    email, phone = prefs.email.strip(), prefs.phone.strip().replace(" ", "").replace("-", "")
    unknown = set(prefs.channels) - set(CHANNELS)
    if unknown:
        errors["channels"] = "未知的通知渠道：" + "、".join(sorted(unknown))
    if email and not EMAIL.match(email):
        errors["email"] = "电子邮箱格式不正确"
    if phone and not MOBILE.match(phone):
        errors["phone"] = "请填写 11 位手机号码"
    if "email" in prefs.channels and not email:
        errors["email"] = "选择邮件通知须填写电子邮箱"
    if ({"sms", "wechat"} & set(prefs.channels)) and not phone:
        errors["phone"] = "选择短信或企业微信通知须填写手机号码"
    quiet: dict[str, int | None] = {}
    for name in ("quiet_start", "quiet_end"):
        text = getattr(prefs, name).strip()
        try:
            quiet[name] = parse_hhmm(text) if text else None
        except ValueError:
            errors[name] = "请按 时:分 填写，如 22:00"
    if not errors and (quiet["quiet_start"] is None) != (quiet["quiet_end"] is None):
        errors["quiet_end" if quiet["quiet_end"] is None else "quiet_start"] = "免打扰时段须同时填写开始和结束"
    if prefs.locale not in LOCALES:
        errors["locale"] = "不支持的语言"
    if errors:
        raise ValidationError("通知设置有误，未保存", errors)
    row = session.get(NotificationPreference, username) or NotificationPreference(username=username)
    row.channels = ",".join(c for c in CHANNELS if c in prefs.channels)
    row.email, row.phone = email or None, phone or None
    row.quiet_start, row.quiet_end, row.locale = quiet["quiet_start"], quiet["quiet_end"], prefs.locale
    session.add(row)
