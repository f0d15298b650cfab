"""The reporter's private link: the one path that carries a case's reporter key.

Built here, without Flask, so that notifications (SMS, e-mail, the receipt) and the web
app agree on it; the web app serves this exact path (``web/public/mine.py``).
"""
from __future__ import annotations

#: The reporter's private page, relative to the site's root. ``{key}`` is URL-safe as issued.
REPORTER_PATH = "/my/{key}"


def reporter_path(key: str) -> str:
    """The private link's path for the reporter key ``key`` (prefix the site's address for a full link)."""
    return REPORTER_PATH.format(key=key)
