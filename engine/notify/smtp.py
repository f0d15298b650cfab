"""E-mail over SMTP (stdlib ``smtplib``), configured by one URL:

``smtp://user:password@host:25?from=noreply@example.org`` (``smtp+starttls://`` upgrades the connection,
``smtps://`` speaks TLS from the start). The delivery's idempotency key is the message's ``Message-ID``
and its ``X-Casegrid-Idempotency-Key`` header, so a mail system can drop a repeat.
"""
from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate
from urllib.parse import parse_qs, unquote, urlsplit

from engine.notify.senders import Outgoing

KEY_HEADER = "X-Casegrid-Idempotency-Key"


class SmtpSender:
    def __init__(self, url: str, *, timeout: float = 10, base_url: str = "") -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtp+starttls", "smtps") or not parts.hostname:
            raise ValueError(f"not an SMTP URL: {parts.scheme}://{parts.hostname or ''}")
        self.scheme, self.host = parts.scheme, parts.hostname
        self.port = parts.port or (465 if parts.scheme == "smtps" else 25)
        self.user = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        query = parse_qs(parts.query)
        self.sender = query.get("from", [f"casegrid@{self.host}"])[0]
        self.timeout, self.base_url = timeout, base_url.rstrip("/")

    def message(self, notification: Outgoing) -> EmailMessage:
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = notification.address or ""
        mail["Subject"] = notification.subject
        mail["Date"] = formatdate(localtime=False, usegmt=True)
        mail["Message-ID"] = f"<{notification.idempotency_key}@casegrid>"
        mail[KEY_HEADER] = notification.idempotency_key
        link = f"\n\n{self.base_url}{notification.link}" if notification.link else ""
        mail.set_content(notification.message + link)
        return mail

    def send(self, notification: Outgoing) -> None:
        if not notification.address:
            raise ValueError("no e-mail address")
        connect = smtplib.SMTP_SSL if self.scheme == "smtps" else smtplib.SMTP
        with connect(self.host, self.port, timeout=self.timeout) as smtp:
            if self.scheme == "smtp+starttls":
                smtp.starttls(context=ssl.create_default_context())
            if self.user:
                smtp.login(self.user, self.password or "")
            smtp.send_message(self.message(notification))
