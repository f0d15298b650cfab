"""Who delivers a notification. The default writes it to the log; a deployment plugs in SMS,
WeChat Work or e-mail by naming a ``module:attribute`` (a class or factory taking no arguments)."""
from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, cast

from engine.errors import ValidationError

log = logging.getLogger("casegrid.notify")


@dataclass(frozen=True)
class Outgoing:
    """What a sender gets: a copy of the outbox row, never the row itself."""

    id: int
    case_id: int
    #: A role, ``department:<code>`` or ``user:<name>``.
    recipient: str
    kind: str
    message: str
    created_at: datetime


class Sender(Protocol):
    def send(self, notification: Outgoing) -> None:
        """Deliver it or raise; a notification whose sending raised stays in the outbox for the next sweep."""


class LogSender:
    """The default: one INFO line per notification on the ``casegrid.notify`` logger."""

    def send(self, notification: Outgoing) -> None:
        log.info("通知 #%s → %s [%s] %s", notification.id, notification.recipient, notification.kind,
                 notification.message)


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
