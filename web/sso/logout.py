"""Logging out of a single sign-on session: the provider's session ends too (RP-initiated logout)."""
from __future__ import annotations

from flask import Response, current_app, make_response, render_template, url_for

#: Where a single sign-on session keeps its ID token (the provider's logout wants it as a hint).
ID_TOKEN = "sso_id_token"


def logout_response(id_token: object) -> Response | None:
    """After a single sign-on session ended locally: on to the provider's end_session_endpoint (RP-initiated
    logout), which comes back to the home page; None for a local login or a provider without one.

    A page that moves on by itself, not a redirect: the logout button is a form, and the pages' policy
    (form-action 'self') forbids a form's redirect to another site."""
    oidc = current_app.extensions.get("casegrid.sso")
    if oidc is None or not isinstance(id_token, str):
        return None
    url = oidc.logout_url(id_token, url_for("auth.home", _external=True))
    if url is None:
        return None
    return make_response(render_template("sso/logout.html", url=url))
