"""Where the head-signing key lives: never in the database, never in the instance folder by default.

The private key is ``$CASEGRID_AUDIT_SIGNING_KEY`` — the key file's JSON itself (a secret store's
environment variable) or the path of the key file — else ``$XDG_CONFIG_HOME/casegrid/audit-signing-key.json``
(``~/.config/…``): outside the instance folder, so a copy of the instance (database, evidence, backups)
carries no key. ``casegrid audit keygen`` writes it there (mode 0600) and says so.

The public keys — every key ever used, so that heads signed before a rotation still verify — are kept
in the key ring ``$CASEGRID_AUDIT_PUBLIC_KEYS``, else ``instance/audit_public_keys.json``. They are
public: an auditor keeps their own copy and passes it with ``--public-key``.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from engine.audit.signing import (
    KeyRing,
    PrivateKey,
    PublicKey,
    SigningKeyError,
    generate,
    parse_private_key,
    parse_public_keys,
    private_key_text,
    ring_text,
)

SIGNING_KEY_ENV = "CASEGRID_AUDIT_SIGNING_KEY"
PUBLIC_KEYS_ENV = "CASEGRID_AUDIT_PUBLIC_KEYS"
PROFILE_ENV = "CASEGRID_AUDIT_PROFILE"
KEY_FILE_NAME = "audit-signing-key.json"
RING_FILE_NAME = "audit_public_keys.json"


def default_key_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "casegrid" / KEY_FILE_NAME


def ring_path(instance: Path) -> Path:
    return Path(os.environ.get(PUBLIC_KEYS_ENV) or instance / RING_FILE_NAME)


def configured_private_key() -> PrivateKey | None:
    """The signing key configured in the environment (or at the default path); None when there is none."""
    value = os.environ.get(SIGNING_KEY_ENV, "").strip()
    if value.startswith("{"):
        return parse_private_key(value, f"${SIGNING_KEY_ENV}")
    path = Path(value) if value else default_key_path()
    if not path.exists():
        if value:
            raise SigningKeyError(f"${SIGNING_KEY_ENV} 指向的密钥文件 {path} 不存在")
        return None
    return read_private_key(path)


def read_private_key(path: Path) -> PrivateKey:
    try:
        return parse_private_key(path.read_text(encoding="utf-8"), str(path))
    except OSError as exc:
        raise SigningKeyError(f"无法读取签名私钥 {path}：{exc.strerror}") from None


def read_ring(paths: list[Path]) -> KeyRing:
    keys: list[PublicKey] = []
    for path in paths:
        try:
            keys += parse_public_keys(path.read_text(encoding="utf-8"), str(path))
        except OSError as exc:
            raise SigningKeyError(f"无法读取公钥文件 {path}：{exc.strerror}") from None
    return KeyRing.of(keys)


@dataclass(frozen=True)
class NewKey:
    key: PrivateKey
    private_path: Path
    ring_path: Path
    #: Key ids in the ring after adding this one (older ones stay: their heads must keep verifying).
    ring: tuple[str, ...]


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False


def keygen(instance: Path, *, profile: str, out: Path | None, ring: Path | None, at: datetime) -> NewKey:
    """A new signing key written to ``out`` (default outside the instance folder), its public half added to the ring."""
    out = out or default_key_path()
    if _inside(out, instance):
        raise SigningKeyError(f"私钥不能放在实例目录 {instance} 中（与数据库放在一起，拿到数据库的人也就拿到了签名能力）；"
                              "请用 --out 指定实例目录以外的路径")
    if out.exists():
        raise SigningKeyError(f"{out} 已存在：不会覆盖现有私钥（轮换密钥请用 --out 指定新文件，再把 "
                              f"${SIGNING_KEY_ENV} 指向它）")
    key = generate(profile)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(private_key_text(key))
    ring = ring or ring_path(instance)
    existing: list[PublicKey] = []
    created: dict[str, str] = {}
    if ring.exists():
        data = json.loads(ring.read_text(encoding="utf-8"))
        existing = parse_public_keys(json.dumps(data), str(ring))
        created = {str(k.get("key_id")): str(k["created_at"]) for k in data.get("keys", []) if "created_at" in k}
    created[key.key_id] = at.isoformat(timespec="seconds")
    keys = [k for k in existing if k.key_id != key.key_id] + [key.public_key]
    ring.parent.mkdir(parents=True, exist_ok=True)
    ring.write_text(ring_text(keys, created), encoding="utf-8")
    return NewKey(key, out, ring, tuple(k.key_id for k in keys))
