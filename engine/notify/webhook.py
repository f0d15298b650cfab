"""The signed webhook: SMS and WeChat Work through an integrator's relay, with no code in casegrid.

Every delivery is one HTTP POST of a JSON body to the configured URL. The receiver checks
``X-Casegrid-Signature`` = ``sha256=`` + hex HMAC-SHA256(secret, timestamp + "." + body) with the shared
secret, refuses a timestamp older than its tolerance (replays), and keeps the ``Idempotency-Key`` of each
message it accepted: a retry of a message whose answer was lost carries the same key and is dropped.
Any 2xx answer means delivered; anything else (or no answer) is retried with back-off. See docs/notifications.md.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable

import httpx

from engine.notify.senders import Outgoing

SIGNATURE_HEADER = "X-Casegrid-Signature"
TIMESTAMP_HEADER = "X-Casegrid-Timestamp"
KEY_HEADER = "Idempotency-Key"
#: A receiver should refuse a signature older than this (seconds).
DEFAULT_TOLERANCE = 300


def signature(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, given: str, *, now: float | None = None,
           tolerance: int = DEFAULT_TOLERANCE) -> bool:
    """What a receiver runs: the signature matches and the timestamp is recent (constant-time compare)."""
    try:
        age = abs((now if now is not None else time.time()) - int(timestamp))
    except ValueError:
        return False
    return age <= tolerance and hmac.compare_digest(signature(secret, timestamp, body), given)


def body_of(message: Outgoing) -> bytes:
    return json.dumps({
        "id": message.idempotency_key, "channel": message.channel, "to": message.address,
        "kind": message.kind, "subject": message.subject, "text": message.message, "link": message.link,
        "urgent": message.urgent, "created_at": message.created_at.isoformat(timespec="seconds") + "Z",
    }, ensure_ascii=False, sort_keys=True).encode()


class WebhookSender:
    """POSTs each delivery to ``url``, signed with ``secret``; one pooled HTTP client per sender."""

    def __init__(self, url: str, secret: str, *, timeout: float = 10,
                 now: Callable[[], float] = time.time) -> None:
        if not secret:
            raise ValueError("a webhook needs a shared secret")
        self.url, self.secret, self.now = url, secret, now
        self.client = httpx.Client(timeout=timeout)

    def send(self, notification: Outgoing) -> None:
        body = body_of(notification)
        timestamp = str(int(self.now()))
        answer = self.client.post(self.url, content=body, headers={
            "Content-Type": "application/json; charset=utf-8",
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: signature(self.secret, timestamp, body),
            KEY_HEADER: notification.idempotency_key,
        })
        if not answer.is_success:
            raise ConnectionError(f"webhook answered HTTP {answer.status_code}: {answer.text[:200]}")

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> WebhookSender:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
