"""A reporter's consent to hear about their case: recorded with the report, withdrawn through their private link."""
from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine.cases.models import Case, Notification
from engine.clock import to_db
from engine.errors import NotFound, ValidationError
from engine.notify.models import CANCELLED, PENDING, Delivery, ResidentSubscription
from engine.notify.recipients import RESIDENT
from engine.notify.triggers import note

#: The consent the report form shows, stored with each subscription (its version is the text itself).
CONSENT_TEXT = "我同意社区使用我留下的联系方式，向我发送本次反映问题的受理回执和办理进展；我可随时通过专属链接退订。"
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[A-Za-z]{2,}$")
MOBILE = re.compile(r"^1[3-9]\d{9}$")


def check_contact(contact: str, consent: bool) -> tuple[str, str] | None:
    """``(channel, address)`` for a phone number or e-mail address given with consent; None if none given.

    Raises :class:`ValidationError` naming ``notify_contact`` or ``notify_consent``.
    """
    contact = (contact or "").strip()
    if not contact:
        return None
    if EMAIL.match(contact):
        channel = "email"
    elif MOBILE.match(contact.replace(" ", "").replace("-", "")):
        channel, contact = "sms", contact.replace(" ", "").replace("-", "")
    else:
        raise ValidationError("联系方式有误", {"notify_contact": "请填写 11 位手机号码或有效的电子邮箱"})
    if not consent:
        raise ValidationError("联系方式有误", {"notify_consent": "接收通知须勾选同意"})
    return channel, contact


def subscribe(session: Session, case: Case, channel: str, address: str, *, at: datetime, link: str,
              locale: str = "zh_CN") -> ResidentSubscription:
    """Record the consent and write the receipt (tracking code and private link) to the outbox."""
    sub = ResidentSubscription(case_id=case.id, channel=channel, address=address, consent_text=CONSENT_TEXT,
                               consented_at=to_db(at), locale=locale if locale in ("zh_CN", "en") else "zh_CN")
    session.add(sub)
    session.add(note(case, RESIDENT, "receipt",
                     f"您反映的问题已收到，查询编号 {case.tracking_code}。查看进度、评价或退订：{link}",
                     at=to_db(at), urgent=True, link=link))
    return sub


def withdraw(session: Session, case_id: int, at: datetime) -> bool:
    """Stop every message about the case to its reporter; False when there was nothing to withdraw."""
    sub = session.get(ResidentSubscription, case_id)
    if sub is None:
        raise NotFound("没有订阅")
    if sub.withdrawn_at is not None:
        return False
    sub.withdrawn_at = to_db(at)
    # Messages already waiting for a retry are not sent either.
    waiting = select(Notification.id).where(Notification.case_id == case_id, Notification.recipient == RESIDENT)
    session.execute(update(Delivery).where(Delivery.notification_id.in_(waiting), Delivery.state == PENDING)
                    .values(state=CANCELLED, next_attempt_at=None))
    return True


def subscribed(session: Session, case_id: int) -> bool:
    sub = session.get(ResidentSubscription, case_id)
    return sub is not None and sub.withdrawn_at is None
