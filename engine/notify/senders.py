"""Who carries a delivery to the person. The default writes it to the log; e-mail (:mod:`engine.notify.smtp`)
and the signed webhook for SMS / WeChat (:mod:`engine.notify.webhook`) are configured by environment
(:mod:`engine.notify.channels`); a deployment may also plug in its own by naming ``module:attribute``."""
from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, cast

from engine.errors import ValidationError

log = logging.getLogger("casegrid.notify")

#: Environment variable naming the notification sender (``module:attribute``; default: the log).
SENDER_ENV = "CASEGRID_NOTIFY_SENDER"


@dataclass(frozen=True)
class Outgoing:
    """What a sender gets: a copy of one delivery and its notification, never the rows themselves."""

    #: The delivery's id.
    id: int
    notification_id: int
    #: The same for every attempt of this delivery: receivers drop a repeat they already accepted.
    idempotency_key: str
    channel: str
    #: The case it is about (None for a digest or a council sitting).
    case_id: int | None
    #: The notification's recipient: a role, ``department:<code>``, ``user:<name>`` or ``resident``.
    recipient: str
    #: The staff member it is for (None for a resident or the log).
    username: str | None
    #: E-mail address or phone number (None for the log).
    address: str | None
    kind: str
    subject: str
    message: str
    #: Path of the page it is about (a task, a case, or the resident's private page).
    link: str
    urgent: bool
    created_at: datetime


class Sender(Protocol):
    def send(self, notification: Outgoing) -> None:
        """Deliver it or raise; a delivery whose sending raised is retried later with back-off."""


class LogSender:
    """The default: one DEBUG line per notification on the ``casegrid.notify`` logger (each pass of the outbox
    says at INFO how many it sent of each kind: a demo's first sweep sends hundreds)."""

    def send(self, notification: Outgoing) -> None:
        log.debug("通知 #%s → %s [%s] %s", notification.notification_id, notification.recipient,
                 notification.kind, notification.message)


def load_sender(spec: str | None = None) -> Sender:
    """The sender named ``module:attribute`` (called with no arguments), or :class:`LogSender` for None / ``log``."""
    if not spec or spec == "log":
        return LogSender()
    module_name, _, attribute = spec.partition(":")
    try:
        factory = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError, ValueError) as exc:
        raise ValidationError("通知发送器配置有误", {"sender": f"无法加载 {spec!r}：{exc}"}) from None
    sender = factory()
    if not callable(getattr(sender, "send", None)):
        raise ValidationError("通知发送器配置有误", {"sender": f"{spec!r} 没有 send(notification) 方法"})
    return cast(Sender, sender)
