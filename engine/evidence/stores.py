"""The evidence store named by a URL: a folder (a path or ``file:///…``), or ``s3://…`` for an
S3-compatible object store::

    s3://[ACCESS_KEY:SECRET_KEY@]BUCKET[/PREFIX][?endpoint=http://host:port&region=…&addressing=virtual]

Without keys in the URL boto3 reads its usual ones (``AWS_ACCESS_KEY_ID`` …, instance roles).
"""
from __future__ import annotations

import tempfile
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from engine.errors import ValidationError
from engine.evidence.store import EvidenceStore, Store


def open_store(location: str | Path, *, incoming: Path | None = None) -> Store:
    """The store at ``location``; ``incoming`` is where an object store's uploads wait while being checked
    (default: a ``casegrid-incoming`` folder in the system's temporary folder)."""
    text = str(location)
    if not text.startswith(("s3://", "file://")):
        return EvidenceStore(Path(text))
    parts = urlsplit(text)
    if parts.scheme == "file":
        return EvidenceStore(Path(unquote(parts.path)))
    if not parts.hostname:
        raise ValidationError("证据存储地址有误", {"evidence": "s3:// 地址缺少存储桶名称"})
    from engine.evidence.s3 import S3Store  # boto3 is imported only by deployments that use it

    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    return S3Store(parts.hostname, unquote(parts.path), endpoint_url=query.get("endpoint"),
                   region=query.get("region"), access_key=unquote(parts.username) if parts.username else None,
                   secret_key=unquote(parts.password) if parts.password else None,
                   path_style=query.get("addressing", "path") != "virtual",
                   incoming=incoming or Path(tempfile.gettempdir()) / "casegrid-incoming")
