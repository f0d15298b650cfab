"""casegrid's web UI: server-rendered Flask, Chinese first. Build it only through :func:`create_app`.

Importing the package costs nothing: Flask, the engine's services and every part load with the app
(:mod:`web.app`), so ``casegrid --help`` and the commands that serve nothing never pay for them.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """The WSGI app. ``test_config`` may carry ``DATABASE_URL``, a ready ``DATABASE`` and a ``CLOCK``."""
    from web.app import create_app as build

    return build(test_config)
