"""Tracking codes as people type them, and free text made safe to publish."""
from __future__ import annotations

import re
from collections.abc import Iterable

#: ``YYMMDD-XXXXXX`` (see :func:`engine.cases.intake.new_tracking_code`): no 0/O/1/I in the random part.
CODE = re.compile(r"^[0-9]{6}-[2-9A-HJ-NP-Z]{6}$")

# Digits with spaces or dashes inside: a phone or ID number once it has 7 digits or more (dates excepted).
_NUMBER = re.compile(r"\d[\d\- ]*\d")
_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")


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


def redact(text: str | None, secrets: Iterable[str | None] = ()) -> str | None:
    """``text`` without long numbers (phones, ID numbers) and without any of ``secrets`` (e.g. the reporter's name)."""
    if not text:
        return text
    for secret in secrets:
        if secret and len(secret.strip()) >= 2:
            text = text.replace(secret.strip(), "**")
    return _NUMBER.sub(_mask_number, text)


def _mask_number(match: re.Match[str]) -> str:
    number = match.group()
    if sum(c.isdigit() for c in number) < 7 or _DATE.fullmatch(number.strip()):
        return number
    return "****"


def summary(text: str | None, limit: int = 200) -> str | None:
    """The first ``limit`` characters, with an ellipsis when cut."""
    if not text:
        return text
    text = text.strip()
    return text if len(text) <= limit else text[:limit].rstrip() + "…"
