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


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def defaults() -> dict[str, Any]:
    instance = instance_path()
    https = _flag("CASEGRID_HTTPS")
    return {
        "DATABASE_URL": database_url(),
        "SECRET_KEY": _secret_key(instance),
        "BABEL_DEFAULT_LOCALE": "zh_CN",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "LANGUAGES": {"zh_CN": "中文", "en": "English"},
        # Cookies: never readable by scripts, not sent on cross-site posts, and only over HTTPS once
        # CASEGRID_HTTPS is set (behind a TLS-terminating proxy: set it there, not on plain-HTTP demos).
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": https,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": https,
        #: Reverse proxies in front of the app whose X-Forwarded-* headers are trusted (web/proxy.py).
        "PROXY_HOPS": 0,
        #: Login lockout per username (web/auth): this many failures within the window lock it.
        "LOGIN_MAX_FAILURES": 5,
        "LOGIN_FAILURE_WINDOW_MINUTES": 15,
        "LOGIN_LOCK_MINUTES": 15,
        "WTF_CSRF_TIME_LIMIT": None,
        # Explicit, not Flask-Limiter's default: its extension object is shared by every app in the
        # process and otherwise keeps the last app's setting (a test app's False would switch it off).
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        #: Public forms (report, rating): per client address.
        "PUBLIC_FORM_LIMIT": "20 per hour",
        "INBOX_PAGE_SIZE": 25,
        "INSTANCE": str(instance),
    }
