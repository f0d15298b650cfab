"""Password hashing with scrypt (stdlib), in werkzeug's ``scrypt:N:r:p$salt$hash`` format."""
from __future__ import annotations

import hashlib
import hmac
import secrets

_N, _R, _P = 2**15, 8, 1


def hash_password(password: str) -> str:
    salt = secrets.token_hex(16)
    digest = hashlib.scrypt(password.encode(), salt=salt.encode(), n=_N, r=_R, p=_P, maxmem=64 * 1024 * 1024)
    return f"scrypt:{_N}:{_R}:{_P}${salt}${digest.hex()}"


def check_password(stored: str | None, password: str) -> bool:
    """True when ``password`` matches ``stored``; False for a malformed or missing hash."""
    if not stored:
        return False
    try:
        method, salt, expected = stored.split("$", 2)
        name, n, r, p = method.split(":")
        if name != "scrypt":
            return False
        digest = hashlib.scrypt(password.encode(), salt=salt.encode(), n=int(n), r=int(r), p=int(p),
                                maxmem=64 * 1024 * 1024)
    except ValueError:
        return False
    return hmac.compare_digest(digest.hex(), expected)
