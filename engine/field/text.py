"""The free-text fields of field work (visits, meetings, volunteers): trimmed, bounded, no control characters."""
from __future__ import annotations

import re

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def text_field(errors: dict[str, str], name: str, value: str | None, most: int, label: str, *,
               required: bool) -> str:
    """``value`` trimmed; a problem goes into ``errors[name]`` in the words a page shows beside the field."""
    text = (value or "").strip()
    if required and not text:
        errors[name] = f"请填写{label}"
    elif len(text) > most:
        errors[name] = f"{label}最多 {most} 字"
    elif CONTROL.search(text):
        errors[name] = f"{label}含有控制字符"
    return text
