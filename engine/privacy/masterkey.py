"""The master key that wraps every case's data key: kept outside the database.

``$CASEGRID_DATA_MASTER_KEY`` holds the key itself (32 bytes, base64; what a secret store injects) or the
path of a file holding it; else the file ``data-master.key`` in the instance folder, made (mode 0600) the
first time a case needs a key. A database copied without that file, or a backup of it, holds only
ciphertext: keep the key file out of database backups, and keep a copy of it in a safe place — without
it no stored personal data can be read again (that is what deleting a case's data key relies on, per case).
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from engine.config import instance_path
from engine.errors import CasegridError

MASTER_KEY_ENV = "CASEGRID_DATA_MASTER_KEY"
MASTER_FILE_NAME = "data-master.key"
KEY_BYTES = 32


class MasterKeyError(CasegridError):
    """The master key cannot be read, or is not the one the database's data keys were wrapped with."""

    code = "master_key"


@dataclass(frozen=True)
class MasterKey:
    key: bytes = b""

    @property
    def key_id(self) -> str:
        """A fingerprint stored beside each wrapped data key (names a wrong master key instead of failing blind)."""
        return hashlib.sha256(b"casegrid data master key\x00" + self.key).hexdigest()[:16]

    def __repr__(self) -> str:  # never print the key
        return f"<MasterKey {self.key_id}>"


def generate() -> MasterKey:
    return MasterKey(os.urandom(KEY_BYTES))


def encode(key: MasterKey) -> str:
    return base64.b64encode(key.key).decode("ascii")


def parse(text: str, where: str) -> MasterKey:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != KEY_BYTES:
        raise MasterKeyError(f"{where} 不是有效的数据主密钥（应为 {KEY_BYTES} 字节的 base64 文本）")
    return MasterKey(raw)


def default_path() -> Path:
    return instance_path() / MASTER_FILE_NAME


def _read(path: Path, what: str) -> MasterKey:
    try:
        return parse(path.read_text(encoding="ascii"), str(path))
    except (OSError, UnicodeDecodeError) as exc:
        raise MasterKeyError(f"无法读取{what} {path}：{getattr(exc, 'strerror', None) or exc}") from None


def _create(path: Path, what: str) -> MasterKey:
    key = generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return _read(path, what)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(encode(key) + "\n")
    return key


def _is_key_text(value: str) -> bool:
    try:
        return len(base64.b64decode(value, validate=True)) == KEY_BYTES
    except (binascii.Error, ValueError):
        return False


_CACHE: dict[str, MasterKey] = {}


def load_key(env: str, default: Path, what: str, *, create: bool = True) -> MasterKey:
    """A key kept outside the database (read once per process and source): ``$env`` holds the key itself (base64)
    or the path of a file holding it; else the file ``default``, made (mode 0600) if there is none and ``create``.
    ``what`` names the key in messages."""
    value = os.environ.get(env, "").strip()
    source = value or str(default)
    if (cached := _CACHE.get(source)) is not None:
        return cached
    if value and _is_key_text(value):
        key = parse(value, f"${env}")
    else:
        path = Path(value).expanduser() if value else default
        if path.exists():
            key = _read(path, what)
        elif value:
            raise MasterKeyError(f"${env} 指向的{what}文件 {path} 不存在")
        elif create:
            key = _create(path, what)
        else:
            raise MasterKeyError(f"没有{what}（{path}）：无法读取加密存储的个人信息")
    _CACHE[source] = key
    return key


def master_key(*, create: bool = True) -> MasterKey:
    """The configured master key; made in the instance folder if there is none and ``create`` (a case is being
    given its first key)."""
    return load_key(MASTER_KEY_ENV, default_path(), "数据主密钥", create=create)
