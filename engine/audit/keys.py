"""The secret that signs checkpoints and exported bundles (HMAC-SHA256).

The key comes from configuration: ``$CASEGRID_AUDIT_KEY`` (any text of at least
16 characters), or else a random key kept in the instance folder's ``audit_key``
file, created with mode 0600 the first time it is needed. Signatures name the
key by its id (the first 16 hex digits of the key's SHA-256), never by the key.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from threading import Lock

from engine.errors import CasegridError

AUDIT_KEY_ENV = "CASEGRID_AUDIT_KEY"
KEY_FILE = "audit_key"
ALGORITHM = "hmac-sha256"
#: Shortest key text accepted from configuration.
MIN_KEY_LENGTH = 16


class AuditKeyError(CasegridError):
    """The configured key is missing, unreadable or too short."""

    code = "audit_key"


@dataclass(frozen=True)
class SigningKey:
    secret: bytes = field(repr=False)

    @property
    def key_id(self) -> str:
        return hashlib.sha256(self.secret).hexdigest()[:16]

    def sign(self, message: str) -> str:
        return hmac.new(self.secret, message.encode("utf-8"), hashlib.sha256).hexdigest()

    def verify(self, message: str, signature: str) -> bool:
        return hmac.compare_digest(self.sign(message), signature or "")


def key_from_text(text: str) -> SigningKey:
    text = text.strip()
    if len(text) < MIN_KEY_LENGTH:
        raise AuditKeyError(f"审计密钥太短：至少 {MIN_KEY_LENGTH} 个字符")
    return SigningKey(text.encode("utf-8"))


def read_key_file(path: Path) -> SigningKey:
    try:
        return key_from_text(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise AuditKeyError(f"无法读取审计密钥文件 {path}：{exc.strerror}") from None


def key_file(folder: Path) -> SigningKey:
    """The key in ``folder/audit_key``, created (random, mode 0600) if there is none yet."""
    path = folder / KEY_FILE
    if not path.exists():
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process created it meanwhile: use theirs
            return read_key_file(path)
        except OSError as exc:
            raise AuditKeyError(f"无法创建审计密钥文件 {path}：{exc.strerror}") from None
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(secrets.token_hex(32))
    return read_key_file(path)


def configured_key(text: str | None, instance: Path) -> SigningKey:
    """``text`` (from configuration) if given, else the instance folder's key file."""
    return key_from_text(text) if text else key_file(instance)


def environment_key(instance: Path) -> SigningKey:
    """For the command line: ``$CASEGRID_AUDIT_KEY``, else the instance folder's key file."""
    return configured_key(os.environ.get(AUDIT_KEY_ENV), instance)


class LazyKey:
    """A key loaded (and its file created) on first use, then kept: the web app may never sign anything."""

    def __init__(self, load: Callable[[], SigningKey]) -> None:
        self._load = load
        self._key: SigningKey | None = None
        self._lock = Lock()

    def __call__(self) -> SigningKey:
        with self._lock:
            if self._key is None:
                self._key = self._load()
            return self._key


KeySource = SigningKey | Callable[[], SigningKey]


def resolve(source: KeySource) -> SigningKey:
    return source if isinstance(source, SigningKey) else source()
