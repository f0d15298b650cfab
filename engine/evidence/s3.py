"""Files by their SHA-256 in an S3-compatible object store (several workers, larger deployments).

Uploads are streamed to a local incoming folder first (the content must be sniffed and hashed before
anything is kept), then sent to the bucket with boto3's managed (multipart) transfer; no database
transaction is open meanwhile. Any failure of the object store reaches the caller as an
:class:`OSError`, which the evidence service reports as a storage outage.
"""
from __future__ import annotations

import errno
import hashlib
import io
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from engine.evidence.store import (
    MAX_FILE_BYTES,
    MISSING,
    Received,
    check_sha256,
    file_problem,
    receive_into,
    sweep_incoming,
)

_NOT_THERE = {"404", "NoSuchKey", "NotFound"}


class StoreUnreachable(OSError):
    """The object store did not answer, or refused the request."""

    def __init__(self, exc: Exception) -> None:
        super().__init__(errno.EIO, "对象存储无法访问")
        self.cause = exc


def _not_there(exc: ClientError) -> bool:
    return str(exc.response.get("Error", {}).get("Code")) in _NOT_THERE


class S3Store:
    def __init__(self, bucket: str, prefix: str = "", *, incoming: Path, endpoint_url: str | None = None,
                 region: str | None = None, access_key: str | None = None, secret_key: str | None = None,
                 path_style: bool = True) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.incoming = Path(incoming)
        # Short timeouts and few retries: an outage must refuse the step within seconds, not hang a request.
        config = Config(connect_timeout=3, read_timeout=30, retries={"max_attempts": 2, "mode": "standard"},
                        s3={"addressing_style": "path" if path_style else "virtual"})
        self.client: Any = boto3.session.Session().client(
            "s3", endpoint_url=endpoint_url, region_name=region or "us-east-1", aws_access_key_id=access_key,
            aws_secret_access_key=secret_key, config=config)

    def __repr__(self) -> str:
        return f"<S3Store s3://{self.bucket}/{self.prefix}>"

    def key_of(self, sha256: str) -> str:
        check_sha256(sha256)
        return f"{self.prefix}{sha256[:2]}/{sha256[2:4]}/{sha256}"

    def receive(self, stream: BinaryIO, max_bytes: int = MAX_FILE_BYTES) -> Received:
        return receive_into(self.incoming, stream, max_bytes)

    def _exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if _not_there(exc):
                return False
            raise StoreUnreachable(exc) from None
        except BotoCoreError as exc:
            raise StoreUnreachable(exc) from None
        return True

    def keep(self, received: Received) -> None:
        key = self.key_of(received.sha256)
        try:
            if not self._exists(key):
                self.client.upload_file(str(received.path), self.bucket, key)
        except (BotoCoreError, ClientError) as exc:
            raise StoreUnreachable(exc) from None
        finally:
            received.path.unlink(missing_ok=True)

    def discard(self, received: Received) -> None:
        received.path.unlink(missing_ok=True)

    def put_bytes(self, data: bytes) -> str:
        sha256 = hashlib.sha256(data).hexdigest()
        try:
            self.client.put_object(Bucket=self.bucket, Key=self.key_of(sha256), Body=data)
        except (BotoCoreError, ClientError) as exc:
            raise StoreUnreachable(exc) from None
        return sha256

    def open(self, sha256: str) -> BinaryIO:
        """The stored bytes, streamed from the bucket; :class:`FileNotFoundError` when they are not there."""
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=self.key_of(sha256))["Body"]
        except ClientError as exc:
            if _not_there(exc):
                raise FileNotFoundError(errno.ENOENT, MISSING, sha256) from None
            raise StoreUnreachable(exc) from None
        except BotoCoreError as exc:
            raise StoreUnreachable(exc) from None
        return _Body(body)

    def delete(self, sha256: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self.key_of(sha256))
        except (BotoCoreError, ClientError) as exc:
            raise StoreUnreachable(exc) from None

    def problem(self, sha256: str) -> str | None:
        return file_problem(self, sha256)

    def sweep_incoming(self, before: datetime) -> int:
        return sweep_incoming(self.incoming, before)

    def keys(self) -> Iterator[str]:
        """Every key under the prefix (for the tests and the operator; the catalogue is the database)."""
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix):
            for item in page.get("Contents", ()):
                yield item["Key"]


class _Body(io.RawIOBase):
    """botocore's streaming body as a readable, closable binary file (what ``send_file`` and hashing expect)."""

    def __init__(self, body: Any) -> None:
        self._body = body

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        try:
            data = self._body.read(len(buffer))
        except (BotoCoreError, ClientError) as exc:  # the connection dropped mid-file
            raise StoreUnreachable(exc) from None
        buffer[:len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._body.close()
        super().close()
