"""The keys the audit services use: the private key that signs heads and bundles, loaded on first use,
and the public key ring that checks them (see :mod:`engine.audit.keystore` for where they live).

Only the private key can sign; it is never in the database nor, by default, in the instance folder.
Checking needs the public keys alone, so an auditor can verify without being able to forge.
"""
from __future__ import annotations

from collections.abc import Callable
from threading import Lock

from engine.audit.keystore import SIGNING_KEY_ENV, configured_private_key, read_ring, ring_path
from engine.audit.signing import KeyRing, PrivateKey, SigningKeyError
from engine.config import instance_path

#: Raised when signing is asked for and no key is configured (or it cannot be read).
AuditKeyError = SigningKeyError


def environment_key() -> PrivateKey:
    key = configured_private_key()
    if key is None:
        raise AuditKeyError(f"未配置签名私钥：运行 casegrid audit keygen，或设置 ${SIGNING_KEY_ENV}")
    return key


def environment_ring() -> KeyRing | None:
    """The instance's public key ring, or None when there is none yet."""
    path = ring_path(instance_path())
    return read_ring([path]) if path.exists() else None


class LazyKey:
    """A key loaded on first use, then kept: the web app may never sign anything."""

    def __init__(self, load: Callable[[], PrivateKey]) -> None:
        self._load = load
        self._key: PrivateKey | None = None
        self._lock = Lock()

    def __call__(self) -> PrivateKey:
        with self._lock:
            if self._key is None:
                self._key = self._load()
            return self._key


KeySource = PrivateKey | Callable[[], PrivateKey]
RingSource = KeyRing | Callable[[], KeyRing | None]


def resolve(source: KeySource) -> PrivateKey:
    return source if isinstance(source, PrivateKey) else source()


def resolve_ring(source: RingSource | None) -> KeyRing | None:
    if source is None or isinstance(source, KeyRing):
        return source
    return source()
