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
        # Redis down: Flask-Limiter's own limits count in memory meanwhile, like web/throttles.py's.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_HEADERS_ENABLED": True,
        #: Public forms (report, rating, Open311 filing without a valid token): per client address.
        "PUBLIC_FORM_LIMIT": "20 per hour",
        # The limits of web/throttles.py (README "Rate limits"), each settable as CASEGRID_<NAME>:
        #: any public page or document, per address;
        "PUBLIC_READ_LIMIT": "120 per minute",
        #: Open311 listings and single requests, per address (a listing is up to 1 000 rows of work);
        "OPEN311_READ_LIMIT": "30 per minute",
        #: everything an integration does with its API token (Open311 and /api), per token;
        "INTEGRATION_LIMIT": "1000 per hour",
        #: login posts per address and username typed (the per-username lockout comes on top), and per
        #: address whatever the username (a whole office may share one address);
        "LOGIN_LIMIT": "10 per minute",
        "LOGIN_ADDRESS_LIMIT": "60 per minute",
        #: ballot posts per ballot token, and per address (a compound's households may share one).
        "VOTE_TOKEN_LIMIT": "10 per hour",
        "VOTE_ADDRESS_LIMIT": "300 per hour",
        #: the residents' app API, per address: every call, and code requests plus code logins.
        "RESIDENT_APP_LIMIT": "120 per minute",
        "RESIDENT_CODE_LIMIT": "10 per hour",
        "INBOX_PAGE_SIZE": 25,
        #: A read replica of the database for the inbox, case search and assessment pages (web/replica.py):
        #: $CASEGRID_READ_REPLICA_URL; unset, every read is the primary's. After a write, the same browser
        #: reads the primary this many seconds (read-your-writes).
        "READ_REPLICA_URL": None,
        "REPLICA_STICKY_SECONDS": 10,
        #: Evidence uploads (engine/evidence): largest file, files one case holds, photos on one report,
        #: upload posts per address; the store (a folder or s3://…, see engine/evidence/stores.py).
        "EVIDENCE_MAX_FILE_BYTES": 10 * 1024 * 1024,
        "EVIDENCE_MAX_PER_CASE": 30,
        "REPORT_MAX_PHOTOS": 6,
        "EVIDENCE_UPLOAD_LIMIT": "30 per hour",
        #: Open311 (web/open311): the one jurisdiction served (a request naming another is 404), and what the
        #: service discovery document says about who to contact and how to get an api_key.
        "OPEN311_JURISDICTION": "casegrid",
        "OPEN311_CONTACT": "街道办信息化联络员（请联系本街道）",
        "OPEN311_KEY_SERVICE": "api_key 由管理员在「接口令牌」页为网格员账号签发（/admin/tokens）",
        #: 12345 work orders (docs/hotline.md): the hotline's category → the street's, where the names differ.
        "HOTLINE_CATEGORY_MAP": {"市容环境": "环境卫生", "物业服务": "物业管理"},
        #: Single sign-on (web/sso; README "Single sign-on"): the OpenID Connect provider's issuer URL and this
        #: app's client there (CASEGRID_SSO_ISSUER, _CLIENT_ID, _CLIENT_SECRET). No issuer: local accounts only.
        "SSO_ISSUER": "",
        "SSO_CLIENT_ID": "",
        "SSO_CLIENT_SECRET": "",
        "SSO_SCOPE": "openid profile",
        "SSO_TIMEOUT": 10,
        "INSTANCE": str(instance),
    }
