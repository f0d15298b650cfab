"""Which channels this deployment delivers on, from its environment (no code changes to connect one).

- ``CASEGRID_SMTP_URL``: e-mail (see :mod:`engine.notify.smtp`), e.g. ``smtp://mail.example.org:25?from=casegrid@example.org``;
- ``CASEGRID_WEBHOOK_URL`` and ``CASEGRID_WEBHOOK_SECRET``: SMS and WeChat Work through a signed webhook
  (:mod:`engine.notify.webhook`; the JSON body's ``channel`` says which);
- ``CASEGRID_NOTIFY_SENDER``: ``module:attribute`` of a sender for the ``log`` channel (one delivery per
  notification). With none of these set, notifications go to the log, as before.
- ``CASEGRID_BASE_URL``: the site's address, for the links in e-mails.
"""
from __future__ import annotations

import os
from collections.abc import Mapping

from engine.errors import ValidationError
from engine.notify.senders import SENDER_ENV, Sender, load_sender
from engine.notify.smtp import SmtpSender
from engine.notify.webhook import WebhookSender

EXTERNAL = ("email", "sms", "wechat")


def channels_from_env(environ: Mapping[str, str] = os.environ, sender: str | None = None) -> dict[str, Sender]:
    channels: dict[str, Sender] = {}
    if smtp := environ.get("CASEGRID_SMTP_URL"):
        try:
            channels["email"] = SmtpSender(smtp, base_url=environ.get("CASEGRID_BASE_URL", ""))
        except ValueError as exc:
            raise ValidationError("通知渠道配置有误", {"CASEGRID_SMTP_URL": str(exc)}) from None
    if webhook := environ.get("CASEGRID_WEBHOOK_URL"):
        secret = environ.get("CASEGRID_WEBHOOK_SECRET", "")
        if not secret:
            raise ValidationError("通知渠道配置有误", {"CASEGRID_WEBHOOK_SECRET": "签名 webhook 需要共享密钥"})
        channels["sms"] = channels["wechat"] = WebhookSender(webhook, secret)
    spec = sender or environ.get(SENDER_ENV)
    if spec or not channels:
        channels["log"] = load_sender(spec)
    return channels
