"""Security headers on every response: a script policy without inline code, no framing, no sniffing.

Scripts come only from ``/static`` (no inline ``<script>``, no ``eval``); data for scripts travels in
``<script type="application/json">`` blocks, which are not executed. Styles allow ``'unsafe-inline'``
because bpmn-js and diagram-js write ``style`` attributes into the markup they build; an injected style
cannot run code, so this is the accepted trade-off. bpmn-js shows its logo as a ``data:`` image.
"""
from __future__ import annotations

from flask import Flask, Response, request
from flask_login import current_user

#: The Content-Security-Policy, one directive per entry.
CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

HEADERS = {
    "Content-Security-Policy": "; ".join(f"{name} {value}" for name, value in CSP.items()),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # Tracking codes and case codes are in URLs: never send the path to another site.
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",  # see allow_location
    "Cross-Origin-Opener-Policy": "same-origin",
}

#: The policy of a page that asks for the phone's position when its user presses a button (the grid worker's phone
#: page): this origin only, never a frame of another.
LOCATION_PERMISSIONS = "camera=(), microphone=(), geolocation=(self), payment=(), usb=()"

#: Sent only over HTTPS (``SESSION_COOKIE_SECURE``): browsers then refuse plain HTTP for a year.
HSTS = "max-age=31536000"


def _add_headers(response: Response, *, https: bool, staff_page: bool) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if https:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    if staff_page:
        # Case pages carry personal data: after logout, Back on a shared office PC must not show them.
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def allow_location(response: Response) -> Response:
    """Let this page read the device's position (every other page may not)."""
    response.headers["Permissions-Policy"] = LOCATION_PERMISSIONS
    return response


def init_app(app: Flask) -> None:
    @app.after_request
    def security_headers(response: Response) -> Response:
        # Static files first: asking who is logged in costs a database read.
        staff_page = request.endpoint != "static" and current_user.is_authenticated
        return _add_headers(response, https=bool(app.config.get("SESSION_COOKIE_SECURE")), staff_page=staff_page)
