"""Behind a reverse proxy: take the client's address and scheme from the proxy's headers.

Off by default (``PROXY_HOPS`` = 0): trusting ``X-Forwarded-For`` from anyone would let a
client pick the address the login and form limits count. Set ``CASEGRID_PROXY_HOPS`` to the
number of proxies in front of casegrid (usually 1, the TLS-terminating nginx); without it every
request seems to come from the proxy, and one address's limit would throttle the whole office.
"""
from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def init_app(app: Flask) -> None:
    hops = int(app.config.get("PROXY_HOPS") or 0)
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
