"""Rate limits of the public forms, per client address (``PUBLIC_FORM_LIMIT``); every public page's
budget per address or token is in :mod:`web.throttles`, which also answers every 429.

Tracking lookups share one budget, and a page for a known code does not use it
up: only lookups that find nothing count, so codes cannot be enumerated while a
resident may reload their own page as often as they like.
"""
from __future__ import annotations

from flask import Response, current_app
from flask_limiter.extension import LimitDecorator

from web.extensions import limiter

#: Scope shared by every way of trying a tracking code.
TRACK_SCOPE = "public-track"


def public_form_limit() -> str:
    return current_app.config["PUBLIC_FORM_LIMIT"]


def _missed(response: Response) -> bool:
    return response.status_code == 404


def form_post_limit() -> LimitDecorator:
    """On a public form that writes (report, rating): every POST counts."""
    return limiter.limit(public_form_limit, methods=["POST"])


def track_lookup_limit() -> LimitDecorator:
    """On the tracking lookup form: every try counts."""
    return limiter.shared_limit(public_form_limit, scope=TRACK_SCOPE, methods=["POST"])


def track_miss_limit() -> LimitDecorator:
    """On pages addressed by a code: only codes that find nothing count."""
    return limiter.shared_limit(public_form_limit, scope=TRACK_SCOPE, deduct_when=_missed)
