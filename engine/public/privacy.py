"""Tracking codes as people type them, and published text kept short (personal data: :mod:`.redaction`)."""
from __future__ import annotations

import re

#: ``YYMMDD-XXXXXX`` (see :func:`engine.cases.intake.new_tracking_code`): no 0/O/1/I in the random part.
CODE = re.compile(r"^[0-9]{6}-[2-9A-HJ-NP-Z]{6}$")


def normalise_code(text: str | None) -> str | None:
    """The tracking code in ``text`` as stored (upper case, with the dash), or None if it cannot be one.

    Residents read codes off paper and type them on phones: spaces, lower case and a
    missing dash are forgiven; a mistyped letter O in the date part is read as zero.
    """
    raw = re.sub(r"[\s\-－—_]", "", text or "").upper()
    if len(raw) != 12:
        return None
    code = f"{raw[:6].replace('O', '0')}-{raw[6:]}"
    return code if CODE.match(code) else None


def summary(text: str | None, limit: int = 200) -> str | None:
    """The first ``limit`` characters, with an ellipsis when cut."""
    if not text:
        return text
    text = text.strip()
    return text if len(text) <= limit else text[:limit].rstrip() + "…"
