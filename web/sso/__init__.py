"""Single sign-on with the government's identity system: OpenID Connect, alongside local accounts (issue 25).

Configured by ``SSO_ISSUER``, ``SSO_CLIENT_ID`` and ``SSO_CLIENT_SECRET`` (``CASEGRID_SSO_*`` in the
environment); without an issuer the login page has no single sign-on button and its routes are 404.
Who may come in, and as what, is the admins' rules (web/admin/sso.py, engine/people/sso.py).
"""
from __future__ import annotations

from typing import Any

from flask import Flask, current_app

from web.sso.views import bp

KEY = "casegrid.sso"


def init_app(app: Flask) -> None:
    issuer = str(app.config.get("SSO_ISSUER") or "").strip()
    client = None
    if issuer:
        from web.sso.client import OidcClient  # Authlib and joserfc: loaded only with a provider configured

        client = OidcClient(issuer, str(app.config.get("SSO_CLIENT_ID") or ""),
                            str(app.config.get("SSO_CLIENT_SECRET") or ""), app.extensions["casegrid.people"].clock,
                            scope=str(app.config.get("SSO_SCOPE") or "openid profile"),
                            timeout=float(app.config.get("SSO_TIMEOUT") or 10))
    app.extensions[KEY] = client
    app.register_blueprint(bp)

    @app.context_processor
    def sso_button() -> dict[str, Any]:
        return {"sso_enabled": current_app.extensions.get(KEY) is not None}
