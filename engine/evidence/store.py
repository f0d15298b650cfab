"""Files by their SHA-256 in a folder: ``<root>/ab/cd/<sha256>`` (the default store).

An upload is streamed into ``<root>/incoming/`` while it is hashed and counted, and renamed into
place only once it has been accepted: a reader never sees half a file, and a refused or cut-off
upload leaves nothing behind. No database transaction is open meanwhile (the callers' rule).
Every store (this folder, :class:`engine.evidence.s3.S3Store`) has the methods of :class:`Store`.
"""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import BinaryIO, Protocol

from engine.evidence.content import FileRefused

#: Default largest file, in bytes.
MAX_FILE_BYTES = 10 * 1024 * 1024
_CHUNK = 256 * 1024
_SHA256 = re.compile(r"[0-9a-f]{64}")

#: The finding for a file the record refers to that is not there, and for one whose bytes changed.
MISSING = "文件缺失"
ALTERED = "文件内容与哈希不符（被修改或替换）"


@dataclass(frozen=True)
class Received:
    """A file streamed into a local incoming folder: not yet kept."""

    path: Path
    sha256: str
    size: int


def check_sha256(sha256: str) -> str:
    if not _SHA256.fullmatch(sha256):
        raise ValueError(f"not a SHA-256: {sha256!r}")
    return sha256


def receive_into(incoming: Path, stream: BinaryIO, max_bytes: int) -> Received:
    """Stream ``stream`` to a temporary file in ``incoming``, hashing it; :class:`FileRefused` past ``max_bytes``."""
    incoming.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    fd, name = tempfile.mkstemp(dir=incoming)
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(_CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise FileRefused(f"文件超过 {max_bytes // (1024 * 1024)} MB，不能上传")
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        os.unlink(name)
        raise
    return Received(Path(name), digest.hexdigest(), size)


def file_problem(store: Store, sha256: str) -> str | None:
    """Why the stored file for ``sha256`` is not that file (missing, unreadable, other bytes), or None."""
    digest = hashlib.sha256()
    try:
        with store.open(sha256) as stream:
            while chunk := stream.read(_CHUNK):
                digest.update(chunk)
    except FileNotFoundError:
        return MISSING
    except OSError as exc:
        return f"文件无法读取（{exc.strerror or type(exc).__name__}）"
    return None if digest.hexdigest() == sha256 else ALTERED


def sweep_incoming(incoming: Path, before: datetime) -> int:
    """Remove uploads left half-received in ``incoming`` (a process killed mid-upload) older than ``before``."""
    removed = 0
    for path in incoming.glob("*") if incoming.is_dir() else ():
        if datetime.fromtimestamp(path.stat().st_mtime, timezone.utc) < before:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


class Store(Protocol):
    """Where evidence files are kept, by SHA-256. Errors of the storage itself are :class:`OSError`."""

    def receive(self, stream: BinaryIO, max_bytes: int = MAX_FILE_BYTES) -> Received: ...
    def keep(self, received: Received) -> None: ...
    def discard(self, received: Received) -> None: ...
    def put_bytes(self, data: bytes) -> str: ...
    def open(self, sha256: str) -> BinaryIO: ...
    def delete(self, sha256: str) -> None: ...
    def problem(self, sha256: str) -> str | None: ...
    def sweep_incoming(self, before: datetime) -> int: ...


class EvidenceStore:
    """The local folder store."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"<EvidenceStore {self.root}>"

    def path_of(self, sha256: str) -> Path:
        check_sha256(sha256)
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def receive(self, stream: BinaryIO, max_bytes: int = MAX_FILE_BYTES) -> Received:
        return receive_into(self.root / "incoming", stream, max_bytes)

    def keep(self, received: Received) -> None:
        """Move an accepted file into place (the same bytes already there: keep those)."""
        target = self.path_of(received.sha256)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            received.path.unlink()
        else:
            os.replace(received.path, target)

    def discard(self, received: Received) -> None:
        received.path.unlink(missing_ok=True)

    def put_bytes(self, data: bytes) -> str:
        """Keep ``data`` (a derived copy); its SHA-256."""
        sha256 = hashlib.sha256(data).hexdigest()
        target = self.path_of(sha256)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(dir=target.parent)
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(name, target)
        return sha256

    def open(self, sha256: str) -> BinaryIO:
        """The stored bytes for reading; :class:`FileNotFoundError` when they are not there."""
        return self.path_of(sha256).open("rb")

    def delete(self, sha256: str) -> None:
        self.path_of(sha256).unlink(missing_ok=True)

    def problem(self, sha256: str) -> str | None:
        return file_problem(self, sha256)

    def sweep_incoming(self, before: datetime) -> int:
        return sweep_incoming(self.root / "incoming", before)
