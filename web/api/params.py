"""Request parameters the JSON API and Open311 read alike (a report's latitude and longitude)."""
from __future__ import annotations

from flask_babel import gettext as _

from engine import ValidationError


def number_param(name: str, raw: str) -> float | None:
    """A number parameter (empty: None); :class:`ValidationError` naming ``name`` otherwise."""
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        raise ValidationError(_("请求参数有误"), {name: _("应为数字")}) from None
