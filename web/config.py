"""Default settings of the web app; ``create_app(test_config)`` and the instance folder override them."""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from engine.config import database_url, instance_path


def _secret_key(instance: Path) -> str:
    """A per-installation secret kept in the instance folder, so sessions survive restarts."""
    if key := os.environ.get("CASEGRID_SECRET_KEY"):
        return key
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def defaults() -> dict[str, Any]:
    instance = instance_path()
    return {
        "DATABASE_URL": database_url(),
        "SECRET_KEY": _secret_key(instance),
        "BABEL_DEFAULT_LOCALE": "zh_CN",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "LANGUAGES": {"zh_CN": "中文", "en": "English"},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        #: Public forms (report, rating): per client address.
        "PUBLIC_FORM_LIMIT": "20 per hour",
        "INBOX_PAGE_SIZE": 25,
        "INSTANCE": str(instance),
    }
